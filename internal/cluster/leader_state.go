package cluster

import (
	"fmt"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// LeaderState is one node's view of leadership, in cluster-lock mode: who
// leads, since when we heard it, whether this node holds the lock, and
// whether a race for the lock is under way. Events go in through the On*
// methods; Tick says what to do. It holds no timers: times are passed in.
// It is a plain value: the caller serialises access.
//
// Epochs tell broadcasts from different leadership terms apart. A node that
// takes the lock starts a term one above the highest epoch it has seen, and
// its broadcasts carry it; an election call carries the caller's highest
// epoch. A follower ignores a claim from another node whose epoch is not
// above its current leader's, so a delayed broadcast from an earlier term
// does not displace the current leader. A lock holder ignores every other
// claim (CTDB bug 15892: the new holder believed a delayed broadcast from
// the previous holder, stopped broadcasting, and nobody could step up).
//
// The driver must end every race it starts with OnLockTaken or OnLockFailed
// (the lock helper has its own timeout): while a race is open no further
// election starts (CTDB bug 16152, nested elections leaking the lock), and
// nothing else ends it.
type LeaderState struct {
	cfg   LeaderConfig
	flags map[uint32]uint32 // node flags as this node's ctdbd sees them

	leader      uint32
	leaderEpoch uint32    // epoch of the current leader's term
	lastHeard   time.Time // last accepted claim, or when the leader became unknown
	maxEpoch    uint32    // highest epoch accepted from anyone

	holdsLock     bool
	electing      bool   // a lock race is open
	joinElection  uint32 // caller of an election to join, or PNNUnknown
	electNow      string // reason for an immediate election, or ""
	broadcastDue  bool
	lastBroadcast time.Time
}

// NewLeaderState starts with no leader known at now. The first election is
// called only after LeaderTimeout, so that nodes have connected and a
// running leader's broadcast can arrive first (CTDB commit ef4b8c13c07).
func NewLeaderState(cfg LeaderConfig, now time.Time) (*LeaderState, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &LeaderState{
		cfg:          cfg,
		flags:        map[uint32]uint32{},
		leader:       protocol.PNNUnknown,
		lastHeard:    now,
		joinElection: protocol.PNNUnknown,
	}, nil
}

// Leader is the node followed now, or protocol.PNNUnknown.
func (s *LeaderState) Leader() uint32 { return s.leader }

// HoldsLock reports whether this node holds the cluster lock (in no-lock
// mode: won the last election).
func (s *LeaderState) HoldsLock() bool { return s.holdsLock }

// LeaderTimeoutAt is when a follower of a known leader calls an election
// if no claim from it comes before (see Tick).
func (s *LeaderState) LeaderTimeoutAt() time.Time { return s.lastHeard.Add(s.cfg.LeaderTimeout) }

// Electing reports whether a lock race is open.
func (s *LeaderState) Electing() bool { return s.electing }

// Epoch is the epoch to put in this node's broadcasts: its term while it
// holds the lock, else the highest epoch it has seen.
func (s *LeaderState) Epoch() uint32 {
	if s.holdsLock {
		return s.leaderEpoch
	}
	return s.maxEpoch
}

// canLead applies CanLead to this node's own flags.
func (s *LeaderState) canLead() bool { return CanLead(s.flags[s.cfg.Self], s.cfg.Capable) }

// SetCapable changes this node's leader capability (ctdb setleaderrole).
// A leader that loses it steps down at the next Tick.
func (s *LeaderState) SetCapable(capable bool) { s.cfg.Capable = capable }

// OnNodemap records the node flags this node's ctdbd reports, its own
// flags included.
func (s *LeaderState) OnNodemap(nodes []NodeFlags) {
	for _, n := range nodes {
		s.flags[n.PNN] = n.Flags
	}
}

// OnDisconnect records that the link to pnn broke. If pnn leads, the next
// Tick calls an election at once.
func (s *LeaderState) OnDisconnect(pnn uint32) {
	s.flags[pnn] |= protocol.FlagDisconnected
}

// OnLockTaken: this node won the race and starts a new term.
func (s *LeaderState) OnLockTaken(now time.Time) {
	if s.maxEpoch < ^uint32(0) { // saturate rather than wrap to an old epoch
		s.maxEpoch++
	}
	s.electing, s.holdsLock = false, true
	s.follow(s.cfg.Self, s.maxEpoch, now)
	s.broadcastDue = true
}

// MaxTokenEpoch is the largest fencing token that can serve as an epoch:
// fenced controls carry the epoch in 31 bits.
const MaxTokenEpoch = 1<<31 - 1

// OnLockTakenToken: this node won the race and the lock helper gave a
// fencing token (the etcd lock key's revision, which grows with every new
// holder). The term's epoch is the token itself, so the lock service, not
// each node's count, orders the terms: a holder cut off in a partition and
// a later holder elsewhere can never share an epoch. A token not above the
// highest epoch seen is stale: ErrStaleToken, nothing changes, and the
// caller gives the lock back and calls OnLockFailed. A token beyond
// MaxTokenEpoch takes the lock with a counted epoch (ErrTokenTooLarge
// tells the caller to say so).
func (s *LeaderState) OnLockTakenToken(now time.Time, token int64) error {
	if token > MaxTokenEpoch {
		s.OnLockTaken(now)
		return fmt.Errorf("%w: token %d, epoch %d", ErrTokenTooLarge, token, s.leaderEpoch)
	}
	if token <= 0 || uint32(token) <= s.maxEpoch {
		return fmt.Errorf("%w: token %d, leader epoch %d has been seen", ErrStaleToken, token, s.maxEpoch)
	}
	s.maxEpoch = uint32(token) - 1
	s.OnLockTaken(now)
	return nil
}

// OnEpochSeen is told the newest epoch this node's ctdbd has accepted. A
// holder whose term is older has been superseded (its token is stale):
// it stops leading at once, true. Used with token-based locks only; a
// counted epoch cannot tell terms of separate partitions apart.
func (s *LeaderState) OnEpochSeen(e uint32, now time.Time) bool {
	s.maxEpoch = max(s.maxEpoch, e)
	if !s.holdsLock || e <= s.leaderEpoch {
		return false
	}
	s.holdsLock = false
	s.forgetLeader(now)
	s.electNow = fmt.Sprintf("leader epoch %d seen, newer than this node's term %d", e, s.leaderEpoch)
	return true
}

// OnQuorumLost: this node's ctdbd says it has no quorum. A holder stops
// leading at once (true); no election is called from the minority.
func (s *LeaderState) OnQuorumLost(now time.Time) bool {
	if !s.holdsLock {
		return false
	}
	s.holdsLock = false
	s.forgetLeader(now)
	return true
}

// OnLockFailed: the race was lost (contention, timeout or error). With no
// leader known, the next election waits LeaderTimeout from now, so a node
// that cannot get the lock does not retry in a tight loop.
func (s *LeaderState) OnLockFailed(now time.Time) {
	s.electing = false
	if s.leader == protocol.PNNUnknown {
		s.lastHeard = now
	}
}

// OnLockLost: the lock helper reported the lock gone. The node stops
// leading at once and calls an election (CTDB lost_cluster_lock_handler).
func (s *LeaderState) OnLockLost(now time.Time) {
	if !s.holdsLock {
		return
	}
	s.holdsLock = false
	s.forgetLeader(now)
	s.electNow = "cluster lock lost"
}

// follow makes pnn the leader of term epoch, heard at now.
func (s *LeaderState) follow(pnn, epoch uint32, now time.Time) {
	s.leader, s.leaderEpoch, s.lastHeard = pnn, epoch, now
	s.maxEpoch = max(s.maxEpoch, epoch)
	s.joinElection, s.electNow = protocol.PNNUnknown, ""
}

// forgetLeader sets the leader to unknown as of now.
func (s *LeaderState) forgetLeader(now time.Time) {
	s.leader, s.leaderEpoch, s.lastHeard = protocol.PNNUnknown, 0, now
}

// electionInput is ElectionNeeded's input for this node at now.
func (s *LeaderState) electionInput(now time.Time) ElectionInput {
	return ElectionInput{
		Now: now, LastLeaderHeard: s.lastHeard, LeaderTimeout: s.cfg.LeaderTimeout,
		Leader: s.leader, LeaderFlags: s.flags[s.leader],
		Self: s.cfg.Self, SelfHoldsLock: s.holdsLock,
	}
}

// Tick returns what to do at now, and why. In order:
//
//   - a holder that can no longer lead steps down (CTDB leader broadcast
//     loop);
//   - while a race is open, nothing (no nested elections);
//   - a holder broadcasts every BroadcastInterval, and at once after taking
//     the lock or hearing an election call;
//   - a node that cannot lead does nothing more. CTDB lets any node force
//     an election; we don't, since the nodes that can lead watch the same
//     leader and an election they don't need only re-elects the holder;
//   - join an election another node called (CTDB leader_handler);
//   - an immediate election (lock lost, no-lock conflict);
//   - ElectionNeeded; when no leader is known, only once LeaderTimeout has
//     passed since the leader became unknown.
func (s *LeaderState) Tick(now time.Time) (Action, string) {
	if s.holdsLock && !s.canLead() {
		s.holdsLock = false
		s.forgetLeader(now)
		return ActionStepDown, fmt.Sprintf("this node can no longer lead (flags 0x%x, capable %v)", s.flags[s.cfg.Self], s.cfg.Capable)
	}
	switch {
	case s.electing:
		return ActionNone, "election in progress"
	case s.holdsLock:
		return s.tickLeader(now)
	case !s.canLead():
		return ActionNone, ""
	case s.joinElection != protocol.PNNUnknown:
		why := fmt.Sprintf("election called by node %d", s.joinElection)
		s.joinElection, s.electing = protocol.PNNUnknown, true
		return ActionTryLock, why
	case s.electNow != "":
		why := s.electNow
		s.startElection(now)
		return ActionStartElection, why
	}
	return s.tickFollower(now)
}

// NoteBroadcast records that this node's claim was sent at when by other
// means than an ActionBroadcast (the recovery daemon sends it with each
// lock confirmation): the periodic broadcast is then due BroadcastInterval
// after it. A broadcast asked for (a new term, an election call) is still
// due at once.
func (s *LeaderState) NoteBroadcast(at time.Time) {
	if s.holdsLock && at.After(s.lastBroadcast) {
		s.lastBroadcast = at
	}
}

// tickLeader paces the leader broadcast.
func (s *LeaderState) tickLeader(now time.Time) (Action, string) {
	if !s.broadcastDue && now.Sub(s.lastBroadcast) < s.cfg.BroadcastInterval {
		return ActionNone, ""
	}
	s.broadcastDue, s.lastBroadcast = false, now
	return ActionBroadcast, ""
}

// tickFollower applies ElectionNeeded, holding off while no leader is known.
func (s *LeaderState) tickFollower(now time.Time) (Action, string) {
	need, why := ElectionNeeded(s.electionInput(now))
	if !need {
		return ActionNone, ""
	}
	if s.leader == protocol.PNNUnknown && now.Sub(s.lastHeard) < s.cfg.LeaderTimeout {
		return ActionNone, "no leader known: waiting for a leader broadcast"
	}
	s.startElection(now)
	return ActionStartElection, why
}

// startElection opens a race with the leader unknown.
func (s *LeaderState) startElection(now time.Time) {
	s.electing, s.electNow = true, ""
	s.joinElection = protocol.PNNUnknown
	s.forgetLeader(now)
}

// SeedEpoch raises the highest epoch seen to e. A restarted recovery
// daemon calls it with what its ctdbd has seen, so that its own next term
// (if it takes the lock) is newer than the current leader's, and its claim
// is not refused as stale by the other nodes.
func (s *LeaderState) SeedEpoch(e uint32) {
	s.maxEpoch = max(s.maxEpoch, e)
}
