package cluster

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/internal/transport"
)

// An in-process cluster: each node is a LeaderState driven as the
// recovery daemon drives it, its broadcasts travel over the in-memory
// transport, and the recovery lock is a shared in-memory lock. Time is a
// fake clock advanced tick by tick; only message delivery is real.

type simLock struct{ holder uint32 }

func (l *simLock) try(p uint32) bool {
	if l.holder == protocol.PNNUnknown || l.holder == p {
		l.holder = p
		return true
	}
	return false
}

func (l *simLock) release(p uint32) {
	if l.holder == p {
		l.holder = protocol.PNNUnknown
	}
}

type simNode struct {
	pnn    uint32
	ls     *LeaderState
	tr     transport.Transport
	dead   bool
	events int // connectivity events received
}

type sim struct {
	t     *testing.T
	net   *transport.MemNetwork
	lock  *simLock
	nodes []*simNode
	now   time.Time
}

func newSim(t *testing.T, n int) *sim {
	s := &sim{t: t, net: transport.NewMemNetwork(), lock: &simLock{holder: protocol.PNNUnknown}, now: time.Unix(1e6, 0)}
	for i := 0; i < n; i++ {
		s.nodes = append(s.nodes, s.start(uint32(i)))
	}
	return s
}

func (s *sim) start(p uint32) *simNode {
	ls, err := NewLeaderState(DefaultLeaderConfig(p), s.now)
	if err != nil {
		s.t.Fatal(err)
	}
	return &simNode{pnn: p, ls: ls, tr: s.net.Transport(p)}
}

func (s *sim) broadcast(n *simNode, leader uint32) {
	b, _ := json.Marshal(protocol.LeaderMsg{From: n.pnn, Leader: leader, Epoch: n.ls.Epoch()})
	n.tr.Broadcast(protocol.Header{Kind: protocol.KindMessage, Op: protocol.MsgLeader}, b)
}

// deliver hands every queued message and peer event to its node. Frames
// are queued synchronously by the sender; events reach Events through the
// transport's pump, so exactly as many as the network has pushed are
// received (each of them arrives: no waiting for time to pass).
func (s *sim) deliver() {
	for _, n := range s.nodes {
		if n.dead {
			continue
		}
		for ; n.events < s.net.EventsPushed(n.pnn); n.events++ {
			if ev := <-n.tr.Events(); !ev.Connected {
				n.ls.OnDisconnect(ev.PNN)
			} else {
				n.ls.OnNodemap([]NodeFlags{{PNN: ev.PNN, Flags: 0}})
			}
		}
		for more := true; more; {
			select {
			case f := <-n.tr.Recv():
				var m protocol.LeaderMsg
				if json.Unmarshal(f.Body, &m) == nil {
					n.ls.OnBroadcast(Broadcast{From: m.From, Leader: m.Leader, Epoch: m.Epoch}, s.now)
				}
			default:
				more = false
			}
		}
	}
}

// tick advances time by d and runs one pass of every live node.
func (s *sim) tick(d time.Duration) {
	s.now = s.now.Add(d)
	s.deliver()
	for _, n := range s.nodes {
		if n.dead {
			continue
		}
		act, _ := n.ls.Tick(s.now)
		switch act {
		case ActionStartElection:
			s.broadcast(n, protocol.PNNUnknown)
			s.race(n)
		case ActionTryLock:
			s.race(n)
		case ActionBroadcast:
			s.broadcast(n, n.pnn)
		case ActionStepDown:
			s.lock.release(n.pnn)
			s.broadcast(n, protocol.PNNUnknown)
		}
		if act == ActionNone && !n.ls.HoldsLock() && !n.ls.Electing() && n.ls.Leader() == protocol.PNNUnknown {
			s.race(n) // the driver's quiet retry while leaderless
		}
	}
	s.check()
}

func (s *sim) race(n *simNode) {
	if s.lock.try(n.pnn) {
		n.ls.OnLockTaken(s.now)
		s.broadcast(n, n.pnn)
	} else {
		n.ls.OnLockFailed(s.now)
	}
}

// check: a node acts as leader only while it holds the lock, so never two.
func (s *sim) check() {
	leaders := 0
	for _, n := range s.nodes {
		if n.dead || !n.ls.HoldsLock() {
			continue
		}
		leaders++
		if s.lock.holder != n.pnn {
			s.t.Fatalf("node %d acts as leader without the lock (holder %d)", n.pnn, int32(s.lock.holder))
		}
	}
	if leaders > 1 {
		s.t.Fatalf("%d leaders at once", leaders)
	}
}

// agreed returns the leader every live node follows, or an error.
func (s *sim) agreed() (uint32, error) {
	l := protocol.PNNUnknown
	for _, n := range s.nodes {
		if n.dead {
			continue
		}
		if n.ls.Leader() == protocol.PNNUnknown || (l != protocol.PNNUnknown && n.ls.Leader() != l) {
			return 0, fmt.Errorf("node %d follows %d", n.pnn, int32(n.ls.Leader()))
		}
		l = n.ls.Leader()
	}
	if l != protocol.PNNUnknown && s.nodes[l].dead {
		return 0, fmt.Errorf("the live nodes follow dead node %d", l)
	}
	return l, nil
}

func (s *sim) settle(within int) uint32 {
	s.t.Helper()
	var err error
	for i := 0; i < within; i++ {
		s.tick(time.Second)
		var l uint32
		if l, err = s.agreed(); err == nil {
			return l
		}
	}
	s.t.Fatalf("no agreed leader after %d ticks: %v", within, err)
	return 0
}

func TestSimulatedClusterElectsAndFailsOver(t *testing.T) {
	s := newSim(t, 3)
	leader := s.settle(3)

	// The leader dies: its lock goes with it, the others elect at once
	// (agreed within two 1 s ticks, not after the 5 s leader timeout).
	s.net.Kill(leader)
	s.lock.release(leader)
	s.nodes[leader].dead = true
	next := s.settle(2)
	if next == leader {
		t.Fatalf("dead node %d still leads", leader)
	}

	// It comes back and follows the new leader.
	s.nodes[leader] = s.start(leader)
	if l := s.settle(3); l != next {
		t.Fatalf("leader changed to %d when node %d rejoined", l, leader)
	}

	// The leader is cut off but keeps the lock (it can still reach the
	// cluster filesystem): the others cannot elect anyone; never two
	// leaders. After the heal everyone follows it again.
	var others []uint32
	for _, n := range s.nodes {
		if n.pnn != next {
			others = append(others, n.pnn)
		}
	}
	s.net.Partition([]uint32{next}, others)
	for i := 0; i < 12; i++ {
		s.tick(time.Second)
		for _, p := range others {
			if s.nodes[p].ls.HoldsLock() {
				t.Fatalf("node %d took the lock while node %d holds it", p, next)
			}
		}
	}
	s.net.Heal()
	if l := s.settle(8); l != next {
		t.Fatalf("after the heal the cluster follows %d, want %d", l, next)
	}
}
