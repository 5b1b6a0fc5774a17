package cluster

import "fmt"

// Action is what LeaderState.Tick asks the driver to do now.
type Action int

const (
	// ActionNone: nothing to do.
	ActionNone Action = iota
	// ActionStartElection: CTDB force_election. Set recovery mode ACTIVE on
	// the active nodes, broadcast leader UNKNOWN with Epoch(), then race
	// for the cluster lock and report OnLockTaken or OnLockFailed.
	ActionStartElection
	// ActionTryLock: another node called an election; race for the lock and
	// report OnLockTaken or OnLockFailed.
	ActionTryLock
	// ActionBroadcast: send the leader broadcast (this node, Epoch()).
	ActionBroadcast
	// ActionStepDown: this node can no longer lead. Release the lock and
	// broadcast leader UNKNOWN so the others race at once.
	ActionStepDown
)

func (a Action) String() string {
	switch a {
	case ActionNone:
		return "none"
	case ActionStartElection:
		return "start-election"
	case ActionTryLock:
		return "try-lock"
	case ActionBroadcast:
		return "broadcast"
	case ActionStepDown:
		return "step-down"
	}
	return fmt.Sprintf("action(%d)", int(a))
}
