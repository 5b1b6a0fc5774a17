// Package system is the interface the benchmark suite drives: a cluster
// implementation to measure. ctdb-go (this project) and Samba's CTDB
// (the Debian ctdb package, for comparison) both implement it, so every
// scenario runs the same steps against both.
package system

import (
	"syscall"
)

// ClusterOptions describe one cluster to set up. Both implementations must
// honour every field the same way, so the figures compare like with like.
type ClusterOptions struct {
	Base  string // empty directory for everything of this cluster
	Nodes int
	// Addrs are the node addresses (default 127.0.0.1..N).
	Addrs []string
	// Port is the node transport port (0: a free one chosen by the caller).
	Port int
	// Wrap turns node i's daemon command line into the one to run (for
	// example `nsenter --net=... -- argv`), or nil.
	Wrap func(i int, argv []string) []string
	// Tunables by CTDB name (KeepaliveInterval, MonitorInterval...).
	Tunables map[string]uint32
	// Reclock is the recovery lock file ("" = BASE/shared/reclock).
	Reclock string
	// TrivialScripts adds that many eventscripts that only `exit 0`.
	TrivialScripts int
	// PublicAddresses, if set, is every node's public_addresses file, and
	// the system's interface eventscript (CTDB's 10.interface) is enabled.
	PublicAddresses string
	// ReclockScript enables the recovery-lock monitor script (ours:
	// 01.reclock with the probe helper; CTDB 4.17: its 01.reclock, which
	// no longer monitors).
	ReclockScript bool
}

// Cluster is a set-up cluster of one implementation.
type Cluster interface {
	// Start starts node i and returns once its daemon runs (not
	// necessarily healthy).
	Start(i int) error
	// Stop shuts node i down (its tool's shutdown, then SIGKILL by PID).
	Stop(i int) error
	StopAll() error
	// Kill sends sig to node i's main daemon process.
	Kill(i int, sig syscall.Signal) error
	// Ctdb runs the implementation's own ctdb tool as node i.
	Ctdb(i int, args ...string) (stdout, stderr string, code int)
	// DaemonPID is node i's main daemon (0 if not running).
	DaemonPID(i int) int
	// PIDs are all long-lived processes of node i (daemon, recovery
	// daemon, event daemon, lock helper...), for CPU and RSS figures.
	PIDs(i int) []int
	// Log is node i's log so far.
	Log(i int) string
}

// System is one implementation.
type System interface {
	Name() string    // "ctdb-go" or "CTDB"
	Version() string // e.g. "0.1.0", "4.17.12-Debian"
	// Available says whether it can run here (e.g. the Debian package is
	// installed), and why not.
	Available() (bool, string)
	NewCluster(o ClusterOptions) (Cluster, error)
}
