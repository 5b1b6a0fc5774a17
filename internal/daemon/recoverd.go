package daemon

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ctdb-go/ctdb/internal/config"
	"github.com/ctdb-go/ctdb/internal/recoverd/rdconf"
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

// recoverdConfig is the recovery daemon's share of ctdbd's settings.
func (d *Daemon) recoverdConfig() rdconf.Config {
	c := d.cfg
	loc := d.opts.RecoverdLog
	if loc == "" {
		loc = c.Logging.Location
	}
	return rdconf.Config{Socket: c.Paths.Socket, LogLocation: loc, LogLevel: c.Logging.Level,
		ClusterLock: c.Cluster.ClusterLock, LeaderTimeout: c.Cluster.LeaderTimeout,
		LeaderCapability: c.Cluster.LeaderCapability, QuorumMajority: c.Cluster.Quorum == config.QuorumMajority,
		FailoverDisabled: c.Failover.Disabled, VarDir: c.Paths.VarDir}
}

func (d *Daemon) runRecoverd(ctx context.Context) error {
	cmd := exec.Command(filepath.Join(d.opts.HelperDir, RecoverdName))
	cmd.Env = append(d.scriptEnv(), d.recoverdConfig().EnvEntry())
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
