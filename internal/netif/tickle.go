package netif

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

const (
	tcpHeaderLen = 20
	ipv4HdrLen   = 20
	tcpFlagACK   = 0x10
	tickleWindow = 1024 // any value; the peer only looks at seq/ack
	tickleTTL    = 64
)

// TickleACK sends a bare TCP ACK with sequence and acknowledgement numbers
// 0 from local to remote, as CTDB does after taking over an address: the
// client's kernel finds the segment outside its window and answers with an
// ACK carrying its real numbers; the new node has no socket for it and
// replies with a RST, so the client reconnects without waiting for its own
// retransmission timeout. local need not be an address the kernel would
// pick (the IP header is built here, through a raw socket), but both ends
// must be of the same family. The route to remote is that of the caller's
// network namespace.
func TickleACK(local, remote netip.AddrPort) error {
	src, dst := local.Addr().Unmap(), remote.Addr().Unmap()
	what := fmt.Sprintf("tickle ACK %s -> %s", local, remote)
	if !src.IsValid() || !dst.IsValid() || src.Is4() != dst.Is4() {
		return fmt.Errorf("%s: need two addresses of the same family", what)
	}
	tcp := tickleSegment(src, dst, local.Port(), remote.Port())
	family := unix.AF_INET6
	var sa unix.Sockaddr
	var pkt []byte
	if dst.Is4() {
		family = unix.AF_INET
		sa = &unix.SockaddrInet4{Addr: dst.As4()}
		pkt = append(ipv4Header(src, dst, unix.IPPROTO_TCP, len(tcp)), tcp...)
	} else {
		sa6 := &unix.SockaddrInet6{Addr: dst.As16()}
		if z := dst.Zone(); z != "" {
			l, err := LinkByName(z)
			if err != nil {
				return fmt.Errorf("%s: zone: %w", what, err)
			}
			sa6.ZoneId = uint32(l.Index)
		}
		sa = sa6
		pkt = append(ipv6Header(src.WithZone(""), dst.WithZone(""), unix.IPPROTO_TCP, tickleTTL, len(tcp)), tcp...)
	}
	// IPPROTO_RAW implies IP_HDRINCL (and IPV6_HDRINCL): the header above
	// is sent as is, source address included.
	fd, err := unix.Socket(family, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW)
	if err != nil {
		return fmt.Errorf("%s: raw socket: %w", what, err)
	}
	defer unix.Close(fd)
	if err := unix.Sendto(fd, pkt, 0, sa); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// tickleSegment returns a 20-byte TCP header with only ACK set, seq = ack
// = 0, and a valid checksum.
func tickleSegment(src, dst netip.Addr, sport, dport uint16) []byte {
	b := make([]byte, tcpHeaderLen)
	binary.BigEndian.PutUint16(b[0:2], sport)
	binary.BigEndian.PutUint16(b[2:4], dport)
	b[12] = tcpHeaderLen / 4 << 4
	b[13] = tcpFlagACK
	binary.BigEndian.PutUint16(b[14:16], tickleWindow)
	binary.BigEndian.PutUint16(b[16:18], transportChecksum(src.WithZone(""), dst.WithZone(""), unix.IPPROTO_TCP, b))
	return b
}

// ipv4Header returns an IPv4 header without options. The kernel fills in the
// identification and the header checksum for raw IP_HDRINCL sockets; the
// checksum is computed here anyway so the bytes are correct on their own.
func ipv4Header(src, dst netip.Addr, proto uint8, payloadLen int) []byte {
	h := make([]byte, ipv4HdrLen)
	h[0] = 0x45
	binary.BigEndian.PutUint16(h[2:4], uint16(ipv4HdrLen+payloadLen))
	binary.BigEndian.PutUint16(h[6:8], 0x4000) // don't fragment
	h[8], h[9] = tickleTTL, proto
	s, d := src.As4(), dst.As4()
	copy(h[12:16], s[:])
	copy(h[16:20], d[:])
	binary.BigEndian.PutUint16(h[10:12], ^onesSum(0, h))
	return h
}
