package transport

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

func startThree(t *testing.T, mut func(*TCPConfig)) *cluster {
	c := newCluster(t, nodeList(0, 1, 2), mut)
	for pnn := uint32(0); pnn < 3; pnn++ {
		c.start(pnn)
	}
	waitConnected(t, c, 0, 1, 2)
	return c
}

func TestTCP_ThreeNodesConnect(t *testing.T) {
	checkLeaks(t)
	c := startThree(t, nil)
	for a := uint32(0); a < 3; a++ {
		for b := uint32(0); b < 3; b++ {
			if got := c.tr[a].Connected(b); got != (a != b) {
				t.Errorf("node %d: Connected(%d) = %v", a, b, got)
			}
		}
		c.logs[a].wait(t, time.Second, "is now connected")
	}
	if err := c.tr[0].Send(7, protocol.Header{}, nil); !errors.Is(err, ErrNotConnected) {
		t.Errorf("Send to unknown node: %v", err)
	}
	if err := c.tr[0].Send(0, protocol.Header{}, nil); !errors.Is(err, ErrNotConnected) {
		t.Errorf("Send to self: %v", err)
	}
	if err := c.tr[0].Send(1, protocol.Header{Kind: 7}, nil); !errors.Is(err, protocol.ErrKind) {
		t.Errorf("Send with a bad kind: %v", err)
	}
}

func TestTCP_SendAndBroadcastHeaders(t *testing.T) {
	checkLeaks(t)
	c := startThree(t, nil)
	h := protocol.Header{Kind: protocol.KindRequest, Op: protocol.OpGetPNN, ReqID: 42, Generation: 77,
		SrcPNN: 99, DstPNN: 99} // Src and Dst are overwritten
	body := []byte(`{"x":1}`)
	if err := c.tr[2].Send(0, h, body); err != nil {
		t.Fatal(err)
	}
	f := recvOp(t, c.tr[0], protocol.OpGetPNN, 2*time.Second)
	if f.SrcPNN != 2 || f.DstPNN != 0 || f.Generation != 77 || f.ReqID != 42 || f.Kind != protocol.KindRequest ||
		!bytes.Equal(f.Body, body) {
		t.Fatalf("got %+v body %q", f.Header, f.Body)
	}

	h.Op = protocol.OpGetStatus
	c.tr[1].Broadcast(h, body)
	for _, pnn := range []uint32{0, 2} {
		f := recvOp(t, c.tr[pnn], protocol.OpGetStatus, 2*time.Second)
		if f.SrcPNN != 1 || f.DstPNN != protocol.PNNBroadcast || f.Generation != 77 || !bytes.Equal(f.Body, body) {
			t.Fatalf("node %d got %+v body %q", pnn, f.Header, f.Body)
		}
	}
	select {
	case f := <-c.tr[1].Recv():
		if f.Op == protocol.OpGetStatus {
			t.Fatal("broadcast delivered to its sender")
		}
	default:
	}
}

// Frames from one peer arrive in the order they were sent.
func TestTCP_OrderPerPeer(t *testing.T) {
	checkLeaks(t)
	c := startThree(t, nil)
	const n = 500
	for i := 0; i < n; i++ {
		if err := c.tr[0].Send(1, protocol.Header{Kind: protocol.KindMessage, Op: protocol.OpPing, ReqID: uint32(i)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < n; i++ {
		if f := recvOp(t, c.tr[1], protocol.OpPing, 2*time.Second); f.ReqID != uint32(i) {
			t.Fatalf("frame %d has ReqID %d", i, f.ReqID)
		}
	}
}

// A closed (or killed) node is seen disconnected at once through the TCP
// close, long before the keepalive limit, and reconnects when restarted.
func TestTCP_CloseDetectedAtOnceAndRestartReconnects(t *testing.T) {
	checkLeaks(t)
	c := startThree(t, func(cfg *TCPConfig) { cfg.KeepaliveInterval, cfg.KeepaliveLimit = 2*time.Second, 5 })
	for _, victim := range []uint32{2, 0} { // highest (acceptor only) and lowest (dialer only)
		start := time.Now()
		c.tr[victim].Close()
		for pnn := uint32(0); pnn < 3; pnn++ {
			if pnn == victim {
				continue
			}
			waitEvent(t, c.tr[pnn], Event{PNN: victim, Connected: false}, time.Second)
			if c.tr[pnn].Connected(victim) {
				t.Fatalf("node %d still says %d is connected", pnn, victim)
			}
			c.logs[pnn].wait(t, time.Second, "Node", "is now disconnected", "closed by peer")
		}
		if el := time.Since(start); el > 300*time.Millisecond {
			t.Fatalf("disconnect seen after %v", el)
		}
		if c.tr[victim].Connected(1) {
			t.Fatal("closed transport says it is connected")
		}
		if _, ok := <-c.tr[victim].Events(); ok {
			t.Fatal("events channel of a closed transport still open")
		}
		if err := c.tr[victim].Send(1, protocol.Header{}, nil); !errors.Is(err, ErrClosed) {
			t.Fatalf("Send after Close: %v", err)
		}
		c.start(victim)
		waitUp(t, c.tr[victim], others(victim)...)
		for _, pnn := range others(victim) {
			waitUp(t, c.tr[pnn], victim)
		}
	}
}

func TestTCP_SilentPeerDroppedAfterKeepaliveLimit(t *testing.T) {
	checkLeaks(t)
	c := newCluster(t, nodeList(0, 1), func(cfg *TCPConfig) { cfg.KeepaliveInterval, cfg.KeepaliveLimit = 100*time.Millisecond, 3 })
	tr := c.start(1)
	fake := dialFrom(t, addr(0), addr(1), c.port) // node 0, then silent
	fake.handshake(t, 0, 1)
	start := time.Now()
	waitEvent(t, tr, Event{PNN: 0, Connected: true}, time.Second)
	waitEvent(t, tr, Event{PNN: 0, Connected: false}, 2*time.Second)
	el := time.Since(start)
	if el < 300*time.Millisecond || el > 700*time.Millisecond {
		t.Fatalf("silent peer dropped after %v, want about 300-400ms", el)
	}
	c.logs[1].wait(t, time.Second, "Node 0 is now disconnected", "nothing received", "KeepaliveLimit 3")
	fake.waitClosed(t, time.Second)
	if st := tr.Stats(); st.KeepalivesSent < 2 {
		t.Errorf("keepalives sent to the silent peer: %d", st.KeepalivesSent)
	}
}

// Live peers keep each other connected with keepalives, and the keepalive
// payload reaches ctdbd through Recv.
func TestTCP_KeepalivesKeepPeersAndCarryPayload(t *testing.T) {
	checkLeaks(t)
	c := newCluster(t, nodeList(0, 1), func(cfg *TCPConfig) {
		cfg.KeepaliveInterval, cfg.KeepaliveLimit = 50*time.Millisecond, 2
		pnn := cfg.MyPNN
		cfg.Payload = func() []byte { return []byte{'n', byte('0' + pnn)} }
	})
	c.start(0)
	c.start(1)
	waitConnected(t, c, 0, 1)
	// 10 keepalives = 500ms, well past the 100ms limit.
	for i := 0; i < 10; i++ {
		f := recvOp(t, c.tr[1], protocol.OpKeepalive, time.Second)
		var ka protocol.Keepalive
		if err := protocol.UnmarshalBody(f.Body, &ka); err != nil || string(ka.Payload) != "n0" || f.SrcPNN != 0 || f.DstPNN != 1 {
			t.Fatalf("keepalive %+v payload %q err %v", f.Header, ka.Payload, err)
		}
	}
	noEvent(t, c.tr[1], 0)
	if !c.tr[1].Connected(0) || !c.tr[0].Connected(1) {
		t.Fatal("peers dropped despite keepalives")
	}
	if st := c.tr[1].Stats(); st.KeepalivesRecv < 10 || st.KeepalivesSent == 0 {
		t.Fatalf("stats %+v", st)
	}
}

// SetKeepalive applies at run time: a long limit becomes a short one.
func TestTCP_SetKeepaliveAtRunTime(t *testing.T) {
	checkLeaks(t)
	c := newCluster(t, nodeList(0, 1), func(cfg *TCPConfig) { cfg.KeepaliveInterval, cfg.KeepaliveLimit = 5*time.Second, 5 })
	tr := c.start(1)
	fake := dialFrom(t, addr(0), addr(1), c.port)
	fake.handshake(t, 0, 1)
	waitEvent(t, tr, Event{PNN: 0, Connected: true}, time.Second)
	start := time.Now()
	tr.SetKeepalive(50*time.Millisecond, 2)
	waitEvent(t, tr, Event{PNN: 0, Connected: false}, 2*time.Second)
	if el := time.Since(start); el > time.Second {
		t.Fatalf("dropped after %v with the new 100ms limit", el)
	}
}

func TestTCP_RefusesAddressNotInNodesFile(t *testing.T) {
	checkLeaks(t)
	c := newCluster(t, nodeList(0, 1), nil)
	tr := c.start(1)
	stranger := netipMust("127.0.0.99")
	fake := dialFrom(t, stranger, addr(1), c.port)
	fake.waitClosed(t, time.Second)
	c.logs[1].wait(t, time.Second, "Refused connection from 127.0.0.99", "not an active node in the nodes file")
	noEvent(t, tr, 50*time.Millisecond)
}

func TestTCP_RefusesBadHello(t *testing.T) {
	cases := []struct {
		name     string
		from     uint32 // address used
		helloPNN uint32
		hello    func(t *testing.T, f *fakePeer)
		logWant  string
	}{
		{name: "claims another node's PNN", from: 0, helloPNN: 1, logWant: "claims to be node 1 but 127.0.0.1 is node 0"},
		{name: "claims an unknown PNN", from: 0, helloPNN: 9, logWant: "claims to be node 9"},
		{name: "higher PNN dials", from: 3, helloPNN: 3, logWant: "node 3 must not dial node 2"},
		{name: "claims our own PNN", from: 0, helloPNN: 2, logWant: "claims to be node 2"},
		{name: "not a hello", from: 0, logWant: "not a hello", hello: func(t *testing.T, f *fakePeer) {
			f.writeFrame(t, protocol.Header{Kind: protocol.KindMessage, Op: protocol.OpKeepalive, SrcPNN: 0}, protocol.Keepalive{})
		}},
		{name: "garbage", from: 0, logWant: "bad magic", hello: func(t *testing.T, f *fakePeer) {
			f.nc.Write(bytes.Repeat([]byte("garbage!"), 10))
		}},
		{name: "other transport version", from: 0, logWant: "speaks node protocol version 9", hello: func(t *testing.T, f *fakePeer) {
			f.writeFrame(t, protocol.Header{Kind: protocol.KindMessage, Op: protocol.OpHello}, protocol.Hello{PNN: 0, Version: 9})
		}},
		// A later release may add fields to its hello: its version is
		// still read, and named in the refusal.
		{name: "later release's hello", from: 0, logWant: "node 0 speaks node protocol version 7 (ctdbd 9.9)", hello: func(t *testing.T, f *fakePeer) {
			f.writeFrame(t, protocol.Header{Kind: protocol.KindMessage, Op: protocol.OpHello},
				map[string]any{"pnn": 0, "version": 7, "software": "9.9", "features": []string{"x"}})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkLeaks(t)
			c := newCluster(t, nodeList(0, 1, 2, 3), nil)
			tr := c.start(2)
			fake := dialFrom(t, addr(tc.from), addr(2), c.port)
			if tc.hello != nil {
				tc.hello(t, fake)
			} else {
				fake.hello(t, tc.helloPNN, 2)
			}
			fake.waitClosed(t, time.Second)
			c.logs[2].wait(t, time.Second, "Refused connection from "+addr(tc.from).String(), tc.logWant)
			noEvent(t, tr, 20*time.Millisecond)
		})
	}
}

// After the handshake, a peer sending garbage, an oversize frame or a
// frame in another node's name is disconnected.
func TestTCP_BadFramesCloseConnection(t *testing.T) {
	cases := []struct {
		name    string
		send    func(t *testing.T, f *fakePeer)
		logWant string
	}{
		{"garbage", func(t *testing.T, f *fakePeer) { f.nc.Write(bytes.Repeat([]byte{0xde, 0xad}, 40)) }, "bad magic"},
		{"oversize", func(t *testing.T, f *fakePeer) {
			b := make([]byte, protocol.HeaderSize)
			protocol.MarshalHeader(b, protocol.Header{Length: 1 << 20, Magic: protocol.Magic, Version: protocol.Version,
				Kind: protocol.KindMessage, SrcPNN: 0})
			f.nc.Write(b)
		}, "frame too large"},
		{"wrong source", func(t *testing.T, f *fakePeer) {
			f.writeFrame(t, protocol.Header{Kind: protocol.KindMessage, Op: protocol.OpPing, SrcPNN: 1}, protocol.Empty{})
		}, "source PNN 1 on the connection of node 0"},
		{"second hello", func(t *testing.T, f *fakePeer) { f.hello(t, 0, 2) }, "hello after the handshake"},
		{"truncated", func(t *testing.T, f *fakePeer) {
			b, _ := protocol.Encode(protocol.Header{Kind: protocol.KindMessage, Op: protocol.OpPing}, []byte("{}"))
			f.nc.Write(b[:len(b)-1])
			f.nc.(interface{ CloseWrite() error }).CloseWrite()
		}, "truncated"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkLeaks(t)
			c := newCluster(t, nodeList(0, 1, 2), func(cfg *TCPConfig) { cfg.MaxFrameSize = 64 << 10 })
			tr := c.start(2)
			fake := dialFrom(t, addr(0), addr(2), c.port)
			fake.handshake(t, 0, 2)
			waitEvent(t, tr, Event{PNN: 0, Connected: true}, time.Second)
			tc.send(t, fake)
			waitEvent(t, tr, Event{PNN: 0, Connected: false}, time.Second)
			fake.waitClosed(t, time.Second)
			c.logs[2].wait(t, time.Second, "Node 0 is now disconnected", tc.logWant)
		})
	}
}

// A frame over the receiver's limit drops the connection; the dialer
// connects again by itself.
func TestTCP_OversizeFromRealPeerReconnects(t *testing.T) {
	checkLeaks(t)
	c := newCluster(t, nodeList(0, 1), nil)
	c.start(0)
	cfg := c.config(1)
	cfg.MaxFrameSize = 4096
	c.startWith(cfg)
	waitConnected(t, c, 0, 1)
	if err := c.tr[0].Send(1, protocol.Header{Kind: protocol.KindMessage, Op: protocol.OpPing}, make([]byte, 8192)); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c.tr[1], Event{PNN: 0, Connected: false}, time.Second)
	waitEvent(t, c.tr[0], Event{PNN: 1, Connected: false}, time.Second)
	waitUp(t, c.tr[0], 1)
	waitUp(t, c.tr[1], 0)
	// The receiver's own limit applies to what it sends.
	if err := c.tr[1].Send(0, protocol.Header{}, make([]byte, 8192)); !errors.Is(err, protocol.ErrTooLarge) {
		t.Fatalf("oversize Send: %v", err)
	}
}

// A peer that stops reading fills its queue: Send fails fast with
// ErrQueueFull instead of blocking, other peers are unaffected, and the
// write deadline drops the stuck peer.
func TestTCP_StuckPeerDoesNotBlock(t *testing.T) {
	checkLeaks(t)
	c := newCluster(t, nodeList(0, 1, 2), func(cfg *TCPConfig) {
		cfg.QueueLength = 4
		cfg.WriteTimeout = 300 * time.Millisecond
	})
	c.start(1)
	c.start(2)
	waitConnected(t, c, 1, 2)
	fake := dialFrom(t, addr(0), addr(1), c.port) // node 0: never reads
	fake.handshake(t, 0, 1)
	waitEvent(t, c.tr[1], Event{PNN: 0, Connected: true}, time.Second)

	big := make([]byte, 1<<20)
	h := protocol.Header{Kind: protocol.KindMessage, Op: protocol.OpPing}
	var err error
	for i := 0; i < 1000 && err == nil; i++ {
		start := time.Now()
		err = c.tr[1].Send(0, h, big)
		if el := time.Since(start); el > 100*time.Millisecond {
			t.Fatalf("Send blocked for %v", el)
		}
	}
	if !errors.Is(err, ErrQueueFull) && !errors.Is(err, ErrNotConnected) {
		t.Fatalf("Send to a stuck peer: %v", err)
	}
	if err := c.tr[1].Send(2, h, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	recvOp(t, c.tr[2], protocol.OpPing, time.Second)
	waitEvent(t, c.tr[1], Event{PNN: 0, Connected: false}, 2*time.Second)
	c.logs[1].wait(t, time.Second, "Node 0 is now disconnected", "write")
}

// A peer that restarts and reconnects before its old connection was seen
// dead replaces it: disconnected, then connected.
func TestTCP_NewConnectionReplacesOld(t *testing.T) {
	checkLeaks(t)
	c := newCluster(t, nodeList(0, 1), nil)
	tr := c.start(1)
	old := dialFrom(t, addr(0), addr(1), c.port)
	old.handshake(t, 0, 1)
	waitEvent(t, tr, Event{PNN: 0, Connected: true}, time.Second)
	fresh := dialFrom(t, addr(0), addr(1), c.port)
	fresh.handshake(t, 0, 1)
	waitEvent(t, tr, Event{PNN: 0, Connected: false}, time.Second)
	waitEvent(t, tr, Event{PNN: 0, Connected: true}, time.Second)
	old.waitClosed(t, time.Second)
	if err := tr.Send(0, protocol.Header{Kind: protocol.KindMessage, Op: protocol.OpPing}, nil); err != nil {
		t.Fatal(err)
	}
	fresh.nc.SetReadDeadline(time.Now().Add(time.Second))
	f, err := protocol.ReadFrame(fresh.br, 0)
	if err != nil || f.Op != protocol.OpPing {
		t.Fatalf("new connection got %+v %v", f.Header, err)
	}
}

func TestTCP_SetNodesAddsAndRemoves(t *testing.T) {
	checkLeaks(t)
	c := newCluster(t, nodeList(0, 1), nil)
	c.start(0)
	c.start(1)
	waitConnected(t, c, 0, 1)

	all := nodeList(0, 1, 2)
	c.nodes = all
	c.start(2)
	c.tr[0].SetNodes(all)
	c.tr[1].SetNodes(all)
	waitUp(t, c.tr[0], 2)
	waitUp(t, c.tr[1], 2)
	waitUp(t, c.tr[2], 0, 1)

	// Node 2 is deleted on node 0 only: node 0 drops it and stops dialing.
	deleted := nodeList(0, 1, 2)
	deleted[2].Deleted = true
	c.tr[0].SetNodes(deleted)
	waitEvent(t, c.tr[0], Event{PNN: 2, Connected: false}, time.Second)
	waitEvent(t, c.tr[2], Event{PNN: 0, Connected: false}, time.Second)
	noEvent(t, c.tr[2], 300*time.Millisecond) // no redial from node 0
	if !c.tr[1].Connected(2) {
		t.Fatal("node 1 lost node 2")
	}

	// A list that drops this node itself is refused.
	c.tr[1].SetNodes(nodeList(0, 2))
	c.logs[1].wait(t, time.Second, "Ignoring new nodes list")
	if !c.tr[1].Connected(0) || !c.tr[1].Connected(2) {
		t.Fatal("node 1 applied a list without itself")
	}
}

func TestNewTCP_ConfigErrors(t *testing.T) {
	cases := []struct {
		name string
		cfg  TCPConfig
		want string
	}{
		{"pnn not in nodes", TCPConfig{MyPNN: 5, Nodes: nodeList(0, 1)}, "my PNN 5"},
		{"pnn deleted", TCPConfig{MyPNN: 1, Nodes: []Node{{PNN: 0, Addr: addr(0)}, {PNN: 1, Deleted: true}}}, "my PNN 1"},
		{"duplicate pnn", TCPConfig{MyPNN: 0, Nodes: []Node{{PNN: 0, Addr: addr(0)}, {PNN: 0, Addr: addr(1)}}}, "duplicate PNN 0"},
		{"duplicate addr", TCPConfig{MyPNN: 0, Nodes: []Node{{PNN: 0, Addr: addr(0)}, {PNN: 1, Addr: addr(0)}}}, "same address"},
		{"port", TCPConfig{MyPNN: 0, Nodes: nodeList(0), Port: 70000}, "port 70000"},
		{"frame size", TCPConfig{MyPNN: 0, Nodes: nodeList(0), MaxFrameSize: 10}, "frame size"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := NewTCP(tc.cfg)
			if err == nil {
				tr.Close()
				t.Fatal("accepted")
			}
			if !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
		})
	}
	port := freePort(t)
	busy := newCluster(t, nodeList(0), nil)
	busy.port = port
	busy.start(0)
	if _, err := NewTCP(TCPConfig{MyPNN: 0, Nodes: nodeList(0), Port: port}); err == nil {
		t.Fatal("second listener on a busy port accepted")
	}
}

func others(pnn uint32) []uint32 {
	var o []uint32
	for p := uint32(0); p < 3; p++ {
		if p != pnn {
			o = append(o, p)
		}
	}
	return o
}

// TestVersionRefused: two nodes speaking different node protocol versions
// never connect, and each logs, once, why: both versions and both
// releases.
func TestVersionRefused(t *testing.T) {
	checkLeaks(t)
	c := newCluster(t, nodeList(0, 1), func(cfg *TCPConfig) { cfg.Software = "4.0.0" })
	old := c.config(0)
	old.ProtocolVersion, old.Software = protocol.TransportVersion+1, "5.0.0"
	t0 := c.startWith(old)
	t1 := c.start(1)
	want := []string{"speaks node protocol version", "nodes of one cluster must speak the same version"}
	c.logs[0].wait(t, 5*time.Second, append(want, "Refusing to join node 1: node 1 speaks node protocol version 1 (ctdbd 4.0.0), this node speaks version 2 (ctdbd 5.0.0)")...)
	c.logs[1].wait(t, 5*time.Second, append(want, "Refused connection from 127.0.0.1: node 0 speaks node protocol version 2 (ctdbd 5.0.0), this node speaks version 1 (ctdbd 4.0.0)")...)
	// The dialer retries every second: still no connection, and no
	// repeated log line.
	noEvent(t, t0, 2500*time.Millisecond)
	if t0.Connected(1) || t1.Connected(0) {
		t.Fatal("nodes of different protocol versions connected")
	}
	for pnn, lc := range c.logs {
		lc.mu.Lock()
		n := 0
		for _, l := range lc.lines {
			if strings.Contains(l, "speaks node protocol version") {
				n++
			}
		}
		lc.mu.Unlock()
		if n != 1 {
			t.Errorf("node %d logged the refusal %d times, want once", pnn, n)
		}
	}
}
