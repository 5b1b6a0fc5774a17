package daemon

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// NotifyScriptName is CTDB's notification hook, run as
// "$CTDB_BASE/notify.sh EVENT" on the node-state events init, setup,
// startup, healthy and unhealthy. The shipped one runs the executable
// scripts of events/notification/ (NN.name.script) with the same argument.
const NotifyScriptName = "notify.sh"

// notifyTimeout bounds one run of the notification hook.
const notifyTimeout = 30 * time.Second

// notify queues a node-state event for the notification hook. It never
// blocks: the hook runs in order on its own goroutine, and an event that
// does not fit the queue is dropped with a warning.
func (d *Daemon) notify(event string) {
	select {
	case d.notifyCh <- event:
	default:
		d.log.Warningf("Notification %s dropped: earlier notifications are still running", event)
	}
}

// notifyLoop runs the queued notifications until ctx ends, then the ones
// still queued.
func (d *Daemon) notifyLoop(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	for {
		select {
		case ev := <-d.notifyCh:
			d.runNotify(ev)
		case <-ctx.Done():
			for {
				select {
				case ev := <-d.notifyCh:
					d.runNotify(ev)
				default:
					return
				}
			}
		}
	}
}

// runNotify runs the hook for one event, if it is installed and executable.
func (d *Daemon) runNotify(event string) {
	script := filepath.Join(d.cfg.ConfigDir, NotifyScriptName)
	if fi, err := os.Stat(script); err != nil || fi.Mode().Perm()&0o111 == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), notifyTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, script, event)
	cmd.Env = d.scriptEnv()
	cmd.Dir = "/"
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	msg := strings.TrimSpace(out.String())
	switch {
	case ctx.Err() != nil:
		d.log.Errorf("Notification script %s %s timed out after %v", script, event, notifyTimeout)
	case err != nil:
		d.log.Errorf("Notification script %s %s failed (%v): %s", script, event, err, msg)
	default:
		d.log.Debugf("Notification script %s %s done", script, event)
	}
}
