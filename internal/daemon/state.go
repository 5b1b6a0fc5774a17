package daemon

import (
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// GenerationInvalid is CTDB's INVALID_GENERATION: no recovery has completed.
const GenerationInvalid uint32 = 1

// Runstate is the daemon's life-cycle stage, with CTDB's names.
type Runstate int

const (
	RunstateUnknown Runstate = iota
	RunstateInit
	RunstateSetup
	RunstateFirstRecovery
	RunstateStartup
	RunstateRunning
	RunstateShutdown
)

func (r Runstate) String() string {
	return [...]string{"UNKNOWN", "INIT", "SETUP", "FIRST_RECOVERY", "STARTUP", "RUNNING", "SHUTDOWN"}[r]
}

// nodeState is the node's view of the cluster. It is guarded by Daemon.mu.
type nodeState struct {
	pnn        uint32
	nodes      []protocol.NodeInfo // indexed by PNN
	generation uint32
	vnnmap     []uint32
	recmode    int32
	leader     uint32
	// leaderEpoch is the epoch of the leader shown; maxEpoch the newest
	// leader epoch seen from anyone: fenced controls from an older epoch
	// are refused.
	leaderEpoch uint32
	maxEpoch    uint32
	leaderToken int64 // the leader's fencing token, 0 if none
	// priority is when this node last became active (CTDB's priority
	// time, used by elections without a lock).
	priority time.Time
	banTimer *time.Timer
	runstate Runstate
	started  time.Time
	recStart time.Time // start of the current (or last) recovery
	// lastRecStart and recEnd bound the last completed recovery.
	lastRecStart time.Time
	recEnd       time.Time
}

func (s *nodeState) self() *protocol.NodeInfo { return &s.nodes[s.pnn] }

func (s *nodeState) status() protocol.Status {
	return protocol.Status{
		PNN:        s.pnn,
		Nodes:      append([]protocol.NodeInfo(nil), s.nodes...),
		Generation: s.generation,
		VNNMap:     append([]uint32(nil), s.vnnmap...),
		RecMode:    s.recmode,
		Leader:     s.leader,
		FenceToken: s.leaderToken,
	}
}
