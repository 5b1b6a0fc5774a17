package transport

import (
	"errors"
	"net/netip"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// Transport is the node-to-node transport of ctdbd. See the package
// documentation for the semantics shared by the implementations.
type Transport interface {
	// Send queues a frame for node dst without blocking.
	Send(dst uint32, h protocol.Header, body []byte) error
	// Broadcast queues a frame for every connected peer; peers whose queue
	// is full miss it.
	Broadcast(h protocol.Header, body []byte)
	// Recv returns the channel of frames received from peers.
	Recv() <-chan protocol.Frame
	// Events returns the channel of peer state changes.
	Events() <-chan Event
	// Connected reports whether node pnn is connected now.
	Connected(pnn uint32) bool
	// SetNodes replaces the node list (the nodes file was reloaded): new
	// nodes are connected, removed or deleted ones are dropped.
	SetNodes(nodes []Node)
	// Close stops the transport and waits for its goroutines.
	Close() error
}

// Node is one line of the nodes file.
type Node struct {
	PNN     uint32
	Addr    netip.Addr
	Deleted bool
}

// Event is a change of a peer's connection state.
type Event struct {
	PNN       uint32
	Connected bool
}

// Errors of Send. They are wrapped with the destination node.
var (
	// ErrNotConnected: the destination is not connected (or unknown, or us).
	ErrNotConnected = errors.New("not connected")
	// ErrQueueFull: the destination's send queue is full; the peer is slow
	// or stuck and will be disconnected if it stays so.
	ErrQueueFull = errors.New("send queue full")
	// ErrClosed: the transport was closed.
	ErrClosed = errors.New("transport closed")
)
