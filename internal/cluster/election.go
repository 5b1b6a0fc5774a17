package cluster

import "time"

// Candidate is one node's entry in an election without a cluster lock.
type Candidate struct {
	PNN     uint32
	Started time.Time // priority time (see PriorityTime); zero = unknown
	Flags   uint32    // the node's own flags
	Capable bool      // leader capability
}

// ElectNoLock picks the leader when no cluster lock is configured, with
// CTDB's ctdb_election_win() order: nodes that cannot lead never win; the
// longest running node (earliest Started) wins; on a tie the higher PNN
// wins. ok is false when nobody can lead.
//
// We differ in one point: a zero Started (unknown) ranks after every known
// time, so a node that reports no start time cannot win by accident.
//
// Without a lock there is no split-brain protection: two partitions each
// elect their own leader. That is CTDB's documented limitation too.
func ElectNoLock(cands []Candidate) (winner uint32, ok bool) {
	var best Candidate
	for _, c := range cands {
		if !CanLead(c.Flags, c.Capable) {
			continue
		}
		if !ok || beats(c, best) {
			best, ok = c, true
		}
	}
	return best.PNN, ok
}

// beats reports whether a ranks before b in ElectNoLock's order.
func beats(a, b Candidate) bool {
	switch {
	case a.Started.IsZero() != b.Started.IsZero():
		return b.Started.IsZero()
	case !a.Started.Equal(b.Started):
		return a.Started.Before(b.Started)
	default:
		return a.PNN > b.PNN
	}
}

// CandidatesFromViews turns fetched node views into election candidates,
// sorted by PNN. Each node's own flags and capability are used, as CTDB's
// election message carries the sender's own state.
func CandidatesFromViews(views map[uint32]NodeView) []Candidate {
	out := make([]Candidate, 0, len(views))
	for _, pnn := range sortedKeys(views) {
		v := views[pnn]
		out = append(out, Candidate{PNN: pnn, Started: v.Started, Flags: v.Flags, Capable: v.LeaderCapable})
	}
	return out
}
