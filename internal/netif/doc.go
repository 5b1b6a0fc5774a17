// Package netif reads and changes what the kernel's network stack does for
// the public addresses ctdbd hosts, without starting processes:
//
//   - interface and address state over rtnetlink (Links, Ifaces, LinkUp,
//     Addrs, HasAddr), cheap enough to poll every few hundred milliseconds;
//   - gratuitous ARP (IPv4) and unsolicited neighbour advertisements (IPv6)
//     through AF_PACKET sockets (Announce, AnnounceRepeatedly), so clients
//     and switches learn at once that an address moved to this node;
//   - resetting the TCP connections of an address being released through
//     NETLINK_SOCK_DIAG's SOCK_DESTROY (KillConnections), and CTDB's "tickle"
//     ACK (TickleACK).
//
// Tests that must show a client saw an address move record the
// announcements with tests/sniff.
//
// # Network namespaces
//
// Every function works on the network namespace of the calling thread: the
// sockets it opens (netlink, packet, raw) belong to that namespace, and
// nothing is done on other goroutines before the sockets exist. A process
// started inside a namespace (ctdbd under nsenter) therefore sees only its
// own interfaces, and a test may call any function inside netns.Host.Do.
// The objects that outlive the call (AnnounceRepeatedly's goroutine) keep
// using the sockets made during the call, so they stay in the caller's
// namespace too.
//
// Everything except the read-only queries needs CAP_NET_RAW or CAP_NET_ADMIN
// (in practice: root).
package netif
