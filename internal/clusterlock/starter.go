package clusterlock

import (
	"os/exec"
	"runtime"
	"sync"
)

// pinned is one goroutine locked to its OS thread for good. Helpers are
// started from it because a child's parent-death signal fires when the
// THREAD that forked it exits, not the process; Go may end a thread that
// a goroutine had locked. A thread that is never unlocked never exits, so
// the helper gets SIGTERM only when the daemon really dies.
var pinned struct {
	once sync.Once
	reqs chan func()
}

// startPinned runs cmd.Start on the pinned thread. It blocks the calling
// goroutine only (callers run it in their own goroutine).
func startPinned(cmd *exec.Cmd) error {
	pinned.once.Do(func() {
		pinned.reqs = make(chan func())
		go func() {
			runtime.LockOSThread() // never unlocked: see above
			for f := range pinned.reqs {
				f()
			}
		}()
	})
	errc := make(chan error, 1)
	pinned.reqs <- func() { errc <- cmd.Start() }
	return <-errc
}
