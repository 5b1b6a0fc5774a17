// Package pollstdin reads a helper process's standard input through Go's
// network poller.
//
// The node's small helpers (the lock helpers, the address guard) spend
// their lives waiting for a line or a byte on stdin, a pipe from their
// parent. Read from os.Stdin, a blocking file, that wait holds a thread in
// the kernel, and every message then costs a hand-off between threads and
// wakes the runtime's monitor thread, which polls every 20 µs for a while:
// on an idle leader the fcntl helper woke about 16 times a second for 1.2
// pings. Through the poller the wait is one epoll_wait.
package pollstdin

import (
	"os"
	"syscall"
)

// Open returns stdin as a pollable file when it is a pipe, else os.Stdin
// (a terminal's or a file's open description is shared with others, such
// as the shell that started the process: it is left blocking). The caller
// must not read os.Stdin as well: the pipe is now non-blocking, which
// os.Stdin does not expect.
func Open() *os.File {
	var st syscall.Stat_t
	if syscall.Fstat(0, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFIFO {
		return os.Stdin
	}
	if err := syscall.SetNonblock(0, true); err != nil {
		return os.Stdin
	}
	// NewFile sees the non-blocking descriptor and registers it with the
	// poller.
	return os.NewFile(0, "/dev/stdin")
}
