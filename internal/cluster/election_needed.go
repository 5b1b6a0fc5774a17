package cluster

import (
	"fmt"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// ElectionInput is what one node knows when deciding whether to call an
// election in cluster-lock mode.
type ElectionInput struct {
	Now             time.Time
	LastLeaderHeard time.Time     // last accepted leader broadcast
	LeaderTimeout   time.Duration // ctdb.conf [cluster] leader timeout
	Leader          uint32        // protocol.PNNUnknown if none
	LeaderFlags     uint32        // the leader's flags as seen locally
	Self            uint32
	SelfHoldsLock   bool
}

// ElectionNeeded reports whether this node should call an election, and
// why. The checks, in order:
//
//   - no leader known (CTDB: an UNKNOWN leader broadcast or startup);
//   - the leader is disconnected: at once. CTDB waits for the leader
//     broadcast timeout; we don't, since a broken connection already tells
//     us the broadcasts cannot arrive;
//   - the leader is banned, stopped or deleted (CTDB: such a leader steps
//     down in its broadcast loop; we also act from the other side);
//   - this node thinks it leads but does not hold the lock (CTDB's "cluster
//     lock sanity check"), or holds the lock but follows another node
//     (CTDB bug 15892: the holder must lead, or nobody can step up);
//   - the leader's last broadcast is LeaderTimeout old or older (CTDB's
//     "Leader broadcast timeout"). A leader holding the lock does not time
//     itself out.
func ElectionNeeded(in ElectionInput) (bool, string) {
	leaderIsSelf := in.Leader == in.Self
	switch {
	case in.Leader == protocol.PNNUnknown:
		return true, "no leader known"
	case in.LeaderFlags&protocol.FlagDisconnected != 0:
		return true, fmt.Sprintf("leader %d is disconnected", in.Leader)
	case !IsActive(in.LeaderFlags):
		return true, fmt.Sprintf("leader %d is inactive (flags 0x%x)", in.Leader, in.LeaderFlags)
	case leaderIsSelf && !in.SelfHoldsLock:
		return true, "this node is leader but does not hold the cluster lock"
	case !leaderIsSelf && in.SelfHoldsLock:
		return true, fmt.Sprintf("this node holds the cluster lock but leader is %d", in.Leader)
	case leaderIsSelf:
		return false, ""
	}
	if age := in.Now.Sub(in.LastLeaderHeard); age >= in.LeaderTimeout {
		return true, fmt.Sprintf("leader broadcast timeout: nothing from leader %d for %v", in.Leader, age)
	}
	return false, ""
}
