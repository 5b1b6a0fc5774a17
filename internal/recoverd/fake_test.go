package recoverd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/sirupsen/logrus"
)

// fakeCluster stands behind the Ctdb interface for one recovery daemon:
// every node's state is a plain struct, each control changes it as ctdbd
// would, and every fenced control is logged in the order it arrives.

type fakeNode struct {
	pnn      uint32
	flags    uint32
	gen      uint32
	vnnmap   []uint32
	recmode  int32
	started  time.Time
	runstate string
	ips      []protocol.PublicIP
	// epoch is the newest leader epoch this node's ctdbd has seen.
	epoch uint32
	// fail makes a control fail on this node with the given error.
	fail map[protocol.Op]error
}

type fakeCluster struct {
	mu    sync.Mutex
	self  uint32
	nodes []*fakeNode
	tun   map[string]uint32
	log   []string // fenced controls and bans: "OP node N [addr]"
	bans  map[uint32]uint32
	// violations are safety rules the leader broke: an address taken
	// while another reachable node holds it, a generation going back.
	violations []string
	msgs       chan protocol.Frame
	done       chan struct{}
	// calls counts the controls by destination and operation.
	calls map[uint32]map[protocol.Op]int
	// silent: state changes are not pushed (a lost push).
	silent bool
	// shownLeader is the leader every fake ctdbd shows (PNNUnknown
	// unless a test sets it).
	shownLeader uint32
	// claimsWithLock counts the claims sent with a LOCK_HELD.
	claimsWithLock int
}

// wake pushes MSG_RECD_WAKE, as ctdbd does when its own state or a
// peer's (a node update) changes; like the real client, a full buffer
// drops it. Called with f.mu held.
func (f *fakeCluster) wake() {
	if f.silent {
		return
	}
	select {
	case f.msgs <- protocol.Frame{Header: protocol.Header{Kind: protocol.KindMessage, Op: protocol.MsgRecdWake}, Body: []byte("{}")}:
	default:
	}
}

// callCount is how many op controls went to dst.
func (f *fakeCluster) callCount(dst uint32, op protocol.Op) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[dst][op]
}

// newFakeCluster has n healthy running nodes; every node can host every
// address on eth0, and nobody holds any yet. Node 0 started first.
func newFakeCluster(n int, addrs ...string) *fakeCluster {
	f := &fakeCluster{bans: map[uint32]uint32{}, msgs: make(chan protocol.Frame, 64), done: make(chan struct{}),
		calls: map[uint32]map[protocol.Op]int{}, shownLeader: protocol.PNNUnknown,
		tun: map[string]uint32{"EnableBans": 1, "RecoveryBanPeriod": 300, "RecoveryGracePeriod": 120,
			"EventScriptTimeout": 30, "RecoverInterval": 1}}
	for i := 0; i < n; i++ {
		nd := &fakeNode{pnn: uint32(i), gen: 1, recmode: protocol.RecModeActive, runstate: "RUNNING",
			started: time.Unix(1000+int64(i), 0), fail: map[protocol.Op]error{}}
		for _, a := range addrs {
			nd.ips = append(nd.ips, protocol.PublicIP{Addr: a, Bits: 24, Node: protocol.PNNUnknown,
				Configured: []string{"eth0"}, Available: []string{"eth0"}})
		}
		f.nodes = append(f.nodes, nd)
	}
	return f
}

func (f *fakeCluster) Messages() <-chan protocol.Frame { return f.msgs }
func (f *fakeCluster) Done() <-chan struct{}           { return f.done }

func (f *fakeCluster) Call(ctx context.Context, dst uint32, op protocol.Op, req, rep any) error {
	return f.call(dst, 0, op, req, rep, false)
}

func (f *fakeCluster) CallFenced(ctx context.Context, dst, gen, epoch uint32, op protocol.Op, req, rep any) error {
	return f.call(dst, gen, op, req, rep, true)
}

// answer sends v back as the wire would: encoded and decoded again.
func answer(v, rep any) error {
	if rep == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, rep)
}

func (f *fakeCluster) call(dst, gen uint32, op protocol.Op, req, rep any, fenced bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if dst == protocol.PNNCurrent {
		dst = f.self
	}
	if int(dst) >= len(f.nodes) {
		return protocol.Errorf(protocol.StatusUnreachable, "no node %d", dst)
	}
	n := f.nodes[dst]
	if f.calls[dst] == nil {
		f.calls[dst] = map[protocol.Op]int{}
	}
	f.calls[dst][op]++
	if n.flags&protocol.FlagDisconnected != 0 {
		return protocol.Errorf(protocol.StatusUnreachable, "node %d not connected", dst)
	}
	if err := n.fail[op]; err != nil {
		return err
	}
	if fenced && gen < n.gen {
		return protocol.Errorf(protocol.StatusStaleGen, "generation %d older than %d", gen, n.gen)
	}
	if fenced {
		entry := fmt.Sprintf("%s node %d", op, dst)
		if r, ok := req.(protocol.IPRequest); ok {
			entry += " " + r.Addr
		}
		f.log = append(f.log, entry)
	}
	switch op {
	case protocol.OpLockHeld:
		if req.(protocol.LockHeld).Claim != nil {
			f.claimsWithLock++
		}
	case protocol.OpGetPNN:
		return answer(protocol.PNNReply{PNN: dst}, rep)
	case protocol.OpGetNodeInfo:
		s := protocol.NodeSelf{PNN: dst, Flags: n.flags, Generation: n.gen, VNNMap: n.vnnmap, RecMode: n.recmode,
			Leader: f.shownLeader, Epoch: n.epoch, Started: n.started, Capable: true, Runstate: n.runstate}
		for _, m := range f.nodes {
			s.Nodes = append(s.Nodes, protocol.NodeInfo{PNN: m.pnn, Flags: m.flags})
		}
		return answer(s, rep)
	case protocol.OpListTunables:
		var l protocol.TunableList
		for k, v := range f.tun {
			l.Vars = append(l.Vars, protocol.Tunable{Name: k, Value: v})
		}
		return answer(l, rep)
	case protocol.OpGetPublicIPs:
		return answer(protocol.PublicIPList{PNN: dst, IPs: n.ips}, rep)
	case protocol.OpBan:
		f.bans[dst] = req.(protocol.Ban).Seconds
		f.log = append(f.log, fmt.Sprintf("%s node %d", op, dst))
		n.flags |= protocol.FlagBanned
		n.dropIPs() // a banned ctdbd releases its addresses
		f.wake()
	case protocol.OpSetRecMode:
		n.recmode = req.(protocol.SetRecMode).Mode
		f.wake()
	case protocol.OpSetVNNMap:
		defer f.wake()
		v := req.(protocol.SetVNNMap)
		if v.Generation < n.gen {
			f.violations = append(f.violations, fmt.Sprintf("node %d generation %d -> %d", dst, n.gen, v.Generation))
		}
		n.gen, n.vnnmap = v.Generation, v.VNNMap
	case protocol.OpReleaseIP, protocol.OpTakeIP:
		r := req.(protocol.IPRequest)
		if op == protocol.OpTakeIP {
			for _, m := range f.nodes {
				if m != n && m.flags&protocol.FlagDisconnected == 0 && m.holds(r.Addr) {
					f.violations = append(f.violations, fmt.Sprintf("%s taken on node %d while node %d holds it", r.Addr, dst, m.pnn))
				}
			}
		}
		for i := range n.ips {
			if n.ips[i].Addr != r.Addr {
				continue
			}
			n.ips[i].Active = ""
			if op == protocol.OpTakeIP {
				n.ips[i].Active = r.Iface
			}
		}
	case protocol.OpSetAssignment:
		a := req.(protocol.Assignment)
		for i := range n.ips {
			for _, h := range a.IPs {
				if h.Addr == n.ips[i].Addr {
					n.ips[i].Node = h.Node
				}
			}
		}
	}
	return nil
}

func (n *fakeNode) holds(addr string) bool {
	for _, ip := range n.ips {
		if ip.Addr == addr && ip.Active != "" {
			return true
		}
	}
	return false
}

func (n *fakeNode) dropIPs() {
	for i := range n.ips {
		n.ips[i].Active = ""
	}
}

// holders returns the nodes that hold addr now.
func (f *fakeCluster) holders(addr string) []uint32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []uint32
	for _, n := range f.nodes {
		for _, ip := range n.ips {
			if ip.Addr == addr && ip.Active != "" {
				out = append(out, n.pnn)
			}
		}
	}
	return out
}

func (f *fakeCluster) setFlags(pnn, flags uint32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nodes[pnn].flags = flags
	f.wake()
}

func (f *fakeCluster) setFail(pnn uint32, op protocol.Op, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nodes[pnn].fail[op] = err
}

// takeLog returns the controls logged since the last call.
func (f *fakeCluster) takeLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	l := f.log
	f.log = nil
	return l
}

// fakeClock is a clock the test advances.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newTestRecoverd starts a recovery daemon (no cluster lock) on node
// f.self with a fake clock; its log goes to the returned buffer.
func newTestRecoverd(t *testing.T, f *fakeCluster) (*Recoverd, *fakeClock, *bytes.Buffer) {
	t.Helper()
	clock := &fakeClock{t: time.Unix(1e6, 0)}
	var buf bytes.Buffer
	lg := logrus.New()
	lg.SetOutput(&buf)
	lg.SetLevel(logrus.DebugLevel)
	r, err := New(Config{Client: f, Log: logrus.NewEntry(lg), Capable: true, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("recoverd log:\n%s", buf.String())
		}
	})
	return r, clock, &buf
}

// lead steps r, advancing the clock by a second before each pass, until
// it holds the leadership and has recovered; it fails after 20 passes.
func lead(t *testing.T, r *Recoverd, clock *fakeClock) {
	t.Helper()
	for range 20 {
		clock.advance(time.Second)
		r.step(context.Background())
		if r.ls.HoldsLock() && r.lastGen > 1 && !r.newTerm {
			return
		}
	}
	t.Fatalf("node %d did not lead and recover in 20 passes", r.self)
}

func indexOf(log []string, prefix string, last bool) int {
	at := -1
	for i, l := range log {
		if strings.HasPrefix(l, prefix) {
			at = i
			if !last {
				return i
			}
		}
	}
	return at
}
