package stats

import "github.com/ctdb-go/ctdb/internal/protocol"

// Field names one counter of CTDB's statistics.
type Field int

// The counters that ctdbd counts. Their order is the order of CTDB 4.17's
// `ctdb statistics`.
const (
	NumClients Field = iota // gauge: connected clients of the control socket
	Frozen                  // gauge: databases frozen (always 0: ctdbd freezes none)
	Recovering              // gauge: recovery mode ACTIVE
	NumRecoveries
	ClientPacketsSent
	ClientPacketsRecv
	NodePacketsSent
	NodePacketsRecv
	KeepalivePacketsSent
	KeepalivePacketsRecv
	NodeReqCall
	NodeReplyCall
	NodeReqDmaster
	NodeReplyDmaster
	NodeReplyError
	NodeReqMessage
	NodeReqControl
	NodeReplyControl
	NodeReqTunnel
	ClientReqCall
	ClientReqMessage
	ClientReqControl
	ClientReqTunnel
	TimeoutsCall
	TimeoutsControl
	TimeoutsTraverse
	LocksNumCalls
	LocksNumCurrent
	LocksNumPending
	LocksNumFailed
	TotalCalls
	PendingCalls
	ChildwriteCalls        // transactions this node wrote to a persistent database
	PendingChildwriteCalls // gauge: transactions prepared, waiting for their commit
	MemoryUsed             // gauge: heap in use
	MaxHopCount
	TotalRoDelegations
	TotalRoRevokes
	NumFields
)

// FieldInfo describes a field for the tool's layouts.
type FieldInfo struct {
	// Group is "" or the group line it is printed under (node, client,
	// timeouts, locks); Name is the name within the group.
	Group, Name string
	// Gauge: a level, not a count; history intervals show it as 0, as
	// CTDB's do.
	Gauge bool
}

// Fields lists every field in CTDB's order.
var Fields = [NumFields]FieldInfo{
	{"", "num_clients", true}, {"", "frozen", true}, {"", "recovering", true},
	{"", "num_recoveries", false},
	{"", "client_packets_sent", false}, {"", "client_packets_recv", false},
	{"", "node_packets_sent", false}, {"", "node_packets_recv", false},
	{"", "keepalive_packets_sent", false}, {"", "keepalive_packets_recv", false},
	{"node", "req_call", false}, {"node", "reply_call", false}, {"node", "req_dmaster", false},
	{"node", "reply_dmaster", false}, {"node", "reply_error", false}, {"node", "req_message", false},
	{"node", "req_control", false}, {"node", "reply_control", false}, {"node", "req_tunnel", false},
	{"client", "req_call", false}, {"client", "req_message", false}, {"client", "req_control", false},
	{"client", "req_tunnel", false},
	{"timeouts", "call", false}, {"timeouts", "control", false}, {"timeouts", "traverse", false},
	{"locks", "num_calls", false}, {"locks", "num_current", true}, {"locks", "num_pending", true},
	{"locks", "num_failed", false},
	{"", "total_calls", false}, {"", "pending_calls", true}, {"", "childwrite_calls", false},
	{"", "pending_childwrite_calls", true}, {"", "memory_used", true}, {"", "max_hop_count", true},
	{"", "total_ro_delegations", false}, {"", "total_ro_revokes", false},
}

// Latency names one of CTDB's latency figures.
type Latency int

const (
	LatencyReclockCtdbd Latency = iota // ctdbd's check that the cluster lock is held
	LatencyReclockRecd                 // the recovery daemon taking the cluster lock
	LatencyCall                        // always 0: no volatile database calls
	LatencyLockwait                    // always 0: no record locks
	LatencyChildwrite                  // this node writing a persistent database's transaction
	NumLatencies
)

// LatencyNames are the names in `ctdb -X statistics` (num_NAME_latency...).
var LatencyNames = [NumLatencies]string{"reclock_ctdbd", "reclock_recd", "call", "lockwait", "childwrite"}

// LatencyStat is min/total/max of a latency over a period, in seconds.
type LatencyStat = protocol.LatencyStat

func observe(l *LatencyStat, sec float64) {
	if l.Num == 0 || sec < l.Min {
		l.Min = sec
	}
	if sec > l.Max {
		l.Max = sec
	}
	l.Num++
	l.Sum += sec
}
