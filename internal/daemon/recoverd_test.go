package daemon

import (
	"testing"

	"github.com/ctdb-go/ctdb/internal/config"
	"github.com/ctdb-go/ctdb/internal/recoverd/rdconf"
)

// The recovery daemon runs with ctdbd's settings; its log goes where
// ctdbd was told to send it (stderr in the foreground), else to the
// configured location.
func TestRecoverdConfigIsCtdbdsSettings(t *testing.T) {
	cfg := config.Default("/etc/ctdb")
	cfg.Paths.Socket, cfg.Paths.VarDir = "/run/x/ctdbd.socket", "/var/x"
	cfg.Logging.Location, cfg.Logging.Level = "syslog", "INFO"
	cfg.Cluster.ClusterLock, cfg.Cluster.LeaderTimeout = "/shared/lock", 7
	cfg.Cluster.LeaderCapability, cfg.Cluster.Quorum = false, config.QuorumMajority
	cfg.Failover.Disabled = true
	d := &Daemon{cfg: cfg}
	want := rdconf.Config{Socket: "/run/x/ctdbd.socket", LogLocation: "syslog", LogLevel: "INFO",
		ClusterLock: "/shared/lock", LeaderTimeout: 7, QuorumMajority: true, FailoverDisabled: true, VarDir: "/var/x"}
	if got := d.recoverdConfig(); got != want {
		t.Errorf("recoverdConfig() = %+v\nwant %+v", got, want)
	}
	d.opts.RecoverdLog = "stderr"
	want.LogLocation = "stderr"
	if got := d.recoverdConfig(); got != want {
		t.Errorf("with RecoverdLog: %+v\nwant %+v", got, want)
	}
}
