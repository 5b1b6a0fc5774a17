package recoverd

// A whole cluster in one process, deterministic, on one fake clock: every
// node is ctdbd's decisions (a nodestate.State, driven as internal/daemon
// drives it) plus a real Recoverd whose Ctdb is simCtdb, an adapter onto
// the simulated ctdbd. Controls to other nodes go through a simulated
// network that partitions and kills; takeip and releaseip change a
// per-node set of held addresses; the cluster lock is simulated (simLock).
//
// The harness lives in package recoverd's tests rather than in its own
// package: it drives the unexported pass (step), the lock-ping tick
// (pingOnce) and startupRace exactly as Run and pingLoop do, and plugs the
// simulated lock in through the unexported Config.lock, so the product
// exports nothing for it.
//
// Scheduling is single-threaded: sim time moves in steps of simTick; at
// each one the nodes' ctdbd ticks, keepalives, monitor results, lock pings
// and recovery-daemon passes run one after the other in a seeded order.
// (A pass fans controls out to several nodes on goroutines, as in the
// product; they go to distinct nodes and commute, and the adapter takes
// them one at a time under sim.mu.)

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ctdb-go/ctdb/internal/clock"
	"github.com/ctdb-go/ctdb/internal/clusterlock"
	"github.com/ctdb-go/ctdb/internal/health"
	"github.com/ctdb-go/ctdb/internal/nodestate"
	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/sirupsen/logrus"
)

const (
	simTick       = 100 * time.Millisecond
	simKeepalive  = time.Second // KeepaliveInterval
	simKALimit    = 5           // KeepaliveLimit
	simMonitor    = time.Second
	simLockLost   = time.Second                    // the helper notices that the lock's storage is gone
	simLockFree   = clusterlock.DefaultPingTimeout // the storage grants the lock to another after losing its holder
	simPingExpire = clusterlock.DefaultPingTimeout // the helper gives the lock up without pings
	simBanSeconds = 8                              // RecoveryBanPeriod in the simulation
)

var simParams = nodestate.Params{KeepaliveInterval: simKeepalive, KeepaliveLimit: simKALimit,
	MonitorInterval: simMonitor, EventScriptTimeout: 30 * time.Second, MonitorTimeoutCount: 3,
	LockPingTimeout: clusterlock.DefaultPingTimeout}

// simBugs break a rule on purpose, to show that the checks catch it.
type simBugs struct {
	twoHolders bool // the lock is granted while held
	noRelease  bool // ctdbd ignores the release bound's ReleaseAll on a tick
}

type sim struct {
	mu    sync.Mutex
	clk   *clock.Fake
	rng   *rand.Rand
	nodes []*simNode
	addrs []string
	lock  simLockState
	bugs  simBugs
	// majorityLock: the lock is reachable from a node whose group holds
	// a majority of the nodes (etcd); otherwise from the group that can
	// reach the shared filesystem (fcntl).
	majorityLock bool
	// quorum: "[cluster] quorum = majority" on every node.
	quorum       bool
	storageGroup int
	story        []string
	violations   []string
	maxGen       map[int]uint32 // per node incarnation: highest generation seen
}

type simNode struct {
	pnn   uint32
	alive bool
	inc   int // incarnation: restarts count up
	group int // partition group
	st    *nodestate.State
	rd    *Recoverd
	c     *simCtdb
	held  map[string]bool
	asg   map[string]uint32
	// connected: this node's transport has a connection to peer; lastFrame
	// the last frame from it.
	connected map[uint32]bool
	lastFrame map[uint32]time.Time
	recmode   int32
	ifaceDown bool
	failTake  bool
	banUntil  time.Time
	nextPass  time.Time
	nextPing  time.Time
	pingLost  <-chan struct{}
	// cutSince: when this node was last cut off from the lock holder
	// (zero: it reaches it, or nobody holds the lock).
	cutSince time.Time
	log      *syncBuf
}

func (s *sim) now() time.Time { return s.clk.Now() }

func (s *sim) event(format string, args ...any) {
	s.story = append(s.story, fmt.Sprintf("%7.1fs ", s.now().Sub(simStart).Seconds())+fmt.Sprintf(format, args...))
}

func (s *sim) violate(format string, args ...any) {
	s.violations = append(s.violations, fmt.Sprintf("at %.1fs: ", s.now().Sub(simStart).Seconds())+fmt.Sprintf(format, args...))
}

var simStart = time.Unix(1e6, 0)

// simLongestHold is the longest time a node was seen holding addresses
// after it was cut off from the lock holder, over the schedules run.
var simLongestHold time.Duration

func newSim(seed int64, bugs simBugs) *sim {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	s := &sim{clk: clock.NewFake(simStart), rng: rng, bugs: bugs, maxGen: map[int]uint32{}}
	s.lock.holder = -1
	n := 3 + rng.IntN(3)
	for i := range 2 + rng.IntN(4) {
		s.addrs = append(s.addrs, fmt.Sprintf("10.0.0.%d", i+1))
	}
	s.majorityLock = rng.IntN(3) == 0
	s.quorum = rng.IntN(3) == 0
	for i := range n {
		s.nodes = append(s.nodes, &simNode{pnn: uint32(i)})
	}
	for _, nd := range s.nodes {
		s.start(nd)
	}
	return s
}

// start boots a node with fresh state: ctdbd, then its recovery daemon.
// Called without s.mu.
func (s *sim) start(nd *simNode) {
	s.mu.Lock()
	nd.alive = true
	nd.inc++
	nodes := make([]protocol.NodeInfo, len(s.nodes))
	for i := range nodes {
		nodes[i] = protocol.NodeInfo{PNN: uint32(i), Flags: protocol.FlagDisconnected | protocol.FlagUnhealthy}
	}
	nodes[nd.pnn].Flags = 0
	nd.st = nodestate.New(nd.pnn, nodes, s.quorum, s.now())
	nd.held, nd.asg = map[string]bool{}, map[string]uint32{}
	nd.connected, nd.lastFrame = map[uint32]bool{}, map[uint32]time.Time{}
	nd.recmode = protocol.RecModeActive
	nd.banUntil, nd.pingLost, nd.cutSince = time.Time{}, nil, time.Time{}
	nd.step(s, nodestate.Input{Kind: nodestate.Serving})
	nd.c = &simCtdb{s: s, self: nd.pnn, inc: nd.inc, msgs: make(chan protocol.Frame, 256), done: make(chan struct{})}
	if nd.log == nil {
		nd.log = &syncBuf{}
	}
	s.mu.Unlock()
	lg := logrus.New()
	lg.SetOutput(nd.log)
	lg.SetLevel(logrus.InfoLevel)
	lg.SetFormatter(&simFormatter{s: s, pnn: nd.pnn})
	r, err := New(Config{Client: nd.c, Log: logrus.NewEntry(lg), Capable: true, Now: s.clk.Now,
		Quorum: s.quorum, LockArgv: []string{"simulated"}, lock: &simLock{s: s, node: int(nd.pnn), inc: nd.inc}})
	if err != nil {
		panic(err) // the simulated ctdbd always answers its own node
	}
	nd.rd = r
	r.startupRace()
	nd.nextPass, nd.nextPing = s.now(), s.now()
}

// kill stops a node: its processes and addresses are gone, the lock it
// held is free if it reached the lock's storage (fcntl locks die with
// their process; otherwise the storage frees it after simLockFree), and
// its peers see their connections reset.
func (s *sim) kill(nd *simNode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !nd.alive {
		return
	}
	reached := s.lockReach(nd)
	nd.alive = false
	nd.held = map[string]bool{}
	close(nd.c.done)
	if s.lock.holder == int(nd.pnn) && reached {
		s.freeLock()
	}
	for _, p := range s.nodes {
		if p.alive && p.connected[nd.pnn] {
			s.disconnect(p, nd.pnn)
		}
	}
	nd.rd = nil
}

type simFormatter struct {
	s   *sim
	pnn uint32
}

func (f *simFormatter) Format(e *logrus.Entry) ([]byte, error) {
	return fmt.Appendf(nil, "%7.1fs node %d recoverd %s: %s\n", f.s.clk.Now().Sub(simStart).Seconds(), f.pnn, e.Level, e.Message), nil
}

// syncBuf is a node's log: its recovery daemon writes from fan-out
// goroutines too.
type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// step feeds one input to node nd's ctdbd and carries out its actions, as
// internal/daemon's step and do. Called with s.mu held.
func (nd *simNode) step(s *sim, in nodestate.Input) error {
	in.Now, in.Params = s.now(), simParams
	var refused error
	for _, a := range nd.st.Step(in) {
		switch a.Kind {
		case nodestate.Log:
			if a.Level >= nodestate.Warning {
				fmt.Fprintf(nd.log, "%7.1fs node %d ctdbd: %s\n", s.now().Sub(simStart).Seconds(), nd.pnn, a.Msg)
			}
		case nodestate.AnnounceLeader:
			if p := s.nodes[a.PNN]; s.reach(nd, p) {
				s.deliverLeader(p, a.Leader)
			}
		case nodestate.Refuse:
			if refused == nil {
				refused = protocol.Errorf(a.Status, "%s", a.Msg)
			}
		case nodestate.ReleaseAll:
			if s.bugs.noRelease && in.Kind == nodestate.Tick {
				continue // BUG on purpose: the release bound is ignored
			}
			fmt.Fprintf(nd.log, "%7.1fs node %d ctdbd: %s\n", s.now().Sub(simStart).Seconds(), nd.pnn, a.Msg)
			clear(nd.held)
			nd.step(s, nodestate.Input{Kind: nodestate.Released})
		case nodestate.StateChanged:
			s.stateChanged(nd)
		case nodestate.StopServing:
			clear(nd.held)
		case nodestate.BanTimer:
			nd.banUntil = time.Time{}
			if a.After > 0 {
				nd.banUntil = s.now().Add(a.After)
			}
		case nodestate.RecoveryActive:
			nd.recmode = protocol.RecModeActive
		case nodestate.PeerFlagsChanged:
			nd.c.push(protocol.MsgRecdWake, protocol.Empty{})
		}
	}
	return refused
}

// stateChanged: a node update to every connected peer, and a wake-up for
// the node's own recovery daemon.
func (s *sim) stateChanged(nd *simNode) {
	for _, p := range s.nodes {
		if p != nd && s.reach(nd, p) && p.connected[nd.pnn] {
			s.learnPeer(p, nd)
		}
	}
	nd.c.push(protocol.MsgRecdWake, protocol.Empty{})
}

func (s *sim) learnPeer(p, from *simNode) {
	p.step(s, nodestate.Input{Kind: nodestate.PeerSelf, PNN: from.pnn, Flags: from.st.SelfInfo().Flags, Connected: true})
}

// announce is ctdbd's announce: node n (PNN dst) shows its recovery
// daemon's broadcast and sends it to the peers it reaches.
func (s *sim) announce(n *simNode, dst uint32, m protocol.LeaderMsg) {
	m.From, m.Deadline = dst, 0
	n.step(s, nodestate.Input{Kind: nodestate.LeaderAnnounced, Leader: m})
	for _, p := range s.nodes {
		if p != n && n.connected[p.pnn] && s.reach(n, p) {
			s.deliverLeader(p, m)
		}
	}
}

func (s *sim) deliverLeader(p *simNode, m protocol.LeaderMsg) {
	p.step(s, nodestate.Input{Kind: nodestate.LeaderAnnounced, Leader: m})
	p.c.push(protocol.MsgLeader, m)
}

// reach: frames get from a to b (both alive, same side of a partition).
func (s *sim) reach(a, b *simNode) bool {
	return a.alive && b.alive && a.group == b.group
}

// lockReach: node nd can reach the lock's storage.
func (s *sim) lockReach(nd *simNode) bool {
	if !nd.alive {
		return false
	}
	if s.majorityLock {
		n := 0
		for _, p := range s.nodes {
			if p.alive && p.group == nd.group {
				n++
			}
		}
		return 2*n > len(s.nodes)
	}
	return nd.group == s.storageGroup
}

func (s *sim) disconnect(p *simNode, peer uint32) {
	p.connected[peer] = false
	p.step(s, nodestate.Input{Kind: nodestate.PeerDisconnected, PNN: peer})
	p.c.push(protocol.MsgPeer, protocol.PeerEvent{PNN: peer, Connected: false})
}

// keepalives: every KeepaliveInterval each node hears from the peers it
// reaches (connecting to those it was not connected to), and drops those
// it has not heard from for KeepaliveLimit intervals. Called with s.mu.
func (s *sim) keepalives(frames bool) {
	limit := time.Duration(simKALimit) * simKeepalive
	for _, p := range s.nodes {
		if !p.alive {
			continue
		}
		for _, q := range s.nodes {
			if q == p {
				continue
			}
			switch {
			case s.reach(p, q):
				if !p.connected[q.pnn] {
					p.connected[q.pnn] = true
					p.lastFrame[q.pnn] = time.Time{}
					p.step(s, nodestate.Input{Kind: nodestate.PeerConnected, PNN: q.pnn})
					p.c.push(protocol.MsgPeer, protocol.PeerEvent{PNN: q.pnn, Connected: true})
				}
				if frames || p.lastFrame[q.pnn].IsZero() {
					p.lastFrame[q.pnn] = s.now()
					p.step(s, nodestate.Input{Kind: nodestate.Frame, PNN: q.pnn})
					s.learnPeer(p, q)
				}
			case p.connected[q.pnn] && s.now().Sub(p.lastFrame[q.pnn]) >= limit:
				s.disconnect(p, q.pnn)
			}
		}
	}
}

// simCtdb is one recovery daemon's connection to its simulated ctdbd.
type simCtdb struct {
	s    *sim
	self uint32
	inc  int
	msgs chan protocol.Frame
	done chan struct{}
	// deaf: ctdbd's pushes to the recovery daemon are lost (read and
	// written under sim.mu, or before the daemon starts).
	deaf bool
}

func (c *simCtdb) Messages() <-chan protocol.Frame { return c.msgs }
func (c *simCtdb) Done() <-chan struct{}           { return c.done }

// push forwards a message to the recovery daemon; a full buffer drops it,
// as the real client does.
func (c *simCtdb) push(op protocol.Op, body any) {
	if c.deaf {
		return
	}
	b, _ := protocol.MarshalBody(body)
	select {
	case c.msgs <- protocol.Frame{Header: protocol.Header{Kind: protocol.KindMessage, Op: op}, Body: b}:
	default:
	}
}

func (c *simCtdb) Call(ctx context.Context, dst uint32, op protocol.Op, req, rep any) error {
	return c.call(dst, 0, 0, op, req, rep)
}

func (c *simCtdb) CallFenced(ctx context.Context, dst, gen, epoch uint32, op protocol.Op, req, rep any) error {
	return c.call(dst, gen, protocol.FenceFlags(epoch), op, req, rep)
}

var simFenced = map[protocol.Op]bool{
	protocol.OpSetRecMode: true, protocol.OpStartRecovery: true,
	protocol.OpSetVNNMap: true, protocol.OpEndRecovery: true,
	protocol.OpTakeIP: true, protocol.OpReleaseIP: true,
	protocol.OpIPReallocated: true, protocol.OpSetAssignment: true,
}

func (c *simCtdb) call(dst, gen, flags uint32, op protocol.Op, req, rep any) error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	self := s.nodes[c.self]
	if !self.alive || self.inc != c.inc {
		return protocol.Errorf(protocol.StatusUnreachable, "ctdbd is gone")
	}
	if dst == protocol.PNNCurrent {
		dst = c.self
	}
	if int(dst) >= len(s.nodes) {
		return protocol.Errorf(protocol.StatusUnreachable, "no node %d", dst)
	}
	n := s.nodes[dst]
	if n != self {
		if !self.connected[dst] {
			return protocol.Errorf(protocol.StatusUnreachable, "node %d not connected", dst)
		}
		if !s.reach(self, n) {
			return protocol.Errorf(protocol.StatusTimeout, "control %s to node %d timed out", op, dst)
		}
	}
	if simFenced[op] {
		if err := n.step(s, nodestate.Input{Kind: nodestate.Fence, Op: op, Generation: gen, FenceFlags: flags}); err != nil {
			return err
		}
	}
	switch op {
	case protocol.OpGetPNN:
		return answer(protocol.PNNReply{PNN: dst}, rep)
	case protocol.OpGetNodeInfo:
		st := n.st
		return answer(protocol.NodeSelf{PNN: dst, Flags: st.SelfInfo().Flags, Generation: st.Generation,
			VNNMap: st.VNNMap, RecMode: n.recmode, Leader: st.Leader, Epoch: st.MaxEpoch, Started: st.Priority,
			Capable: true, Runstate: "RUNNING", Nodes: slices.Clone(st.Nodes), NoQuorum: s.quorum && !st.HasQuorum()}, rep)
	case protocol.OpListTunables:
		l := protocol.TunableList{Vars: []protocol.Tunable{{Name: "EnableBans", Value: 1},
			{Name: "RecoveryBanPeriod", Value: simBanSeconds}, {Name: "RecoveryGracePeriod", Value: 120},
			{Name: "EventScriptTimeout", Value: 30}, {Name: "RecoverInterval", Value: 1},
			{Name: "KeepaliveInterval", Value: uint32(simKeepalive / time.Second)}, {Name: "KeepaliveLimit", Value: simKALimit}}}
		return answer(l, rep)
	case protocol.OpBroadcast:
		m := req.(protocol.LeaderMsg)
		if protocol.Expired(m.Deadline, s.now()) {
			return protocol.Errorf(protocol.StatusTimeout, "BROADCAST read after its deadline")
		}
		s.announce(n, dst, m)
	case protocol.OpLockHeld:
		lh := req.(protocol.LockHeld)
		if protocol.Expired(lh.Deadline, s.now()) {
			return protocol.Errorf(protocol.StatusTimeout, "LOCK_HELD read after its deadline")
		}
		if err := n.step(s, nodestate.Input{Kind: nodestate.LockConfirmed}); err != nil {
			return err
		}
		if lh.Claim != nil && lh.Claim.Leader == dst {
			s.announce(n, dst, *lh.Claim)
		}
	case protocol.OpLockLost:
		return n.step(s, nodestate.Input{Kind: nodestate.LockLost, Held: len(n.held)})
	case protocol.OpBan:
		return n.step(s, nodestate.Input{Kind: nodestate.Ban, Seconds: req.(protocol.Ban).Seconds})
	case protocol.OpSetRecMode:
		mode := req.(protocol.SetRecMode).Mode
		if mode == protocol.RecModeNormal && (s.lock.holder < 0 || !s.lockReach(n)) {
			return protocol.Errorf(protocol.StatusError, "cluster lock is not held by the leader, staying in recovery")
		}
		if n.recmode != mode {
			n.recmode = mode
			s.stateChanged(n)
		}
	case protocol.OpSetVNNMap:
		v := req.(protocol.SetVNNMap)
		key := int(dst)<<16 | n.inc
		if err := n.step(s, nodestate.Input{Kind: nodestate.SetVNNMap, Generation: v.Generation, VNNMap: v.VNNMap}); err != nil {
			return err
		}
		if g := n.st.Generation; g < s.maxGen[key] {
			s.violate("node %d generation went back from %d to %d", dst, s.maxGen[key], g)
		}
		s.maxGen[key] = max(s.maxGen[key], n.st.Generation)
	case protocol.OpGetDBMap:
		return answer(protocol.DBMap{}, rep)
	case protocol.OpGetPublicIPs:
		l := protocol.PublicIPList{PNN: dst}
		for _, a := range s.addrs {
			ip := protocol.PublicIP{Addr: a, Bits: 24, Node: protocol.PNNUnknown, Configured: []string{"eth0"}}
			if !n.ifaceDown {
				ip.Available = []string{"eth0"}
			}
			if h, ok := n.asg[a]; ok {
				ip.Node = h
			}
			if n.held[a] {
				ip.Active = "eth0"
			}
			l.IPs = append(l.IPs, ip)
		}
		return answer(l, rep)
	case protocol.OpTakeIP:
		r := req.(protocol.IPRequest)
		if n.failTake {
			return protocol.Errorf(protocol.StatusEventFailed, "takeip event failed")
		}
		for _, p := range s.nodes {
			if p != n && p.alive && p.held[r.Addr] {
				s.violate("%s taken on node %d while node %d holds it", r.Addr, dst, p.pnn)
			}
		}
		n.held[r.Addr] = true
	case protocol.OpReleaseIP:
		delete(n.held, req.(protocol.IPRequest).Addr)
	case protocol.OpSetAssignment:
		for _, h := range req.(protocol.Assignment).IPs {
			n.asg[h.Addr] = h.Node
		}
	}
	return nil
}

// simLockState is the one cluster lock: a single holder.
type simLockState struct {
	holder   int // -1: free
	inc      int // the holder's incarnation
	token    int64
	lost     chan struct{}
	lostSent bool
	cutSince time.Time // the holder cannot reach the storage since
	lastPing time.Time
	extra    []int // with bugs.twoHolders: further holders
}

func (s *sim) freeLock() {
	if s.lock.lost != nil && !s.lock.lostSent {
		close(s.lock.lost)
	}
	s.lock = simLockState{holder: -1, token: s.lock.token}
}

// lockTick applies the lock's own rules: a holder cut off from the
// storage learns it after simLockLost, and the storage lets another node
// take the lock after simLockFree; a holder's helper that gets no ping for
// simPingExpire gives the lock up.
func (s *sim) lockTick() {
	l := &s.lock
	if l.holder < 0 {
		return
	}
	h := s.nodes[l.holder]
	now := s.now()
	if !s.lockReach(h) || !l.cutSince.IsZero() && l.lostSent {
		if l.cutSince.IsZero() {
			l.cutSince = now
		}
		if now.Sub(l.cutSince) >= simLockLost && !l.lostSent {
			close(l.lost)
			l.lostSent = true
		}
		if now.Sub(l.cutSince) >= simLockFree {
			s.freeLock()
		}
		return
	}
	l.cutSince = time.Time{}
	if l.lostSent || now.Sub(l.lastPing) >= simPingExpire {
		s.freeLock() // the helper is gone and the storage answers
	}
}

// simLock is one recovery daemon incarnation's handle on the lock.
type simLock struct {
	s    *sim
	node int
	inc  int
}

func (l *simLock) mine() bool {
	return l.s.lock.holder == l.node && l.s.lock.inc == l.inc
}

func (l *simLock) TryLock(time.Duration) (clusterlock.Result, error) {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case !s.lockReach(s.nodes[l.node]):
		return clusterlock.ResultTimeout, nil
	case l.mine() && !s.lock.lostSent:
		return clusterlock.ResultLocked, nil
	case s.lock.holder >= 0:
		if !s.bugs.twoHolders {
			return clusterlock.ResultContended, nil
		}
		s.lock.extra = append(s.lock.extra, l.node) // BUG on purpose: granted twice
		return clusterlock.ResultLocked, nil
	}
	s.lock = simLockState{holder: l.node, inc: l.inc, token: s.lock.token + 1, lost: make(chan struct{}), lastPing: s.now()}
	return clusterlock.ResultLocked, nil
}

func (l *simLock) Held() bool {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	if slices.Contains(l.s.lock.extra, l.node) {
		return true
	}
	return l.mine() && !l.s.lock.lostSent
}

// Token: the fcntl helper gives none; the etcd one gives the revision.
func (l *simLock) Token() (int64, bool) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	return l.s.lock.token, l.s.majorityLock
}

func (l *simLock) Lost() <-chan struct{} {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	if l.mine() {
		return l.s.lock.lost
	}
	return nil
}

func (l *simLock) Ping() error {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	if !l.mine() || l.s.lock.lostSent {
		if slices.Contains(l.s.lock.extra, l.node) {
			return nil
		}
		return clusterlock.ErrNotHeld
	}
	l.s.lock.lastPing = l.s.now()
	return nil
}

func (l *simLock) Release() {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	l.s.lock.extra = slices.DeleteFunc(l.s.lock.extra, func(n int) bool { return n == l.node })
	if l.mine() {
		l.s.lock.lostSent = true // released: its lost channel never closes
		l.s.lock = simLockState{holder: -1, token: l.s.lock.token}
	}
}

// advance runs one simTick of the whole cluster: the clock moves, then
// the lock, the keepalives, each ctdbd's tick and monitor, each recovery
// daemon's lock ping and pass, in a seeded order; then the invariants.
func (s *sim) advance(ctx context.Context) {
	s.clk.Advance(simTick)
	now := s.now()
	s.mu.Lock()
	s.lockTick()
	s.keepalives(now.Sub(simStart)%simKeepalive == 0)
	order := s.rng.Perm(len(s.nodes))
	for _, i := range order {
		nd := s.nodes[i]
		if !nd.alive {
			continue
		}
		if !nd.banUntil.IsZero() && !now.Before(nd.banUntil) {
			nd.banUntil = time.Time{}
			nd.step(s, nodestate.Input{Kind: nodestate.BanExpired})
		}
		if now.Sub(simStart)%simMonitor == 0 {
			r := health.OK
			if nd.ifaceDown {
				r = health.Failed
			}
			nd.step(s, nodestate.Input{Kind: nodestate.MonitorDone, Result: r, Detail: "eth0 down"})
		}
		in := nodestate.Input{Kind: nodestate.Tick, Held: len(nd.held)}
		if s.quorum {
			in.Linked = maps.Clone(nd.connected)
		}
		nd.step(s, in)
	}
	s.mu.Unlock()
	for _, i := range order {
		nd := s.nodes[i]
		if !nd.alive {
			continue
		}
		r := nd.rd
		// pingLoop: at once when the held lock is lost, else every tick.
		if nd.pingLost != nil && isClosed(nd.pingLost) {
			nd.pingLost = nil
			r.tellLockLost(ctx)
		} else if !now.Before(nd.nextPing) {
			nd.nextPing = now.Add(r.pingEvery())
			nd.pingLost, _ = r.pingOnce(ctx, nd.pingLost)
		}
		// Run: a pass when a message is pending, the lock is lost, or
		// wait() is up.
		if l := r.lost(); l != nil && isClosed(l) {
			r.onLockLost()
		} else if len(nd.c.msgs) == 0 && now.Before(nd.nextPass) {
			continue
		}
		r.step(ctx)
		nd.nextPass = s.now().Add(r.wait())
	}
	s.mu.Lock()
	s.check()
	s.mu.Unlock()
}

// check tests the invariants at this instant. Called with s.mu.
func (s *sim) check() {
	now := s.now()
	var leaders []uint32
	holders := map[string][]uint32{}
	for _, nd := range s.nodes {
		if !nd.alive {
			continue
		}
		l := nd.rd.locker.(*simLock)
		if nd.rd.ls.HoldsLock() && (l.mine() && !s.lock.lostSent || slices.Contains(s.lock.extra, l.node)) {
			leaders = append(leaders, nd.pnn)
		}
		for a := range nd.held {
			holders[a] = append(holders[a], nd.pnn)
		}
	}
	if len(leaders) > 1 {
		s.violate("nodes %v all lead holding the lock", leaders)
	}
	for a, h := range holders {
		if len(h) > 1 {
			sort.Slice(h, func(i, j int) bool { return h[i] < h[j] })
			s.violate("%s hosted by nodes %v at once", a, h)
		}
	}
	// The release bound: a node that cannot reach the lock holder (or the
	// holder that lost the lock's storage) holds no address for longer
	// than the hold bound after its last word from it (at most a keepalive
	// before the cut), and so none when another node may be given them.
	bound := simParams.HoldBound() + simKeepalive + simTick
	for _, nd := range s.nodes {
		cut := false
		if nd.alive && s.lock.holder >= 0 {
			h := s.nodes[s.lock.holder]
			cut = !s.reach(nd, h) || (h == nd && !s.lockReach(nd))
		}
		if cut && !nd.cutSince.IsZero() && len(nd.held) > 0 {
			simLongestHold = max(simLongestHold, now.Sub(nd.cutSince))
		}
		switch {
		case !cut:
			nd.cutSince = time.Time{}
		case nd.cutSince.IsZero():
			nd.cutSince = now
		case len(nd.held) > 0 && now.Sub(nd.cutSince) > bound:
			s.violate("node %d still holds %d addresses %.1fs after it was cut off from the lock holder (bound %v)",
				nd.pnn, len(nd.held), now.Sub(nd.cutSince).Seconds(), bound)
			nd.cutSince = now // once per bound, not on every tick
		}
	}
}

// settled: one leader, every address hosted exactly once, every node OK.
func (s *sim) settled() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var leaders []uint32
	for _, nd := range s.nodes {
		if nd.rd.ls.HoldsLock() {
			leaders = append(leaders, nd.pnn)
		}
		if f := nd.st.SelfInfo().Flags; f != 0 {
			return fmt.Sprintf("node %d has flags 0x%x", nd.pnn, f)
		}
		if nd.recmode != protocol.RecModeNormal {
			return fmt.Sprintf("node %d is in recovery", nd.pnn)
		}
	}
	if len(leaders) != 1 {
		return fmt.Sprintf("leaders %v", leaders)
	}
	for _, a := range s.addrs {
		var h []uint32
		for _, nd := range s.nodes {
			if nd.held[a] {
				h = append(h, nd.pnn)
			}
		}
		if len(h) != 1 {
			return fmt.Sprintf("%s hosted by %v", a, h)
		}
	}
	return ""
}

// logs is every node's log, for a failing seed.
func (s *sim) logs(w io.Writer) {
	for _, nd := range s.nodes {
		fmt.Fprint(w, nd.log.String())
	}
}
