// Package nodestate holds ctdbd's decisions as a state machine over plain
// data: which flags the peers have, which node leads and with which epoch
// and fencing token, whether this node has quorum, when it must release
// its public addresses, and the node's health from its monitor results.
//
// State is plain data; State.Step takes one Input (an event with the time
// it happened: the package never reads a clock) and returns the Actions
// for the caller to carry out. There are no goroutines, locks or I/O here:
// internal/daemon feeds the inputs under its lock and carries out the
// actions.
package nodestate

import (
	"fmt"
	"time"

	"github.com/ctdb-go/ctdb/internal/cluster"
	"github.com/ctdb-go/ctdb/internal/health"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

// Params are the tunables the rules use, read by the caller when it feeds
// an input (they can change at run time).
type Params struct {
	KeepaliveInterval   time.Duration
	KeepaliveLimit      int
	MonitorInterval     time.Duration
	EventScriptTimeout  time.Duration
	MonitorTimeoutCount int
	// LockPingTimeout is the cluster lock helper's ping timeout: a
	// leader whose recovery daemon stops confirming the lock loses it
	// this long after the last ping.
	LockPingTimeout time.Duration
}

// State is ctdbd's view of the cluster as far as its decisions go. The
// caller serialises access.
type State struct {
	Self  uint32
	Nodes []protocol.NodeInfo // indexed by PNN
	// QuorumOn: "[cluster] quorum = majority".
	QuorumOn bool
	// Generation and VNNMap are set by the leader's recoveries; an older
	// generation than this node's is refused.
	Generation uint32
	VNNMap     []uint32

	// Leader is the leader shown, LeaderEpoch its epoch and LeaderToken
	// its fencing token (0 if none); MaxEpoch is the newest leader epoch
	// seen from anyone: fenced controls from an older one are refused.
	Leader      uint32
	LeaderEpoch uint32
	MaxEpoch    uint32
	LeaderToken int64

	// LastLeader is when this node last heard from the leader's node, or,
	// on the leader, when its recovery daemon last confirmed the lock.
	LastLeader time.Time
	// Heard is the time of the last frame from each peer.
	Heard map[uint32]time.Time
	// Quorum is the majority rule's last answer; QuorumKnown whether it
	// has been computed.
	Quorum      cluster.Quorum
	QuorumKnown bool
	// Releasing: a ReleaseAll was asked for and its Released has not come
	// back yet (it is asked for once, not on every tick).
	Releasing bool

	// Priority is when this node last became active (CTDB's priority
	// time, used by elections without a lock).
	Priority time.Time

	Health health.Tracker
	Starve health.Starvation
	// HealthNotified: "healthy" or "unhealthy" (HealthNotifiedAs) has been
	// sent to the notification hook.
	HealthNotified, HealthNotifiedAs bool
}

// New is the state of node self at start: every other node DISCONNECTED
// and UNHEALTHY (deleted ones DELETED), no leader, healthy, last contact
// with the leader now (the release bound runs from startup).
func New(self uint32, nodes []protocol.NodeInfo, quorumOn bool, now time.Time) *State {
	return &State{Self: self, Nodes: nodes, QuorumOn: quorumOn, Generation: GenerationInvalid, Leader: protocol.PNNUnknown,
		LastLeader: now, Heard: map[uint32]time.Time{}, Priority: now, Health: *health.NewTracker()}
}

// SelfInfo is this node's own entry.
func (s *State) SelfInfo() *protocol.NodeInfo { return &s.Nodes[s.Self] }

// HasQuorum is the last computed answer (true with the rule off).
func (s *State) HasQuorum() bool { return !s.QuorumOn || (s.QuorumKnown && s.Quorum.Have) }

// QuorumText is what `ctdb status` shows: "" with the rule off.
func (s *State) QuorumText() string {
	switch {
	case !s.QuorumOn:
		return ""
	case !s.QuorumKnown:
		return "LOST (not computed yet)"
	}
	return s.Quorum.String()
}

// ReleaseBound is how long a node keeps its addresses after it last heard
// from the leader: strictly shorter than the leader's reassignment of a
// silent node's addresses. The leader drops a silent node after
// KeepaliveLimit intervals without a frame from it, and the node's last
// frame (a keepalive) is at most one interval older than the cut, so the
// leader reassigns no earlier than (KeepaliveLimit-1) x KeepaliveInterval
// after the cut. The node releases half an interval before that.
func ReleaseBound(interval time.Duration, limit int) time.Duration {
	b := time.Duration(limit-1)*interval - interval/2
	return max(b, interval/2)
}

// HoldBound is how long a node keeps its addresses without word from the
// leader (or, on the leader, without its recovery daemon confirming the
// lock): the release bound, and never more than half the lock helper's
// ping timeout. A leader whose recovery daemon stops pinging loses the
// lock one ping timeout after the last ping, and another node may then
// take over its addresses; it must have let them go by then.
func (p Params) HoldBound() time.Duration {
	return min(ReleaseBound(p.KeepaliveInterval, p.KeepaliveLimit), p.LockPingTimeout/2)
}

// QuorumWindow is how recent a peer's last frame must be for it to count:
// the release bound of a node cut off from the leader. A peer sends at
// least one frame (a keepalive) every KeepaliveInterval, shorter than the
// bound when KeepaliveLimit >= 3, so a connected peer never drops out; and
// a node cut off from the majority loses quorum, and its addresses, within
// the same bound as one cut off from the leader, before the majority's
// leader can reassign them.
func (p Params) QuorumWindow() time.Duration {
	return ReleaseBound(p.KeepaliveInterval, p.KeepaliveLimit)
}

func (s *State) peer(pnn uint32) bool { return int(pnn) < len(s.Nodes) && pnn != s.Self }

func (s *State) showLeader() Action {
	return Action{Kind: ShowLeader, PNN: s.Leader}
}

func nodeFlagsOf(nodes []protocol.NodeInfo) []cluster.NodeFlags {
	out := make([]cluster.NodeFlags, len(nodes))
	for i, n := range nodes {
		out[i] = cluster.NodeFlags{PNN: n.PNN, Flags: n.Flags}
	}
	return out
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func logf(level Level, format string, args ...any) Action {
	return Action{Kind: Log, Level: level, Msg: fmt.Sprintf(format, args...)}
}
