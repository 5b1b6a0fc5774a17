package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/ctrlsock"
	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/sirupsen/logrus"
)

// fakeNode is the canned per-node state of the fake daemon.
type fakeNode struct {
	pid      int
	clients  int
	runstate string
	reclock  string
	debug    string
	version  string
	caps     protocol.Capabilities
	uptime   protocol.Uptime
	tunables []protocol.Tunable
	events   map[string]protocol.EventStatus
	runs     map[string]fakeRun // event run results by event name
	scripts  []protocol.Script
	packaged []protocol.Script // the data directory's scripts
	// Public IP state (see fakeip_test.go): this node's list of public
	// addresses, its interfaces whose link is down, and an error its
	// reload of the addresses file fails with ("" none).
	ips       []protocol.PublicIP
	linkDown  map[string]bool
	reloadErr string
	sc        fakeScriptState
}

// fakeRun is the daemon's answer to an event run: a reply or an error.
type fakeRun struct {
	reply  protocol.EventStatus
	status int32 // non-zero: fail with this status
}

// fakeCall records a request the fake received.
type fakeCall struct {
	dst uint32
	op  protocol.Op
	req any
}

// fakeCluster is a fake ctdbd (like CTDB's fake_ctdbd): it answers the
// tool's controls from canned state on a real unix socket, for the local
// node and, as if forwarding, for the other connected nodes.
type fakeCluster struct {
	mu         sync.Mutex
	local      uint32
	nodes      []protocol.NodeInfo
	generation uint32
	vnnmap     []uint32
	recmode    int32
	leader     uint32
	node       map[uint32]*fakeNode
	calls      []fakeCall
	// flagDelay postpones a flag change by this many nodemap reads, like
	// a change that takes a while to reach the local node; -1 never
	// applies it.
	flagDelay int
	pending   []pendingFlags
	// shutdown: a shutdown was asked for; the next ping drops every
	// connection, as a daemon that exits does. dropAll is set by serve.
	shutdown bool
	dropAll  func()
	// failOp: controls of this op fail with StatusError (0: none).
	failOp protocol.Op
}

type pendingFlags struct {
	pnn   uint32
	req   protocol.ModifyFlags
	after int
}

var (
	t0 = time.Date(2026, time.November, 22, 4, 16, 44, 0, time.UTC)
	// monitorStart is when the last monitor event started.
	monitorStart = time.Date(2026, time.November, 22, 4, 16, 36, 0, time.UTC)
)

func okScript(name string, start time.Time, ms int) protocol.ScriptStatus {
	return protocol.ScriptStatus{Name: name, State: "OK", Start: start,
		End: start.Add(time.Duration(ms) * time.Millisecond)}
}

func healthyMonitor(start time.Time) protocol.EventStatus {
	return protocol.EventStatus{Event: "monitor", Outcome: "OK", Scripts: []protocol.ScriptStatus{
		okScript("00.ctdb", start, 2), okScript("01.reclock", start, 2),
		okScript("05.system", start, 10), okScript("10.interface", start, 25)}}
}

func newFakeNode(pnn uint32) *fakeNode {
	n := &fakeNode{
		pid: 12274 + int(pnn), clients: 2, runstate: "RUNNING", reclock: "/tmp/ctdb-anchor/shared/reclock",
		debug: "NOTICE", version: referenceVersion, caps: protocol.Capabilities{Leader: true, LMaster: true},
		uptime: protocol.Uptime{Now: t0, Started: t0.Add(-36 * time.Second),
			RecoveryStart: t0.Add(-31*time.Second - 46695*time.Microsecond), RecoveryEnd: t0.Add(-31 * time.Second)},
		tunables: append([]protocol.Tunable(nil), referenceTunables...),
		events:   map[string]protocol.EventStatus{},
		runs:     map[string]fakeRun{},
		scripts:  append([]protocol.Script(nil), referenceScripts...),
		linkDown: map[string]bool{},
	}
	for ev := range referenceEvents {
		n.events[ev] = referenceEvent(ev)
	}
	return n
}

// newFakeCluster is the healthy 3-node cluster of the reference capture,
// seen from node 0.
func newFakeCluster() *fakeCluster {
	f := &fakeCluster{
		nodes: []protocol.NodeInfo{{PNN: 0, Address: "10.97.0.1"}, {PNN: 1, Address: "10.97.0.2"},
			{PNN: 2, Address: "10.97.0.3"}},
		generation: 1045786688, vnnmap: []uint32{0, 1, 2}, leader: 0,
		node: map[uint32]*fakeNode{},
	}
	for i := range f.nodes {
		f.node[uint32(i)] = newFakeNode(uint32(i))
	}
	f.assignIPs(referenceHolders...)
	return f
}

func (f *fakeCluster) setFlags(pnn, flags uint32) *fakeCluster {
	f.nodes[pnn].Flags = flags
	return f
}

// serve starts the fake daemon on a fresh socket and returns its path.
func (f *fakeCluster) serve(t *testing.T) string {
	t.Helper()
	path, drop := serveTracked(t, f.handle)
	f.dropAll = drop
	return path
}

// serveHandler serves h on a fresh socket and returns its path.
func serveHandler(t *testing.T, h ctrlsock.Handler) string {
	t.Helper()
	path, _ := serveTracked(t, h)
	return path
}

// trackingListener remembers accepted connections so a test can drop
// them all.
type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns = append(l.conns, c)
		l.mu.Unlock()
	}
	return c, err
}

func (l *trackingListener) dropAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.Close()
	}
}

// serveTracked serves h on a fresh socket (in a short directory: socket
// paths are limited to 108 bytes); it returns the path and a function that
// drops every client connection.
func serveTracked(t *testing.T, h ctrlsock.Handler) (string, func()) {
	t.Helper()
	dir, err := os.MkdirTemp("", "ctdbcli")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ctdbd.socket")
	l, err := ctrlsock.Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	tl := &trackingListener{Listener: l}
	lg := logrus.New()
	lg.SetOutput(io.Discard)
	s := &ctrlsock.Server{Handler: h, Log: logrus.NewEntry(lg)}
	go s.Serve(context.Background(), tl)
	t.Cleanup(func() {
		l.Close()
		tl.dropAll()
		os.RemoveAll(dir)
	})
	return path, tl.dropAll
}

func (f *fakeCluster) allCalls() []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeCall(nil), f.calls...)
}

// flags returns each node's flags.
func (f *fakeCluster) flags() []uint32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []uint32
	for _, n := range f.nodes {
		out = append(out, n.Flags)
	}
	return out
}

func (f *fakeCluster) callsOf(op protocol.Op) []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeCall
	for _, c := range f.calls {
		if c.op == op {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeCluster) handle(ctx context.Context, h protocol.Header, req any) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	dst := h.DstPNN
	if dst == protocol.PNNCurrent {
		dst = f.local
	}
	f.calls = append(f.calls, fakeCall{dst, h.Op, req})
	if f.failOp != 0 && h.Op == f.failOp {
		return nil, protocol.Errorf(protocol.StatusError, "op %d fails", h.Op)
	}
	n := f.node[dst]
	if n == nil || int(dst) >= len(f.nodes) || f.nodes[dst].Flags&protocol.FlagDisconnected != 0 {
		return nil, protocol.Errorf(protocol.StatusUnreachable, "node %d is not connected", dst)
	}
	return f.answer(dst, n, h.Op, req)
}

func (f *fakeCluster) answer(dst uint32, n *fakeNode, op protocol.Op, req any) (any, error) {
	switch op {
	case protocol.OpGetPNN:
		return protocol.PNNReply{PNN: dst}, nil
	case protocol.OpPing:
		if f.shutdown {
			f.dropAll()
			return nil, protocol.Errorf(protocol.StatusShuttingDown, "shutting down")
		}
		return protocol.PingReply{Clients: n.clients}, nil
	case protocol.OpGetPID:
		return protocol.PIDReply{PID: n.pid}, nil
	case protocol.OpGetNodemap:
		f.applyPending()
		return protocol.Nodemap{Nodes: append([]protocol.NodeInfo(nil), f.nodes...)}, nil
	case protocol.OpGetStatus:
		return protocol.Status{PNN: dst, Nodes: f.nodes, Generation: f.generation,
			VNNMap: f.vnnmap, RecMode: f.recmode, Leader: f.leader}, nil
	case protocol.OpGetRunstate:
		return protocol.Runstate{Name: n.runstate}, nil
	case protocol.OpGetReclock:
		return protocol.Reclock{Value: n.reclock}, nil
	case protocol.OpListTunables:
		return protocol.TunableList{Vars: n.tunables}, nil
	case protocol.OpSetTunable:
		return nil, n.setTunable(*req.(*protocol.Tunable))
	case protocol.OpUptime:
		return n.uptime, nil
	case protocol.OpGetDebug:
		return protocol.DebugLevel{Level: n.debug}, nil
	case protocol.OpSetDebug:
		n.debug = req.(*protocol.DebugLevel).Level
		return nil, nil
	case protocol.OpShutdown:
		f.shutdown = dst == f.local
		return nil, nil
	case protocol.OpEventStatus:
		ev := req.(*protocol.EventName).Event
		st, ok := n.events[ev]
		if !ok {
			return protocol.EventStatus{Event: ev, NeverRun: true}, nil
		}
		return st, nil
	case protocol.OpEventRun:
		return n.run(req.(*protocol.EventRun).Event)
	case protocol.OpEventScriptList:
		return protocol.ScriptList{Scripts: n.scripts, Packaged: n.packaged}, nil
	case protocol.OpEventScriptSet:
		return nil, n.setScript(*req.(*protocol.ScriptSet))
	case protocol.OpModifyFlags:
		f.pending = append(f.pending, pendingFlags{dst, *req.(*protocol.ModifyFlags), f.flagDelay})
		f.applyPending()
		return nil, nil
	case protocol.OpGetCapabilities:
		return n.caps, nil
	case protocol.OpGetVersion:
		return protocol.VersionReply{Version: n.version}, nil
	case protocol.OpGetPublicIPs, protocol.OpGetIfaces, protocol.OpMoveIP, protocol.OpAddIP, protocol.OpDelIP,
		protocol.OpReloadIPs, protocol.OpGratARP, protocol.OpTakeoverRun:
		return f.answerIP(dst, n, op, req)
	case protocol.OpGetTickles, protocol.OpAddTickle, protocol.OpDelTickle, protocol.OpSetIfaceLink,
		protocol.OpProcessExists, protocol.OpSetCapabilities, protocol.OpRecover, protocol.OpDumpMemory,
		protocol.OpRecdDumpMemory:
		return f.answerScript(dst, n, op, req)
	}
	return nil, protocol.Errorf(protocol.StatusUnknownOp, "not served by the fake")
}

// applyPending applies flag changes whose delay has run out; it counts
// one nodemap read per call.
func (f *fakeCluster) applyPending() {
	var keep []pendingFlags
	for _, p := range f.pending {
		if p.after == 0 {
			f.nodes[p.pnn].Flags = (f.nodes[p.pnn].Flags | p.req.Set) &^ p.req.Clear
			continue
		}
		if p.after > 0 {
			p.after--
		}
		keep = append(keep, p)
	}
	f.pending = keep
}

func (n *fakeNode) setTunable(t protocol.Tunable) error {
	for i := range n.tunables {
		if n.tunables[i].Name == t.Name {
			n.tunables[i].Value = t.Value
			return nil
		}
	}
	return protocol.Errorf(protocol.StatusNotFound, "Unable to set tunable variable '%s'", t.Name)
}

func (n *fakeNode) setScript(s protocol.ScriptSet) error {
	for i := range n.scripts {
		if n.scripts[i].Name == s.Name {
			n.scripts[i].Enabled = s.Enable
			return nil
		}
	}
	return protocol.Errorf(protocol.StatusNotFound, "script %s does not exist", s.Name)
}

// run answers an event run with the canned result, which, as in a real
// daemon, becomes the event's status.
func (n *fakeNode) run(event string) (any, error) {
	r, ok := n.runs[event]
	if !ok {
		return nil, protocol.Errorf(protocol.StatusBadRequest, "invalid event name %q", event)
	}
	if r.status != 0 {
		return nil, protocol.Errorf(r.status, "event %s: status %d", event, r.status)
	}
	n.events[event] = r.reply
	return r.reply, nil
}

// stepClock is a clock that advances 51µs at each reading, so ping's
// round trip is stable.
func stepClock() func() time.Time {
	var mu sync.Mutex
	now := t0
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(51 * time.Microsecond)
		return now
	}
}

// stdinKey in runTool's env map is the tool's standard input.
const stdinKey = "<stdin>"

// result is one run of the tool.
type result struct {
	stdout, stderr string
	code           int
}

// runTool runs the tool against the socket at path.
func runTool(path string, env map[string]string, args ...string) result {
	var out, errOut bytesBuffer
	r := &Runner{Stdout: &out, Stderr: &errOut, Now: stepClock(), PollInterval: 5 * time.Millisecond,
		Stdin: strings.NewReader(env[stdinKey]),
		Getenv: func(k string) string {
			if v, ok := env[k]; ok {
				return v
			}
			if k == "CTDB_SOCKET" {
				return path
			}
			return ""
		}}
	code := r.Run(args)
	return result{out.String(), errOut.String(), code}
}

// bytesBuffer is a strings.Builder usable as an io.Writer target for
// both streams.
type bytesBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (b *bytesBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b = append(b.b, p...)
	return len(p), nil
}

func (b *bytesBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.b)
}

// staleSocket leaves a socket file nobody listens on, as a crashed
// daemon does.
func staleSocket(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ctdbcli")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "ctdbd.socket")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatal(fmt.Errorf("stale socket not left behind: %w", err))
	}
	return path
}
