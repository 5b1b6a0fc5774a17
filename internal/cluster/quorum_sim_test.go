package cluster

import (
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// quorumOf applies the majority rule to node n's links in the simulation.
func (s *sim) quorumOf(n *simNode) Quorum {
	nodes := make([]NodeFlags, len(s.nodes))
	heard := map[uint32]bool{}
	for i, m := range s.nodes {
		nodes[i] = NodeFlags{PNN: m.pnn}
		if m.pnn != n.pnn && n.tr.Connected(m.pnn) {
			heard[m.pnn] = true
		}
	}
	return MajorityQuorum(QuorumInput{Self: n.pnn, Nodes: nodes, Heard: heard})
}

// tickQuorum is sim.tick with the driver's quorum rule: a node without
// quorum steps down (giving the lock back) and never races for the lock.
// The lock is one that every partition can reach, so only quorum keeps a
// minority from taking it.
func (s *sim) tickQuorum(d time.Duration) {
	s.now = s.now.Add(d)
	s.deliver()
	for _, n := range s.nodes {
		if n.dead {
			continue
		}
		have := s.quorumOf(n).Have
		if !have && n.ls.OnQuorumLost(s.now) {
			s.lock.release(n.pnn)
			s.broadcast(n, protocol.PNNUnknown)
		}
		act, _ := n.ls.Tick(s.now)
		race := act == ActionStartElection || act == ActionTryLock ||
			(act == ActionNone && !n.ls.HoldsLock() && !n.ls.Electing() && n.ls.Leader() == protocol.PNNUnknown)
		switch act {
		case ActionStartElection:
			s.broadcast(n, protocol.PNNUnknown)
		case ActionBroadcast:
			s.broadcast(n, n.pnn)
		case ActionStepDown:
			s.lock.release(n.pnn)
			s.broadcast(n, protocol.PNNUnknown)
		}
		if race && have {
			s.race(n)
		} else if race {
			n.ls.OnLockFailed(s.now)
		}
	}
	s.check()
	for _, n := range s.nodes {
		if !n.dead && n.ls.HoldsLock() && !s.quorumOf(n).Have {
			s.t.Fatalf("node %d leads without quorum (%s)", n.pnn, s.quorumOf(n))
		}
	}
}

func TestSimulatedQuorumMinorityNeverLeads(t *testing.T) {
	s := newSim(t, 5)
	var leader uint32
	for i := 0; i < 10; i++ {
		s.tickQuorum(time.Second)
		if l, err := s.agreed(); err == nil {
			leader = l
			break
		}
	}
	splits := []struct{ minority, majority []uint32 }{
		{[]uint32{leader, (leader + 1) % 5}, nil}, // 2|3, the leader in the minority
		{[]uint32{(leader + 2) % 5}, nil},         // 1|4
	}
	for _, sp := range splits {
		for p := uint32(0); p < 5; p++ {
			in := false
			for _, m := range sp.minority {
				in = in || m == p
			}
			if !in {
				sp.majority = append(sp.majority, p)
			}
		}
		s.net.Partition(sp.minority, sp.majority)
		var majorityLeader uint32 = protocol.PNNUnknown
		for i := 0; i < 15; i++ {
			s.tickQuorum(time.Second)
			for _, p := range sp.minority {
				if s.nodes[p].ls.HoldsLock() {
					t.Fatalf("split %v|%v: minority node %d leads", sp.minority, sp.majority, p)
				}
			}
			for _, p := range sp.majority {
				if s.nodes[p].ls.HoldsLock() {
					majorityLeader = p
				}
			}
		}
		if majorityLeader == protocol.PNNUnknown {
			t.Fatalf("split %v|%v: the majority elected nobody", sp.minority, sp.majority)
		}
		s.net.Heal()
		for i := 0; i < 10; i++ {
			s.tickQuorum(time.Second)
			if _, err := s.agreed(); err == nil {
				break
			}
		}
		if _, err := s.agreed(); err != nil {
			t.Fatalf("after the heal: %v", err)
		}
	}
}
