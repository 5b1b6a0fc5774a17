package daemon

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// RecoverdName is the recovery daemon's binary, looked up in HelperDir.
const RecoverdName = "ctdb-recoverd"

func (d *Daemon) lockHelper() string {
	return filepath.Join(d.opts.HelperDir, "ctdb_mutex_fcntl_helper")
}

// superviseRecoverd runs the recovery daemon and restarts it when it dies,
// until ctx ends; then it stops it (SIGTERM, then SIGKILL) without waiting
// on it for longer than a few seconds.
func (d *Daemon) superviseRecoverd(ctx context.Context) {
	backoff := time.Second
	for ctx.Err() == nil {
		start := time.Now()
		err := d.runRecoverd(ctx)
		if ctx.Err() != nil {
			return
		}
		d.log.Errorf("Recovery daemon exited (%v); restarting it", err)
		if time.Since(start) > 30*time.Second {
			backoff = time.Second
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}

func (d *Daemon) runRecoverd(ctx context.Context) error {
	cmd := exec.Command(filepath.Join(d.opts.HelperDir, RecoverdName))
	cmd.Env = append(d.scriptEnv(), "CTDB_RECOVERD_LOG="+d.opts.RecoverdLog)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return err
	}
	d.log.Infof("Started recovery daemon (pid %d)", cmd.Process.Pid)
	d.sc.recdPID.Store(int64(cmd.Process.Pid))
	defer d.sc.recdPID.Store(0)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	return ctx.Err()
}
