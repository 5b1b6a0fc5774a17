package eventd

import (
	"os"

	"golang.org/x/sys/unix"
)

// waitExitPolled returns once process pid has exited (it is not reaped:
// os.Process.Wait does that afterwards, at once). It waits in Go's
// poller on a pidfd, which becomes readable when the process exits. A
// blocking wait would hold a thread in the kernel for the script's whole
// run, and the runtime's monitor thread, woken by the system call, would
// poll every 20 µs meanwhile. It reports false when it cannot wait that way
// (a kernel without pidfds): the caller then waits as before.
func waitExitPolled(pid int) bool {
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if err != nil {
		return false
	}
	f := os.NewFile(uintptr(fd), "pidfd")
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	exited := false
	err = rc.Read(func(fd uintptr) bool {
		p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, perr := unix.Poll(p, 0)
		exited = perr == nil && n > 0
		return exited || perr != nil
	})
	return err == nil && exited
}
