package cluster

import (
	"fmt"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// Broadcast is a leader broadcast (CTDB_SRVID_LEADER) plus our epoch.
type Broadcast struct {
	From   uint32
	Leader uint32 // From to claim leadership; protocol.PNNUnknown to call an election
	Epoch  uint32 // the claimant's term, or the caller's highest epoch seen
}

// OnBroadcast applies a received broadcast. It returns an error, wrapping
// ErrBadBroadcast, ErrStaleBroadcast or ErrLeaderConflict, for a broadcast
// it ignored; the driver logs it (a conflict as an error). The node's own
// broadcasts, if looped back, are ignored silently.
func (s *LeaderState) OnBroadcast(b Broadcast, now time.Time) error {
	switch {
	case b.From == s.cfg.Self:
		return nil
	case b.Leader == protocol.PNNUnknown:
		return s.onElectionCall(b, now)
	case b.Leader != b.From:
		return fmt.Errorf("%w: node %d names node %d as leader", ErrBadBroadcast, b.From, b.Leader)
	}
	return s.onClaim(b, now)
}

// onElectionCall handles a leader-UNKNOWN broadcast. A holder keeps the
// lock and stays leader, announcing itself at once ("This provides
// stability", CTDB cluster_lock_election); others forget the leader and,
// if they can lead, join the race. A call from an epoch older than the
// current leader's is a delayed packet and is ignored.
func (s *LeaderState) onElectionCall(b Broadcast, now time.Time) error {
	if s.leader != protocol.PNNUnknown && b.Epoch < s.leaderEpoch {
		return fmt.Errorf("%w: election call from node %d with epoch %d; leader %d has epoch %d",
			ErrStaleBroadcast, b.From, b.Epoch, s.leader, s.leaderEpoch)
	}
	s.maxEpoch = max(s.maxEpoch, b.Epoch)
	if s.holdsLock {
		s.broadcastDue = true
		return nil
	}
	s.forgetLeader(now)
	if !s.electing && s.canLead() {
		s.joinElection = b.From
	}
	return nil
}

// onClaim handles a broadcast in which b.From claims leadership.
func (s *LeaderState) onClaim(b Broadcast, now time.Time) error {
	if s.holdsLock {
		return s.onConflict(b, now)
	}
	if s.flags[b.From]&protocol.FlagDisconnected != 0 {
		// A claim that arrives after the sender was seen disconnected was
		// sent before the disconnect (messages and connection events travel
		// separately): following it would re-elect a dead node. The node
		// map clears the flag once the node is really back.
		return fmt.Errorf("%w: claim from node %d, which is disconnected", ErrStaleBroadcast, b.From)
	}
	if err := s.staleClaim(b); err != nil {
		return err
	}
	s.follow(b.From, b.Epoch, now)
	return nil
}

// staleClaim rejects a claim older than the leader we follow: from the
// leader itself, an epoch below its term; from another node, an epoch not
// above it.
func (s *LeaderState) staleClaim(b Broadcast) error {
	if s.leader == protocol.PNNUnknown {
		return nil
	}
	if b.Epoch > s.leaderEpoch || (b.From == s.leader && b.Epoch == s.leaderEpoch) {
		return nil
	}
	return fmt.Errorf("%w: claim from node %d with epoch %d; following node %d with epoch %d",
		ErrStaleBroadcast, b.From, b.Epoch, s.leader, s.leaderEpoch)
}

// onConflict handles another node's claim while this node leads. With a
// lock the claim is ignored: the holder must keep leading, or nobody can.
// Without a lock nothing says who is right, so this node steps back and
// the next Tick elects again (the other claimant does the same).
func (s *LeaderState) onConflict(b Broadcast, now time.Time) error {
	err := fmt.Errorf("%w: node %d claims leadership with epoch %d; this node leads with epoch %d",
		ErrLeaderConflict, b.From, b.Epoch, s.leaderEpoch)
	if s.cfg.UseLock {
		return fmt.Errorf("%w (holding the cluster lock: ignored)", err)
	}
	s.holdsLock = false
	s.forgetLeader(now)
	s.electNow = fmt.Sprintf("node %d also claims leadership", b.From)
	return err
}
