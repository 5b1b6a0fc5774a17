package netns

import (
	"fmt"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// Proc is a process started inside a host with Host.Start. Start owns the
// Wait: do not call Cmd.Wait yourself; use Done and Err.
type Proc struct {
	Cmd  *exec.Cmd
	Host *Host

	done chan struct{}
	err  error
}

// Start starts cmd, which must come from h.Command, and arranges for it to
// be stopped by PID (SIGTERM, then SIGKILL) when t's test ends and, in any
// case, before the namespaces are deleted. It fails the test if cmd cannot
// start.
func (h *Host) Start(t testing.TB, cmd *exec.Cmd) *Proc {
	t.Helper()
	p, err := h.StartProc(cmd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop(termGrace) })
	return p
}

// StartProc starts cmd, which must come from h.Command; the Net's cleanup
// stops it by PID (SIGTERM, then SIGKILL) before the namespaces go.
func (h *Host) StartProc(cmd *exec.Cmd) (*Proc, error) {
	if !h.owns(cmd) {
		return nil, fmt.Errorf("netns: Start on %s: command %v was not made by this host's Command", h.Label, cmd.Args)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("netns: start %v in %s: %w", cmd.Args, h.Label, err)
	}
	p := &Proc{Cmd: cmd, Host: h, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	h.net.mu.Lock()
	h.net.procs = append(h.net.procs, p)
	h.net.mu.Unlock()
	return p, nil
}

// Done is closed once the process has exited and been reaped.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Err is the result of Cmd.Wait; valid once Done is closed.
func (p *Proc) Err() error {
	<-p.done
	return p.err
}

// Stop sends SIGTERM, waits up to grace, then sends SIGKILL and waits up to
// killGrace more. It reports whether the process has exited. Calling it
// again, or after the process exited, is harmless.
func (p *Proc) Stop(grace time.Duration) bool {
	p.signalTerm()
	if p.waitFor(grace) {
		return true
	}
	p.signalKill()
	return p.waitFor(killGrace)
}

func (p *Proc) waitFor(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
		return true
	case <-t.C:
		return false
	}
}

func (p *Proc) signalTerm() { p.signal(syscall.SIGTERM) }
func (p *Proc) signalKill() { p.signal(syscall.SIGKILL) }

// signal signals the process by PID unless it has been reaped (after which
// the PID may belong to someone else).
func (p *Proc) signal(sig syscall.Signal) {
	select {
	case <-p.done:
	default:
		_ = p.Cmd.Process.Signal(sig)
	}
}
