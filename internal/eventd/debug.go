package eventd

import (
	"path/filepath"
	"strconv"
	"syscall"
)

// runDebug runs "DebugScript PID EVENT" for a timed-out script that is still
// alive, so it can be inspected before it is killed. Its output is logged.
// It is bounded by DebugTimeout and cut short when the job is stopped.
func (r *Runner) runDebug(j *job, pid int) {
	name := filepath.Base(r.cfg.DebugScript)
	p, err := r.start(r.cfg.DebugScript, name, []string{strconv.Itoa(pid), j.event})
	if err != nil {
		r.log.Errorf("Cannot run debug script %s: %v", r.cfg.DebugScript, err)
		return
	}
	drain := outputDrain
	if !waitClosed(p.done, r.cfg.DebugTimeout, j.stop) {
		r.log.Warningf("Debug script %s (pid %d) did not finish in %v: killing it", name, p.pid, r.cfg.DebugTimeout)
		r.signal(p.pid, syscall.SIGKILL)
		if !waitClosed(p.done, r.cfg.ReapWait, nil) {
			drain = 0
		}
	}
	p.out.finish(drain)
}
