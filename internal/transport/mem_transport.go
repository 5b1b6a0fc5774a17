package transport

import (
	"fmt"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// memTransport is one node's end of a MemNetwork.
type memTransport struct {
	net    *MemNetwork
	pnn    uint32
	recv   chan protocol.Frame
	events *eventQueue
	stop   chan struct{}
	done   chan struct{} // the event pump ended

	// Guarded by net.mu.
	peers  map[uint32]bool // connected peers
	nodes  map[uint32]bool // nil: every node
	closed bool
}

var _ Transport = (*memTransport)(nil)

func newMemTransport(n *MemNetwork, pnn uint32) *memTransport {
	t := &memTransport{net: n, pnn: pnn, recv: make(chan protocol.Frame, memQueueLength),
		events: newEventQueue(), stop: make(chan struct{}), done: make(chan struct{}), peers: map[uint32]bool{}}
	go func() {
		defer close(t.done)
		t.events.run(t.stop)
	}()
	return t
}

func (t *memTransport) knows(pnn uint32) bool { return t.nodes == nil || t.nodes[pnn] }

func (t *memTransport) setLinked(pnn uint32, up bool) {
	if t.peers[pnn] == up {
		return
	}
	if up {
		t.peers[pnn] = true
	} else {
		delete(t.peers, pnn)
	}
	t.events.push(Event{PNN: pnn, Connected: up})
}

func (t *memTransport) Send(dst uint32, h protocol.Header, body []byte) error {
	h.SrcPNN, h.DstPNN = t.pnn, dst
	t.net.mu.Lock()
	defer t.net.mu.Unlock()
	if t.closed {
		return ErrClosed
	}
	if !t.peers[dst] {
		return notConnected(dst)
	}
	return t.net.nodes[dst].put(h, body)
}

func (t *memTransport) Broadcast(h protocol.Header, body []byte) {
	h.SrcPNN, h.DstPNN = t.pnn, protocol.PNNBroadcast
	t.net.mu.Lock()
	defer t.net.mu.Unlock()
	if t.closed {
		return
	}
	for pnn := range t.peers {
		_ = t.net.nodes[pnn].put(h, body)
	}
}

// put delivers a frame encoded and decoded as on the wire, so the receiver
// sees the same header fields and its own copy of the body.
func (t *memTransport) put(h protocol.Header, body []byte) error {
	b, err := protocol.Encode(h, body)
	if err != nil {
		return fmt.Errorf("node %d: %w", t.pnn, err)
	}
	f, err := protocol.Decode(b, 0)
	if err != nil {
		return fmt.Errorf("node %d: %w", t.pnn, err)
	}
	select {
	case t.recv <- f:
		return nil
	default:
		return fmt.Errorf("node %d: %w", t.pnn, ErrQueueFull)
	}
}

func (t *memTransport) Recv() <-chan protocol.Frame { return t.recv }

func (t *memTransport) Events() <-chan Event { return t.events.out }

func (t *memTransport) Connected(pnn uint32) bool {
	t.net.mu.Lock()
	defer t.net.mu.Unlock()
	return t.peers[pnn]
}

// SetNodes limits the peers to the active nodes of the list.
func (t *memTransport) SetNodes(nodes []Node) {
	t.net.mu.Lock()
	defer t.net.mu.Unlock()
	if t.closed {
		return
	}
	t.nodes = map[uint32]bool{}
	for _, n := range nodes {
		if !n.Deleted {
			t.nodes[n.PNN] = true
		}
	}
	t.net.updateLocked()
}

// Close takes the node off the network: peers see it disconnected.
func (t *memTransport) Close() error {
	t.net.mu.Lock()
	if t.closed {
		t.net.mu.Unlock()
		return nil
	}
	t.closed = true
	if t.net.nodes[t.pnn] == t {
		delete(t.net.nodes, t.pnn)
	}
	t.net.updateLocked()
	close(t.stop)
	close(t.recv)
	t.net.mu.Unlock()
	<-t.done
	return nil
}
