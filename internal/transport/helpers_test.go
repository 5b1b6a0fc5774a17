package transport

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/logging/logtest"
	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/tests/harness"
	"github.com/ctdb-go/ctdb/tests/harness/poll"
	"github.com/sirupsen/logrus"
)

// checkLeaks fails the test if goroutines started during it are still
// running once its other cleanups (the transports' Close) have run. Call it
// first so its cleanup runs last.
func checkLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		if !poll.True(2*time.Second, 10*time.Millisecond, func() bool { return runtime.NumGoroutine() <= before }) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Errorf("goroutine leak: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:n])
		}
	})
}

// addr returns the loopback address of node pnn in tests: 127.0.0.(pnn+1).
func addr(pnn uint32) netip.Addr { return netip.AddrFrom4([4]byte{127, 0, 0, byte(pnn + 1)}) }

func nodeList(pnns ...uint32) []Node {
	var ns []Node
	for _, p := range pnns {
		ns = append(ns, Node{PNN: p, Addr: addr(p)})
	}
	return ns
}

// freePort returns a TCP port for a test cluster: every node listens on
// it, each on its own loopback address (see harness.FreePort).
func freePort(t *testing.T) int { return harness.MustFreePort(t) }

// logCapture is a logrus hook that records messages so tests can wait for
// a log line.
type logCapture struct {
	mu    sync.Mutex
	lines []string
}

func (c *logCapture) Levels() []logrus.Level { return logrus.AllLevels }

func (c *logCapture) Fire(e *logrus.Entry) error {
	line := e.Message
	if err, ok := e.Data[logrus.ErrorKey]; ok {
		line += fmt.Sprintf(" (error: %v)", err)
	}
	c.mu.Lock()
	c.lines = append(c.lines, line)
	c.mu.Unlock()
	return nil
}

func (c *logCapture) has(substrs ...string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range c.lines {
		if containsAll(l, substrs) {
			return true
		}
	}
	return false
}

func containsAll(s string, substrs []string) bool {
	for _, sub := range substrs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// wait waits for a log line containing every substring.
func (c *logCapture) wait(t *testing.T, d time.Duration, substrs ...string) {
	t.Helper()
	if !poll.True(d, 5*time.Millisecond, func() bool { return c.has(substrs...) }) {
		c.mu.Lock()
		defer c.mu.Unlock()
		t.Fatalf("no log line with %q; got:\n%s", substrs, strings.Join(c.lines, "\n"))
	}
}

// cluster runs TCP transports for a test on 127.0.0.N and one shared port.
type cluster struct {
	t     *testing.T
	port  int
	nodes []Node
	mut   func(*TCPConfig)
	tr    map[uint32]*TCP
	logs  map[uint32]*logCapture
}

func newCluster(t *testing.T, nodes []Node, mut func(*TCPConfig)) *cluster {
	return &cluster{t: t, port: freePort(t), nodes: nodes, mut: mut,
		tr: map[uint32]*TCP{}, logs: map[uint32]*logCapture{}}
}

func (c *cluster) config(pnn uint32) TCPConfig {
	lg := logtest.New(c.t, fmt.Sprintf("node%d", pnn))
	capture := &logCapture{}
	lg.AddHook(capture)
	c.logs[pnn] = capture
	cfg := TCPConfig{MyPNN: pnn, Nodes: c.nodes, Port: c.port,
		KeepaliveInterval: time.Second, KeepaliveLimit: 5, Log: logrus.NewEntry(lg.Logger)}
	if c.mut != nil {
		c.mut(&cfg)
	}
	return cfg
}

func (c *cluster) start(pnn uint32) *TCP {
	c.t.Helper()
	return c.startWith(c.config(pnn))
}

func (c *cluster) startWith(cfg TCPConfig) *TCP {
	c.t.Helper()
	tr, err := NewTCP(cfg)
	if err != nil {
		c.t.Fatalf("node %d: %v", cfg.MyPNN, err)
	}
	c.t.Cleanup(func() { tr.Close() })
	c.tr[cfg.MyPNN] = tr
	return tr
}

// waitEvent reads events until want arrives and returns the ones before it.
func waitEvent(t *testing.T, tr Transport, want Event, d time.Duration) []Event {
	t.Helper()
	var seen []Event
	timeout := time.After(d)
	for {
		select {
		case ev, ok := <-tr.Events():
			if !ok {
				t.Fatalf("events closed waiting for %+v (saw %+v)", want, seen)
			}
			if ev == want {
				return seen
			}
			seen = append(seen, ev)
		case <-timeout:
			t.Fatalf("no event %+v within %v (saw %+v)", want, d, seen)
		}
	}
}

// waitUp waits until tr has seen a connected event for each pnn, in any
// order (a disconnected event in between makes it wait again for that pnn).
func waitUp(t *testing.T, tr Transport, pnns ...uint32) {
	t.Helper()
	need := map[uint32]bool{}
	for _, p := range pnns {
		need[p] = true
	}
	var seen []Event
	timeout := time.After(3 * time.Second)
	for len(need) > 0 {
		select {
		case ev, ok := <-tr.Events():
			if !ok {
				t.Fatalf("events closed waiting for %v up (saw %+v)", pnns, seen)
			}
			seen = append(seen, ev)
			if ev.Connected {
				delete(need, ev.PNN)
			} else {
				need[ev.PNN] = true
			}
		case <-timeout:
			t.Fatalf("nodes %v not all up (saw %+v)", pnns, seen)
		}
	}
}

// waitConnected waits until each given node saw all the others connect.
func waitConnected(t *testing.T, c *cluster, pnns ...uint32) {
	t.Helper()
	for _, a := range pnns {
		var others []uint32
		for _, b := range pnns {
			if a != b {
				others = append(others, b)
			}
		}
		waitUp(t, c.tr[a], others...)
	}
}

// noEvent fails if an event arrives within d.
func noEvent(t *testing.T, tr Transport, d time.Duration) {
	t.Helper()
	select {
	case ev := <-tr.Events():
		t.Fatalf("unexpected event %+v", ev)
	case <-time.After(d):
	}
}

// recvOp returns the next frame with op, skipping others (keepalives).
func recvOp(t *testing.T, tr Transport, op protocol.Op, d time.Duration) protocol.Frame {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case f, ok := <-tr.Recv():
			if !ok {
				t.Fatal("recv closed")
			}
			if f.Op == op {
				return f
			}
		case <-timeout:
			t.Fatalf("no %s frame within %v", op, d)
		}
	}
}

// fakePeer is a raw socket speaking the protocol by hand, to misbehave.
type fakePeer struct {
	nc net.Conn
	br *bufio.Reader
}

// dialFrom connects from address from to a node's transport port.
func dialFrom(t *testing.T, from, to netip.Addr, port int) *fakePeer {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: from.AsSlice()}, Timeout: time.Second}
	nc, err := d.Dial("tcp", netip.AddrPortFrom(to, uint16(port)).String())
	if err != nil {
		t.Fatalf("dial from %s: %v", from, err)
	}
	t.Cleanup(func() { nc.Close() })
	return &fakePeer{nc: nc, br: bufio.NewReader(nc)}
}

func (f *fakePeer) writeFrame(t *testing.T, h protocol.Header, body any) {
	t.Helper()
	b, err := protocol.MarshalBody(body)
	if err != nil {
		t.Fatal(err)
	}
	if err := protocol.WriteFrame(f.nc, h, b); err != nil {
		t.Fatalf("fake peer write: %v", err)
	}
}

func (f *fakePeer) hello(t *testing.T, pnn, dst uint32) {
	t.Helper()
	f.writeFrame(t, protocol.Header{Kind: protocol.KindMessage, Op: protocol.OpHello, SrcPNN: pnn, DstPNN: dst},
		protocol.Hello{PNN: pnn, Version: protocol.TransportVersion})
}

// handshake sends a hello as node pnn and checks the answer.
func (f *fakePeer) handshake(t *testing.T, pnn, dst uint32) {
	t.Helper()
	f.hello(t, pnn, dst)
	f.nc.SetReadDeadline(time.Now().Add(2 * time.Second))
	h, err := (&TCP{cfg: TCPConfig{}.withDefaults()}).readHello(f.br)
	if err != nil || h.PNN != dst {
		t.Fatalf("hello answer: %+v %v", h, err)
	}
	f.nc.SetReadDeadline(time.Time{})
}

// waitClosed reads (and discards) until the other side closes the
// connection; it fails if that does not happen within d.
func (f *fakePeer) waitClosed(t *testing.T, d time.Duration) {
	t.Helper()
	f.nc.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 4096)
	for {
		_, err := f.br.Read(buf)
		if err == nil {
			continue
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("connection not closed within %v", d)
		}
		return
	}
}

func netipMust(s string) netip.Addr { return netip.MustParseAddr(s) }
