// Package transport carries frames between ctdbd daemons.
//
// Transport is the interface ctdbd uses; TCP is the real implementation and
// MemNetwork builds in-memory transports for in-process cluster tests, with
// partitions and kills. Both share the same semantics:
//
//   - Send never blocks on the network. Each connected peer has a bounded
//     queue; a disconnected peer or a full queue is an error at once
//     (ErrNotConnected, ErrQueueFull). Send fills SrcPNN (our PNN) and DstPNN
//     (dst) in the header; Broadcast sets DstPNN to protocol.PNNBroadcast.
//   - Recv delivers frames from peers in order per peer. With TCP it also
//     delivers the peers' keepalives (Op protocol.OpKeepalive, body a
//     protocol.Keepalive) so ctdbd can read the payload it piggy-backs on
//     them; handshake frames are never delivered.
//   - Events reports every change of a peer's state, in order: Connected
//     true when a connection is up, false when it is lost. A peer that
//     restarts and reconnects before the old connection was noticed dead
//     gives a false event followed by a true one.
//   - Close stops every goroutine before it returns, then closes the Recv
//     and Events channels.
//
// The TCP transport keeps exactly one connection per pair of nodes: the
// lower PNN dials the higher one, and the acceptor checks the dialer's
// address and claimed PNN against the nodes file. A peer is declared
// disconnected on EOF or a socket error at once, and after
// KeepaliveLimit x KeepaliveInterval without receiving anything from it.
package transport
