package probe

import (
	"os"
	"os/exec"
	"syscall"
)

// Worker is a started worker process.
type Worker struct {
	Pid int
	// Exited is closed once the process has exited and been reaped; nil if
	// the starter cannot tell.
	Exited <-chan struct{}
}

// StartFunc starts a detached worker for spec. It must not wait for it.
type StartFunc func(spec WorkerSpec) (Worker, error)

// ExecStarter starts exe with spec.Args() in a new session, in "/", with
// stdin, stdout and stderr on /dev/null, so no caller that waits for a pipe's
// EOF is held up by a stuck worker. env nil means inherit. The process is
// reaped by a goroutine (never waited for synchronously); if the caller exits
// first, init reaps it.
func ExecStarter(exe string, env []string) StartFunc {
	return func(spec WorkerSpec) (Worker, error) {
		devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
		if err != nil {
			return Worker{}, err
		}
		defer devnull.Close()
		cmd := exec.Command(exe, spec.Args()...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, devnull, devnull
		cmd.Dir = "/"
		cmd.Env = env
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := cmd.Start(); err != nil {
			return Worker{}, err
		}
		exited := make(chan struct{})
		go func() {
			_ = cmd.Wait()
			close(exited)
		}()
		return Worker{Pid: cmd.Process.Pid, Exited: exited}, nil
	}
}
