package clusterlock

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ctdb-go/ctdb/internal/pollstdin"
)

// TokenPrefix starts the optional fencing-token line a helper may write
// right after its '0' answer, in the same write(2), so that the parent
// finds it in the same read: "0" + "fencing-token 1234\n". Helpers that
// write only the byte (CTDB's, the fcntl helper) are unaffected: the
// parent looks for the line only in what arrived with the byte.
const TokenPrefix = "fencing-token "

// HelperEnv is the process set-up every lock helper needs: SIGPIPE
// ignored, SIGTERM caught, the parent-death signal armed, and the parent
// remembered.
type HelperEnv struct {
	Name  string // the helper's name, for messages
	Ppid  int
	Terms chan os.Signal
}

// StartHelperEnv sets the process up as a lock helper named name. It must
// run before the helper takes its lock.
func StartHelperEnv(name string) (*HelperEnv, error) {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	e := &HelperEnv{Name: name, Ppid: os.Getppid(), Terms: make(chan os.Signal, 1)}
	signal.Notify(e.Terms, syscall.SIGTERM)
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0, 0, 0); err != nil {
		return e, fmt.Errorf("prctl(PR_SET_PDEATHSIG): %w", err)
	}
	if now := os.Getppid(); now != e.Ppid {
		return e, fmt.Errorf("parent process %d gone before locking", e.Ppid)
	}
	return e, nil
}

// Answer writes a non-'0' answer and the error (if any) to stderr and
// returns the exit code.
func (e *HelperEnv) Answer(res Result, err error) int {
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", e.Name, err)
	}
	_, _ = os.Stdout.Write([]byte{byte(res)})
	if res == ResultContended {
		return 0
	}
	return 1
}

// Locked writes the '0' answer with the fencing-token line, in one write.
func (e *HelperEnv) Locked(token int64) error {
	_, err := os.Stdout.Write([]byte(string(ResultLocked) + FormatToken(token)))
	return err
}

// Hold keeps the lock under the protocol's rules (SIGTERM, stdin EOF,
// parent death, pings missing for pingTimeout) and until lost yields a
// reason; it returns the reason to log ("" for an ordinary release).
func (e *HelperEnv) Hold(pingTimeout time.Duration, lost <-chan string) string {
	pings, stdinEOF := watchStdin(pollstdin.Open())
	return hold(holdConfig{
		PingTimeout: pingTimeout,
		ParentPoll:  parentPoll,
		Ppid:        e.Ppid,
		Getppid:     os.Getppid,
		Terms:       e.Terms,
		Pings:       pings,
		StdinEOF:    stdinEOF,
		Lost:        lost,
	})
}

// CloseStdout tells the parent at once that the lock is gone (EOF), before
// the helper's slower clean-up.
func (e *HelperEnv) CloseStdout(reason string) {
	_ = os.Stdout.Close()
	if reason != "" {
		fmt.Fprintf(os.Stderr, "%s: %s\n", e.Name, reason)
	}
}

// FormatToken is the fencing-token line for token.
func FormatToken(token int64) string {
	return TokenPrefix + strconv.FormatInt(token, 10) + "\n"
}

// ParseToken finds the fencing-token line at the start of b (what came
// with the '0' byte). ok is false when there is none or it is malformed:
// a partial line is not waited for.
func ParseToken(b []byte) (token int64, ok bool) {
	line, _, found := strings.Cut(string(b), "\n")
	if !found {
		return 0, false
	}
	v, isTok := strings.CutPrefix(line, TokenPrefix)
	if !isTok {
		return 0, false
	}
	t, err := strconv.ParseInt(v, 10, 64)
	if err != nil || t <= 0 {
		return 0, false
	}
	return t, true
}
