package netif

import (
	"encoding/binary"
	"net"
	"net/netip"

	"golang.org/x/sys/unix"
)

// Frame layout constants (Ethernet II, ARP for IPv4 over Ethernet, IPv6,
// ICMPv6 neighbour advertisement per RFC 4861 section 4.4).
const (
	ethHeaderLen = 14
	ethMinFrame  = 60 // without FCS; shorter frames are padded
	arpLen       = 28
	ipv6HdrLen   = 40
	naLen        = 32 // NA header + target + one 8-byte link-layer option

	arpRequest = 1
	arpReply   = 2

	icmpv6NeighborAdvert = 136
	naFlagSolicited      = 0x40
	naFlagOverride       = 0x20
	ndOptTargetLLAddr    = 2
	ndHopLimit           = 255 // receivers drop ND packets with any other
)

var (
	ethBroadcast  = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	allNodes      = netip.MustParseAddr("ff02::1")
	allNodesMAC   = net.HardwareAddr{0x33, 0x33, 0, 0, 0, 1}
	zeroHardware6 = net.HardwareAddr{0, 0, 0, 0, 0, 0}
)

// ethHeader returns an Ethernet header.
func ethHeader(dst, src net.HardwareAddr, etherType uint16) []byte {
	b := make([]byte, ethHeaderLen)
	copy(b[0:6], dst)
	copy(b[6:12], src)
	binary.BigEndian.PutUint16(b[12:14], etherType)
	return b
}

// garpFrame returns a broadcast gratuitous ARP frame for ip: sender and
// target protocol address are both ip, the sender hardware address is mac.
// A request carries a zero target hardware address, a reply carries mac.
func garpFrame(op uint16, mac net.HardwareAddr, ip netip.Addr) []byte {
	tha := zeroHardware6
	if op == arpReply {
		tha = mac
	}
	return arpFrame(op, mac, ip, tha, ip)
}

// arpFrame returns a broadcast ARP frame (IPv4 over Ethernet) from sha with
// the given addresses; an invalid spa is sent as 0.0.0.0.
func arpFrame(op uint16, sha net.HardwareAddr, spa netip.Addr, tha net.HardwareAddr, tpa netip.Addr) []byte {
	b := ethHeader(ethBroadcast, sha, unix.ETH_P_ARP)
	arp := make([]byte, arpLen)
	binary.BigEndian.PutUint16(arp[0:2], 1) // hardware type Ethernet
	binary.BigEndian.PutUint16(arp[2:4], unix.ETH_P_IP)
	arp[4], arp[5] = 6, 4
	binary.BigEndian.PutUint16(arp[6:8], op)
	copy(arp[8:14], sha)
	if spa.IsValid() {
		a4 := spa.As4()
		copy(arp[14:18], a4[:])
	}
	copy(arp[18:24], tha)
	t4 := tpa.As4()
	copy(arp[24:28], t4[:])
	return pad(append(b, arp...))
}

// naFrame returns an unsolicited neighbour advertisement for target, sent
// from target to all nodes (ff02::1) with the override flag and a target
// link-layer address option carrying mac, so receivers replace any cached
// address for target.
func naFrame(mac net.HardwareAddr, target netip.Addr) []byte {
	icmp := make([]byte, naLen)
	icmp[0] = icmpv6NeighborAdvert
	icmp[4] = naFlagOverride
	t16 := target.As16()
	copy(icmp[8:24], t16[:])
	icmp[24], icmp[25] = ndOptTargetLLAddr, 1 // length in units of 8 bytes
	copy(icmp[26:32], mac)
	binary.BigEndian.PutUint16(icmp[2:4], transportChecksum(target, allNodes, unix.IPPROTO_ICMPV6, icmp))

	b := ethHeader(allNodesMAC, mac, unix.ETH_P_IPV6)
	b = append(b, ipv6Header(target, allNodes, unix.IPPROTO_ICMPV6, ndHopLimit, len(icmp))...)
	return pad(append(b, icmp...))
}

// ipv6Header returns a fixed IPv6 header.
func ipv6Header(src, dst netip.Addr, next uint8, hopLimit uint8, payloadLen int) []byte {
	h := make([]byte, ipv6HdrLen)
	h[0] = 0x60
	binary.BigEndian.PutUint16(h[4:6], uint16(payloadLen))
	h[6], h[7] = next, hopLimit
	s, d := src.As16(), dst.As16()
	copy(h[8:24], s[:])
	copy(h[24:40], d[:])
	return h
}

func pad(frame []byte) []byte {
	if len(frame) < ethMinFrame {
		frame = append(frame, make([]byte, ethMinFrame-len(frame))...)
	}
	return frame
}

// transportChecksum is the Internet checksum of payload (with its checksum
// field zero) under the IPv4 or IPv6 pseudo-header, as TCP, UDP and ICMPv6
// use it. Verifying a received payload: the result is 0.
func transportChecksum(src, dst netip.Addr, proto uint8, payload []byte) uint16 {
	var pseudo []byte
	if src.Is4() {
		s, d := src.As4(), dst.As4()
		pseudo = append(append(pseudo, s[:]...), d[:]...)
		pseudo = append(pseudo, 0, proto, byte(len(payload)>>8), byte(len(payload)))
	} else {
		s, d := src.As16(), dst.As16()
		pseudo = append(append(pseudo, s[:]...), d[:]...)
		var l [8]byte
		binary.BigEndian.PutUint32(l[0:4], uint32(len(payload)))
		l[7] = proto
		pseudo = append(pseudo, l[:]...)
	}
	return ^onesSum(onesSum(0, pseudo), payload)
}

// onesSum adds b as big-endian 16-bit words to the folded one's-complement
// sum acc.
func onesSum(acc uint16, b []byte) uint16 {
	sum := uint32(acc)
	for len(b) >= 2 {
		sum += uint32(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return uint16(sum)
}
