package probe

import (
	"errors"
	"fmt"
	"syscall"
	"time"
)

// Exit codes of the ctdb_probe command.
const (
	ExitOK       = 0 // the probe answered successfully
	ExitFSError  = 1 // the probe answered with an error (ENOENT, ENOTCONN, ...)
	ExitNoAnswer = 2 // no answer in time, or a previous probe is still stuck
	ExitLocal    = 3 // usage error or a problem with the local state directory
)

// FSError is an error the worker got from the probed filesystem.
type FSError struct {
	Op    Op
	Path  string
	Errno syscall.Errno // 0 when the worker reported only a text
	Text  string        // strerror-like text, e.g. "no such file or directory"
}

func (e *FSError) Error() string { return fmt.Sprintf("%s %s: %s", e.Op, e.Path, e.Text) }

// Unwrap lets errors.Is(err, syscall.ENOENT) work.
func (e *FSError) Unwrap() error {
	if e.Errno == 0 {
		return nil
	}
	return e.Errno
}

// TimeoutError: the worker did not answer within the caller's timeout. The
// worker (Pid) is left running; it cannot be killed while it is blocked.
type TimeoutError struct {
	Op     Op
	Path   string
	Pid    int
	Waited time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s %s: no answer after %v (probe pid %d still running)", e.Op, e.Path, e.Waited, e.Pid)
}

// BusyError: a worker for this key was already reported stuck by an earlier
// caller and is still running, so no new worker was started.
type BusyError struct {
	Op      Op
	Path    string
	Pid     int
	Started time.Time
	Now     time.Time
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("%s %s: previous probe (pid %d, started %v ago) still running",
		e.Op, e.Path, e.Pid, roundAge(e.Now.Sub(e.Started)))
}

// roundAge keeps ages readable: tenths of a second, whole seconds past 10 s.
func roundAge(d time.Duration) time.Duration {
	if d >= 10*time.Second {
		return d.Round(time.Second)
	}
	return d.Round(100 * time.Millisecond)
}

// IsNoAnswer reports whether err means "the filesystem did not answer":
// a timeout or a still-stuck previous probe.
func IsNoAnswer(err error) bool {
	var te *TimeoutError
	var be *BusyError
	return errors.As(err, &te) || errors.As(err, &be)
}

// ExitCode maps a Probe error to the command's exit code.
func ExitCode(err error) int {
	var fe *FSError
	switch {
	case err == nil:
		return ExitOK
	case IsNoAnswer(err):
		return ExitNoAnswer
	case errors.As(err, &fe):
		return ExitFSError
	default:
		return ExitLocal
	}
}
