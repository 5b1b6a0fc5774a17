package eventd

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
)

// proc is a started child leading its own process group (pgid == pid).
type proc struct {
	pid   int
	start time.Time
	out   *capture
	done  chan struct{}      // closed once the child has been reaped
	ws    syscall.WaitStatus // valid after done
	werr  error              // wait error, valid after done
}

// startProc starts path with args in a new process group, stdin from
// /dev/null and stdout+stderr into one pipe whose lines are logged as
// "logName: line". The child is reaped by a goroutine of its own, so a child
// stuck in the kernel never blocks the caller.
func startProc(path string, args, env []string, outMax int, logName string, log *logrus.Entry) (*proc, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	process, err := startRetryingBusy(path, args, env, pw)
	pw.Close()
	if err != nil {
		pr.Close()
		return nil, err
	}
	p := &proc{pid: process.Pid, out: newCapture(pr, outMax, logName, log), done: make(chan struct{})}
	go p.out.loop()
	go p.reap(process)
	return p, nil
}

// startRetryingBusy execs, retrying briefly on ETXTBSY: a script being
// written (or a write fd leaked into another fork) makes exec fail for a
// moment.
func startRetryingBusy(path string, args, env []string, out *os.File) (*os.Process, error) {
	for i := 1; ; i++ {
		p, err := startOnce(path, args, env, out)
		if err == nil || !errors.Is(err, syscall.ETXTBSY) || i == 5 {
			return p, err
		}
		time.Sleep(time.Duration(i) * 10 * time.Millisecond)
	}
}

// devNull is the scripts' stdin, opened once: each child gets a copy. A
// failed open (out of file descriptors, say) is not kept: the next script
// tries again, as it did when every script opened its own.
var devNull struct {
	mu sync.Mutex
	f  *os.File
}

func openDevNull() (*os.File, error) {
	devNull.mu.Lock()
	defer devNull.mu.Unlock()
	if devNull.f == nil {
		f, err := os.Open(os.DevNull)
		if err != nil {
			return nil, err
		}
		devNull.f = f
	}
	return devNull.f, nil
}

func startOnce(path string, args, env []string, out *os.File) (*os.Process, error) {
	null, err := openDevNull()
	if err != nil {
		return nil, err
	}
	return os.StartProcess(path, append([]string{path}, args...), &os.ProcAttr{
		Env:   env,
		Files: []*os.File{null, out, out},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
}

func (p *proc) reap(process *os.Process) {
	waitExitPolled(process.Pid) // then Wait does not block
	st, err := process.Wait()
	if err == nil {
		p.ws, _ = st.Sys().(syscall.WaitStatus)
	}
	p.werr = err
	close(p.done)
}

// waitClosed waits up to d for ch to close; it gives up early when abort
// closes. It reports whether ch closed.
func waitClosed(ch <-chan struct{}, d time.Duration, abort <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
	case <-abort:
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// errText is the bare reason of an exec failure ("exec format error"),
// without Go's "fork/exec PATH:" wrapping.
func errText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	return err.Error()
}
