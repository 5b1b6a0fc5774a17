package protocol

// Operations of the node transport (internal/transport) between ctdbd
// daemons. They are one-way messages (KindMessage) and use numbers from 100
// up, away from the controls in messages.go.
const (
	// OpHello is the first frame on a new node-to-node connection, in both
	// directions: the dialer (the lower PNN) sends its Hello, the acceptor
	// checks it and answers with its own.
	OpHello Op = 100
	// OpKeepalive is sent to every connected peer each KeepaliveInterval.
	// Its body may carry a payload from ctdbd (its flags, generation...).
	OpKeepalive Op = 101
)

// TransportVersion is the version of the node transport's handshake and
// keepalive semantics, carried in Hello so that a peer speaking another one
// is refused with a clear message instead of misbehaving later.
const TransportVersion uint16 = 1

// Hello is the body of OpHello.
type Hello struct {
	PNN     uint32 `json:"pnn"`
	Version uint16 `json:"version"`
	// Software is the sender's ctdbd version, for the log line that
	// explains a refusal.
	Software string `json:"software,omitempty"`
}

// Keepalive is the body of OpKeepalive. Payload is opaque to the transport.
type Keepalive struct {
	Payload []byte `json:"payload,omitempty"`
	// Sent is the sender's clock (unix ns) when it sent this; Echo is the
	// Sent of the last keepalive it received from the destination, and
	// Held how long it had that one (ns): the destination's round trip is
	// now - Echo - Held, on its own clock only.
	Sent int64 `json:"sent,omitempty"`
	Echo int64 `json:"echo,omitempty"`
	Held int64 `json:"held,omitempty"`
}

func init() {
	Ops[OpHello] = OpInfo{"HELLO", newOf[Hello](), newOf[Empty]()}
	Ops[OpKeepalive] = OpInfo{"KEEPALIVE", newOf[Keepalive](), newOf[Empty]()}
}
