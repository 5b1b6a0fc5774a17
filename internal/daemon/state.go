package daemon

import (
	"time"

	"github.com/ctdb-go/ctdb/internal/clock"
	"github.com/ctdb-go/ctdb/internal/nodestate"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

// GenerationInvalid is CTDB's INVALID_GENERATION: no recovery has completed.
const GenerationInvalid = nodestate.GenerationInvalid

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
// The part that ctdbd's decisions work on (peer flags, leader, quorum,
// health) is the state machine nodestate.State, stepped by Daemon.step.
type nodeState struct {
	nodestate.State
	recmode  int32
	banTimer clock.Timer
	runstate Runstate
	started  time.Time
	recStart time.Time // start of the current (or last) recovery
	// lastRecStart and recEnd bound the last completed recovery.
	lastRecStart time.Time
	recEnd       time.Time
}

func (s *nodeState) self() *protocol.NodeInfo { return s.SelfInfo() }

func (s *nodeState) status() protocol.Status {
	return protocol.Status{
		PNN:        s.Self,
		Nodes:      append([]protocol.NodeInfo(nil), s.Nodes...),
		Generation: s.Generation,
		VNNMap:     append([]uint32(nil), s.VNNMap...),
		RecMode:    s.recmode,
		Leader:     s.Leader,
		FenceToken: s.LeaderToken,
	}
}
