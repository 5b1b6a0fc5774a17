package transport

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/sirupsen/logrus"
)

// Defaults of TCPConfig, as in CTDB.
const (
	DefaultPort              = 4379
	DefaultKeepaliveInterval = 5 * time.Second
	DefaultKeepaliveLimit    = 5
	DefaultQueueLength       = 1000
	DefaultHandshakeTimeout  = 3 * time.Second
)

// Dial retry backoff while a peer is not connected.
const (
	dialBackoffMin = 100 * time.Millisecond
	dialBackoffMax = time.Second
)

// TCPConfig configures NewTCP. Zero values mean the defaults above.
type TCPConfig struct {
	// MyPNN is this node; it must be an active node of Nodes, and the
	// transport listens on its address.
	MyPNN uint32
	// Nodes is the nodes file. Every node uses the same Port on its own
	// address (several nodes on one machine use 127.0.0.1, 127.0.0.2...).
	Nodes []Node
	Port  int
	// KeepaliveInterval is how often a keepalive goes to each connected
	// peer. A peer from which nothing was received for KeepaliveLimit
	// intervals is declared disconnected: a shorter interval or a lower
	// limit detects a silent peer sooner but risks dropping a merely slow
	// one. A peer that closes its socket or dies is detected at once
	// regardless. Both can be changed at run time with SetKeepalive.
	KeepaliveInterval time.Duration
	KeepaliveLimit    int
	// WriteTimeout bounds one write to a peer; a peer that does not read
	// for that long is disconnected. Zero means KeepaliveInterval x
	// KeepaliveLimit (taken at each write, so it follows SetKeepalive).
	WriteTimeout time.Duration
	// HandshakeTimeout bounds the dial and the hello exchange.
	HandshakeTimeout time.Duration
	// QueueLength is the number of frames queued per peer before Send
	// returns ErrQueueFull.
	QueueLength int
	// MaxFrameSize bounds received and sent frames; a peer sending a larger
	// one is disconnected. Zero means protocol.MaxFrameSize.
	MaxFrameSize int
	// Payload, when set, is called for each keepalive round; its result
	// travels in the keepalive body (protocol.Keepalive.Payload).
	Payload func() []byte
	// Log receives connection state changes and refusals; nil discards.
	Log *logrus.Entry
	// Software is this node's ctdbd version, sent in the hello so that a
	// refusal can name both sides' versions.
	Software string
	// ProtocolVersion is the node protocol version this node speaks; 0
	// means protocol.TransportVersion (tests set another to check that
	// nodes speaking different versions refuse each other).
	ProtocolVersion uint16
}

func (c TCPConfig) withDefaults() TCPConfig {
	if c.Port == 0 {
		c.Port = DefaultPort
	}
	if c.KeepaliveInterval == 0 {
		c.KeepaliveInterval = DefaultKeepaliveInterval
	}
	if c.KeepaliveLimit == 0 {
		c.KeepaliveLimit = DefaultKeepaliveLimit
	}
	if c.ProtocolVersion == 0 {
		c.ProtocolVersion = protocol.TransportVersion
	}
	if c.HandshakeTimeout == 0 {
		c.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if c.QueueLength == 0 {
		c.QueueLength = DefaultQueueLength
	}
	if c.MaxFrameSize == 0 {
		c.MaxFrameSize = protocol.MaxFrameSize
	}
	if c.Log == nil {
		l := logrus.New()
		l.Out = discard{}
		c.Log = logrus.NewEntry(l)
	}
	return c
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// validate checks the configuration and returns our own address.
func (c TCPConfig) validate() (netip.Addr, error) {
	switch {
	case c.Port < 1 || c.Port > 65535:
		return netip.Addr{}, fmt.Errorf("transport: port %d out of range 1..65535", c.Port)
	case c.KeepaliveInterval < 0 || c.KeepaliveLimit < 0:
		return netip.Addr{}, fmt.Errorf("transport: negative keepalive interval %v or limit %d", c.KeepaliveInterval, c.KeepaliveLimit)
	case c.QueueLength < 0 || c.MaxFrameSize < protocol.HeaderSize || c.MaxFrameSize > protocol.MaxFrameSize:
		return netip.Addr{}, fmt.Errorf("transport: bad queue length %d or frame size %d (%d..%d)",
			c.QueueLength, c.MaxFrameSize, protocol.HeaderSize, protocol.MaxFrameSize)
	}
	if err := checkNodes(c.Nodes); err != nil {
		return netip.Addr{}, err
	}
	for _, n := range c.Nodes {
		if n.PNN == c.MyPNN && !n.Deleted {
			return n.Addr, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("transport: my PNN %d is not an active node of the nodes list", c.MyPNN)
}

// checkNodes refuses duplicate PNNs, duplicate addresses and active nodes
// without an address.
func checkNodes(nodes []Node) error {
	pnns := map[uint32]bool{}
	addrs := map[netip.Addr]uint32{}
	for _, n := range nodes {
		if pnns[n.PNN] {
			return fmt.Errorf("transport: duplicate PNN %d in the nodes list", n.PNN)
		}
		pnns[n.PNN] = true
		if n.Deleted {
			continue
		}
		if !n.Addr.IsValid() {
			return fmt.Errorf("transport: node %d has no address", n.PNN)
		}
		if other, dup := addrs[n.Addr.Unmap()]; dup {
			return fmt.Errorf("transport: nodes %d and %d have the same address %s", other, n.PNN, n.Addr)
		}
		addrs[n.Addr.Unmap()] = n.PNN
	}
	return nil
}
