package clusterlock

import "errors"

var (
	// ErrNotHeld: Ping was called while the Locker does not hold the lock.
	ErrNotHeld = errors.New("cluster lock not held")
	// ErrReleased: Release was called while a TryLock was waiting for the
	// helper's answer.
	ErrReleased = errors.New("cluster lock released while waiting for the helper")
	// ErrNoAnswer: the helper closed stdout (usually: exited) without
	// writing its answer byte.
	ErrNoAnswer = errors.New("cluster lock helper exited without answering")
)

// errHelperFailed goes with a helper's '3' answer; its reason is in the log
// (the helper's stderr).
var errHelperFailed = errors.New("cluster lock helper reported an unexpected error (see its messages in the log)")
