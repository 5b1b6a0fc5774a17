package eventd

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// ending is how supervising a script ended.
type ending int

const (
	endExited    ending = iota // exited by itself
	endTimedOut                // the event deadline passed; it was killed
	endCancelled               // the job was stopped; it was killed
)

// runScript runs one enabled script of job j under the event deadline.
func (r *Runner) runScript(j *job, s scriptEntry, deadline time.Time, partial *EventResult) ScriptResult {
	res := ScriptResult{Name: s.Name, Start: r.cfg.Now()}
	if h, ok := r.hung.get(s.Name); ok {
		return r.skipHung(res, h)
	}
	if !time.Now().Before(deadline) {
		res.State, res.End = StateTimedOut, res.Start
		res.Output = "event timed out before the script started"
		return res
	}
	p, err := r.start(s.Path, s.Name, append([]string{j.event}, j.args...))
	if err != nil {
		return r.cannotRun(res, err)
	}
	res.PID = p.pid
	onTimeout := func() {
		sr := res
		sr.State, sr.End, sr.Output = StateTimedOut, r.cfg.Now(), p.out.snapshot()
		r.recordTimedOut(partial, sr)
	}
	end, hung := r.supervise(j, s.Name, p, deadline, onTimeout)
	drain := outputDrain
	if hung {
		drain = 0
	}
	res.Output = p.out.finish(drain)
	res.End = r.cfg.Now()
	return settle(res, end, hung, p)
}

// start starts a child with the runner's environment and output settings.
func (r *Runner) start(path, logName string, args []string) (*proc, error) {
	now := r.cfg.Now()
	p, err := startProc(path, args, r.cfg.Env, r.cfg.OutputMax, logName, r.log)
	if err == nil {
		p.start = now
	}
	return p, err
}

// supervise waits for p to exit, for the deadline, or for the job to stop,
// killing p in the last two cases. hung reports that p survived SIGKILL.
// onTimeout runs first when the deadline passes.
func (r *Runner) supervise(j *job, name string, p *proc, deadline time.Time, onTimeout func()) (end ending, hung bool) {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-p.done:
		return endExited, false
	case <-j.stop:
		return endCancelled, r.kill(j, name, p)
	case <-t.C:
		r.log.Warningf("%s: event %s timed out, script pid %d", name, j.event, p.pid)
		onTimeout()
		return endTimedOut, r.terminate(j, name, p)
	}
}

// terminate handles a timed-out script: debug script, SIGTERM to the group,
// KillGrace, then SIGKILL. A stopped job skips the remaining waits.
func (r *Runner) terminate(j *job, name string, p *proc) bool {
	if r.cfg.DebugScript != "" {
		r.runDebug(j, p.pid)
	}
	r.signal(p.pid, syscall.SIGTERM)
	waitClosed(p.done, r.cfg.KillGrace, j.stop)
	return r.kill(j, name, p)
}

// kill SIGKILLs p's whole group, even if p itself already exited (children
// that ignored SIGTERM may remain), and waits up to ReapWait for p to be
// reaped. If it is not, p is recorded as hung and left to its reaper.
func (r *Runner) kill(j *job, name string, p *proc) bool {
	r.signal(p.pid, syscall.SIGKILL)
	if waitClosed(p.done, r.cfg.ReapWait, nil) {
		return false
	}
	return r.hung.add(name, j.event, p)
}

// signal sends sig to process group pgid; a group already gone is fine.
func (r *Runner) signal(pgid int, sig syscall.Signal) {
	if err := r.cfg.Signal(pgid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
		r.log.Warningf("Cannot send %s to process group %d: %v", unix.SignalName(sig), pgid, err)
	}
}

// settle fills in the state of a script from how its supervision ended.
func settle(res ScriptResult, end ending, hung bool, p *proc) ScriptResult {
	res.StillRunning = hung
	switch end {
	case endTimedOut:
		res.State = StateTimedOut
	case endCancelled:
		res.State, res.Err = StateError, "cancelled"
	default:
		applyExit(&res, p)
	}
	return res
}

// applyExit maps the wait status of an exited script onto res.
func applyExit(res *ScriptResult, p *proc) {
	ws := p.ws
	switch {
	case p.werr != nil:
		res.State, res.ExitCode, res.Err = StateError, -1, "wait: "+p.werr.Error()
	case ws.Signaled():
		res.State, res.ExitCode = StateError, 128+int(ws.Signal())
		res.Signal = unix.SignalName(ws.Signal())
		if res.Signal == "" {
			res.Signal = ws.Signal().String()
		}
	case ws.ExitStatus() == 0:
		res.State = StateOK
	default:
		res.State, res.ExitCode = StateError, ws.ExitStatus()
	}
}

// skipHung is the result for a script whose previous run is still alive:
// starting another copy would only pile up stuck processes.
func (r *Runner) skipHung(res ScriptResult, h HungScript) ScriptResult {
	res.State, res.End = StateTimedOut, res.Start
	res.PID, res.StillRunning = h.PID, true
	res.Output = fmt.Sprintf("previous run (pid %d, event %s, since %s) is still running",
		h.PID, h.Event, h.Since.Format(time.RFC3339))
	r.log.Warningf("%s: %s", res.Name, res.Output)
	return res
}

func (r *Runner) cannotRun(res ScriptResult, err error) ScriptResult {
	res.State, res.ExitCode, res.Err = StateCannotRun, exitCannotRun, errText(err)
	res.End = r.cfg.Now()
	r.log.Errorf("%s: cannot run: %v", res.Name, err)
	return res
}
