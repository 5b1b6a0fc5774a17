package cli

import (
	"fmt"
	"io"
)

// Exit codes that CTDB's tools return (errno values).
const (
	exitENOENT    = 2   // script does not exist
	exitENOEXEC   = 8   // event failed
	exitEINVAL    = 22  // event has never run
	exitETIMEDOUT = 110 // event or script timed out
	exitECANCELED = 125 // event cancelled
)

// exitError ends a command with a given exit code. Msg, if not empty, is
// printed on stderr; output that belongs on stdout has already been
// written by the command.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string {
	if e.msg != "" {
		return e.msg
	}
	return fmt.Sprintf("exit status %d", e.code)
}

// exitCode ends a command silently with code (nil for 0).
func exitCode(code int) error {
	if code == 0 {
		return nil
	}
	return &exitError{code: code}
}

// failf ends a command with exit code 1 and a message on stderr.
func failf(format string, args ...any) error {
	return &exitError{code: 1, msg: fmt.Sprintf(format, args...)}
}

// usageError means the command's arguments are wrong: the command's usage
// is printed on stderr and the tool exits 1.
type usageError struct {
	cmd string
}

func (e *usageError) Error() string { return "usage: " + e.cmd }

// printf writes to w ignoring errors, as CTDB's printf does.
func printf(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, format, args...)
}
