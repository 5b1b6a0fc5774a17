package metrics

import (
	"runtime"
	"strconv"

	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/internal/stats"
	"github.com/prometheus/client_golang/prometheus"
)

// desc builds the description of a ctdb_ metric.
func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("ctdb_"+name, help, labels, nil)
}

// The metrics. Names follow Prometheus' conventions (units in the name,
// _total for counters) and are pinned by testdata/metrics.golden.
var (
	dBuildInfo   = desc("build_info", "Always 1; the labels give ctdbd's version and Go version.", "version", "goversion")
	dThisNode    = desc("this_node_pnn", "PNN of the node that serves these metrics.")
	dNodeFlag    = desc("node_flag", "1 if the node has the flag, as this node sees it.", "pnn", "address", "flag")
	dNodeOK      = desc("node_ok", "1 if the node is OK (no flags), as this node sees it.", "pnn", "address")
	dRunstate    = desc("node_runstate", "1 for the node's runstate, as this node knows it.", "pnn", "runstate")
	dLeader      = desc("leader_pnn", "PNN of the leader as this node sees it; -1 when no leader is known.")
	dRecMode     = desc("recovery_mode_active", "1 while this node is in recovery mode ACTIVE.")
	dGeneration  = desc("generation", "This node's generation (1 before the first recovery).")
	dLockHeld    = desc("cluster_lock_held", "1 while this node's recovery daemon holds the cluster lock.")
	dLockLatency = desc("cluster_lock_latency_seconds", "Duration of this node's last cluster lock attempt by the lock helper.")
	dLockTries   = desc("cluster_lock_attempts_total", "Cluster lock attempts by this node's recovery daemon.")
	dElections   = desc("elections_total", "Elections this node has seen (times the leader became unknown).")
	dElectionDur = desc("last_election_duration_seconds", "From the leader becoming unknown to a leader known, last time.")
	dRecoveries  = desc("recoveries_total", "Recoveries this node took part in.")
	dRecoveryDur = desc("last_recovery_duration_seconds", "Duration of the last recovery, recovery mode ACTIVE to NORMAL on this node.")
	dLeadRecs    = desc("leader_recoveries_total", "Recoveries this node ran as leader.")
	dRTT         = desc("keepalive_rtt_seconds", "Last keepalive round trip to the peer.", "pnn")
	dScript      = desc("monitor_script_status", "1 for the script's result in the last monitor event.", "script", "status")
	dScriptDur   = desc("monitor_script_duration_seconds", "Duration of the script in the last monitor event.", "script")
	dScriptFail  = desc("monitor_script_failcount", "Monitor events in a row in which the script did not succeed.", "script")
	dIPHolder    = desc("public_ip_holder_pnn", "PNN of the node that hosts the public address; -1 when none.", "address")
	dMisplaced   = desc("public_ips_misplaced", "Public addresses the leader last found on a wrong node.")
	dPackets     = desc("packets_total", "Packets by peer kind (client: control socket, node: other nodes) and direction.", "peer", "direction")
	dKeepalives  = desc("keepalive_packets_total", "Keepalive packets by direction.", "direction")
	dAlive       = desc("main_loop_alive", "1 while the daemon's main loop answers (/healthz).")
	dReady       = desc("ready", "1 while this node is OK and RUNNING (/readyz).")
	dDBWrites    = desc("database_writes_total", "Transactions this node wrote to its persistent databases (childwrite_calls).")
	dDBPending   = desc("database_writes_pending", "Transactions prepared on this node that wait for their commit (pending_childwrite_calls).")
)

var allDescs = []*prometheus.Desc{dBuildInfo, dThisNode, dNodeFlag, dNodeOK, dRunstate, dLeader, dRecMode,
	dGeneration, dLockHeld, dLockLatency, dLockTries, dElections, dElectionDur, dRecoveries, dRecoveryDur,
	dLeadRecs, dRTT, dScript, dScriptDur, dScriptFail, dIPHolder, dMisplaced, dPackets, dKeepalives, dAlive, dReady,
	dDBWrites, dDBPending}

// flagNames are the node flags with CTDB's names, in `ctdb status` order.
var flagNames = []struct {
	name string
	bit  uint32
}{
	{"disconnected", protocol.FlagDisconnected}, {"banned", protocol.FlagBanned},
	{"disabled", protocol.FlagPermanentlyDisabled}, {"unhealthy", protocol.FlagUnhealthy},
	{"stopped", protocol.FlagStopped}, {"deleted", protocol.FlagDeleted},
}

// runstates are CTDB's runstate names.
var runstates = []string{"UNKNOWN", "INIT", "SETUP", "FIRST_RECOVERY", "STARTUP", "RUNNING", "SHUTDOWN"}

// scriptStates are the results a script can have.
var scriptStates = []string{"OK", "ERROR", "TIMEDOUT", "DISABLED", "CANNOT RUN"}

// Collector renders a Source's View for Prometheus.
type Collector struct{ Src Source }

var _ prometheus.Collector = Collector{}

func (c Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range allDescs {
		ch <- d
	}
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func counter(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func pnnValue(p uint32) float64 {
	if p == protocol.PNNUnknown {
		return -1
	}
	return float64(p)
}

func (c Collector) Collect(ch chan<- prometheus.Metric) {
	v := c.Src.MetricsView()
	gauge(ch, dBuildInfo, 1, v.Version, runtime.Version())
	gauge(ch, dThisNode, float64(v.PNN))
	for _, n := range v.Nodes {
		pnn := strconv.FormatUint(uint64(n.PNN), 10)
		for _, f := range flagNames {
			gauge(ch, dNodeFlag, b2f(n.Flags&f.bit != 0), pnn, n.Address, f.name)
		}
		gauge(ch, dNodeOK, b2f(n.Flags == 0), pnn, n.Address)
		for _, r := range runstates {
			gauge(ch, dRunstate, b2f(n.Runstate == r), pnn, r)
		}
		if n.PNN != v.PNN && n.RTT > 0 {
			gauge(ch, dRTT, n.RTT.Seconds(), pnn)
		}
	}
	gauge(ch, dLeader, pnnValue(v.Leader))
	gauge(ch, dRecMode, b2f(v.RecMode == protocol.RecModeActive))
	gauge(ch, dGeneration, float64(v.Generation))
	f := v.Facts
	gauge(ch, dLockHeld, b2f(v.LockHeld))
	gauge(ch, dLockLatency, f.LastLockLatency.Seconds())
	counter(ch, dLockTries, float64(f.LockAttempts))
	counter(ch, dElections, float64(f.Elections))
	gauge(ch, dElectionDur, f.LastElection.Seconds())
	counter(ch, dRecoveries, float64(f.Recoveries))
	gauge(ch, dRecoveryDur, f.LastRecovery.Seconds())
	counter(ch, dLeadRecs, float64(f.LeaderRecoveries))
	for _, s := range f.Monitor {
		for _, st := range scriptStates {
			gauge(ch, dScript, b2f(s.State == st), s.Name, st)
		}
		gauge(ch, dScriptDur, s.Duration.Seconds(), s.Name)
		gauge(ch, dScriptFail, float64(s.Failcount), s.Name)
	}
	for _, ip := range v.IPs {
		gauge(ch, dIPHolder, pnnValue(ip.Holder), ip.Address)
	}
	gauge(ch, dMisplaced, float64(v.Misplaced))
	c.collectPackets(ch, v.Statistics)
	gauge(ch, dAlive, b2f(v.Alive))
	gauge(ch, dReady, b2f(v.Ready))
}

// collectPackets exports the packet and database write counters. They come from the
// statistics period, which `ctdb statisticsreset` restarts: Prometheus
// treats the drop as a counter reset.
func (c Collector) collectPackets(ch chan<- prometheus.Metric, s protocol.Statistics) {
	if len(s.Counters) < int(stats.NumFields) {
		return
	}
	for _, p := range []struct {
		peer, dir string
		f         stats.Field
	}{
		{"client", "sent", stats.ClientPacketsSent}, {"client", "received", stats.ClientPacketsRecv},
		{"node", "sent", stats.NodePacketsSent}, {"node", "received", stats.NodePacketsRecv},
	} {
		counter(ch, dPackets, float64(s.Counters[p.f]), p.peer, p.dir)
	}
	counter(ch, dKeepalives, float64(s.Counters[stats.KeepalivePacketsSent]), "sent")
	counter(ch, dKeepalives, float64(s.Counters[stats.KeepalivePacketsRecv]), "received")
	counter(ch, dDBWrites, float64(s.Counters[stats.ChildwriteCalls]))
	gauge(ch, dDBPending, float64(s.Counters[stats.PendingChildwriteCalls]))
}
