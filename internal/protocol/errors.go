package protocol

import (
	"errors"
	"fmt"
)

// Error is a control that failed on the daemon side. Handlers return it to
// choose the reply status; clients get it back from a call.
type Error struct {
	Op     Op
	Status int32
	Msg    string
}

func (e *Error) Error() string {
	if e.Op != 0 {
		return fmt.Sprintf("%s failed: %s", e.Op, e.Msg)
	}
	return e.Msg
}

// Errorf builds an *Error with a status.
func Errorf(status int32, format string, args ...any) *Error {
	return &Error{Status: status, Msg: fmt.Sprintf(format, args...)}
}

// StatusOf returns the reply status of err: the status of an *Error in its
// chain, or StatusError.
func StatusOf(err error) int32 {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return StatusError
}

// IsStatus reports whether err is an *Error with the given status.
func IsStatus(err error, status int32) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}
