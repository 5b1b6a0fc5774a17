package clusterlock

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ctdb-go/ctdb/internal/pollstdin"
)

// parentPoll is how often the holding helper checks getppid().
// It is only a backstop: a parent that dies closes the
// helper's stdin at once, and one that stops pinging loses the lock after
// the ping timeout; a shorter poll only wakes the helper for nothing.
const parentPoll = 5 * time.Second

// HelperMain is the ctdb_mutex_fcntl_helper command (and its hidden
// re-check verb). It returns the exit code; the exit code carries no
// protocol meaning.
func HelperMain(args []string) int {
	if len(args) > 0 && args[0] == RecheckVerb {
		return runRecheck(args[1:], os.Stdin, os.Stdout)
	}
	return runHelper(args)
}

func runHelper(args []string) int {
	// Writes to a closed stdout/stderr pipe must fail with EPIPE rather than
	// kill us before we have released the lock properly.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	terms := make(chan os.Signal, 1)
	signal.Notify(terms, syscall.SIGTERM)

	cfg, err := parseHelperArgs(args)
	if err != nil {
		return answer(ResultError, err)
	}
	ppid := os.Getppid()
	// The parent-death signal follows the parent THREAD, so getppid() is
	// polled as well (see hold). A parent that died before the Getppid
	// above is noticed through stdin EOF.
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0, 0, 0); err != nil {
		return answer(ResultError, fmt.Errorf("prctl(PR_SET_PDEATHSIG): %w", err))
	}
	if now := os.Getppid(); now != ppid {
		return answer(ResultError, fmt.Errorf("parent process %d gone before locking", ppid))
	}
	self := selfExe()
	lk, res, err := takeLock(cfg.File)
	if res != ResultLocked {
		return answer(res, err)
	}
	if _, err := os.Stdout.Write([]byte{byte(ResultLocked)}); err != nil {
		return release(lk, "cannot report the lock to the parent: "+err.Error())
	}
	pings, stdinEOF := watchStdin(pollstdin.Open())
	rc := newRechecker(self, cfg.File, lk.id)
	reason := hold(holdConfig{
		PingTimeout:     cfg.PingTimeout,
		RecheckInterval: cfg.RecheckInterval,
		RecheckTimeout:  cfg.RecheckTimeout,
		ParentPoll:      parentPoll,
		Ppid:            ppid,
		Getppid:         os.Getppid,
		Terms:           terms,
		Pings:           pings,
		StdinEOF:        stdinEOF,
		Recheck:         rc.check,
		File:            cfg.File,
	})
	rc.close()
	return release(lk, reason)
}

// answer writes a non-'0' answer and the error (if any) and returns the
// exit code.
func answer(res Result, err error) int {
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", HelperName, err)
	}
	_, _ = os.Stdout.Write([]byte{byte(res)})
	if res == ResultContended {
		return 0
	}
	return 1
}

// release gives up the lock: stdout is closed FIRST, so the parent sees EOF
// (lock lost or released) at once, even when closing the lock fd then
// blocks on a hung filesystem until it recovers.
func release(lk heldLock, reason string) int {
	_ = os.Stdout.Close()
	if reason != "" {
		fmt.Fprintf(os.Stderr, "%s: %s\n", HelperName, reason)
	}
	_ = unix.Close(lk.fd)
	if reason != "" {
		return 1
	}
	return 0
}

// fileID identifies the inode a path leads to.
type fileID struct {
	Dev uint64
	Ino uint64
}

// heldLock is the open, locked lock file.
type heldLock struct {
	fd int
	id fileID
}

// takeLock opens file and takes a non-blocking write lock on byte 0. It
// returns ResultContended when another process holds it, ResultError with
// the reason for anything else.
//
// The helper must never open and close the lock file a second time while
// it holds the lock: closing ANY fd of the file drops the process's POSIX
// locks. That is one more reason the re-check runs in a child process.
func takeLock(file string) (heldLock, Result, error) {
	fd, err := unix.Open(file, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return heldLock{}, ResultError, fmt.Errorf("open %s failed: %w", file, err)
	}
	flk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart, Start: 0, Len: 1}
	if err := unix.FcntlFlock(uintptr(fd), unix.F_SETLK, &flk); err != nil {
		_ = unix.Close(fd)
		if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EAGAIN) {
			return heldLock{}, ResultContended, nil
		}
		return heldLock{}, ResultError, fmt.Errorf("lock %s failed: %w", file, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		_ = unix.Close(fd)
		return heldLock{}, ResultError, fmt.Errorf("fstat %s failed: %w", file, err)
	}
	return heldLock{fd: fd, id: fileID{Dev: st.Dev, Ino: st.Ino}}, ResultLocked, nil
}

// watchStdin reads the parent's pings: one signal on pings per read (sends
// coalesce), and stdinEOF is closed at EOF or on a read error.
func watchStdin(r io.Reader) (pings <-chan struct{}, stdinEOF <-chan struct{}) {
	p := make(chan struct{}, 1)
	eof := make(chan struct{})
	go func() {
		buf := make([]byte, 64)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				select {
				case p <- struct{}{}:
				default:
				}
			}
			if err != nil {
				close(eof)
				return
			}
		}
	}()
	return p, eof
}
