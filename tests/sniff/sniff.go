// Package sniff records the address announcements seen on an interface
// (gratuitous ARP, unsolicited IPv6 neighbour advertisements), for tests
// that must show a client saw an address move. It is test code: ctdbd does
// not use it. It parses frames on its own (no internal/netif code), so the
// tests of netif's frame builders check them against an independent reader.
package sniff

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Kind says which sort of announcement a frame was.
type Kind string

const (
	GratuitousARPRequest Kind = "garp-request" // ARP request, sender IP = target IP
	GratuitousARPReply   Kind = "garp-reply"   // ARP reply, sender IP = target IP
	UnsolicitedNA        Kind = "unsolicited-na"
)

// Announcement is one address announcement seen on the wire: a gratuitous
// ARP (sender and target protocol address equal) or an IPv6 neighbour
// advertisement without the solicited flag. Ordinary ARP and solicited
// advertisements are not announcements and are not recorded.
type Announcement struct {
	Kind Kind
	Addr netip.Addr
	// MAC is the address a is announced at: the ARP sender hardware
	// address, or the NA's target link-layer address option (the Ethernet
	// source when the option is missing).
	MAC net.HardwareAddr
	// Override is the NA override flag (always false for ARP).
	Override bool
	// Outgoing is true for frames this host sent itself.
	Outgoing bool
	At       time.Time
}

// Sniffer records the announcements that cross one interface, from its
// creation until Close. Create it in the namespace to watch (a process
// running there, or inside netns.Host.Do); its methods may then be called
// from any goroutine.
type Sniffer struct {
	file    *os.File
	done    chan struct{} // closed when the reader stops
	closing atomic.Bool   // Close was called: read errors are expected

	mu      sync.Mutex
	seen    []Announcement
	changed chan struct{} // closed and replaced on every new record
	err     error         // why the reader stopped, if not Close
}

// NewSniffer starts recording announcements on iface.
func NewSniffer(iface string) (*Sniffer, error) {
	l, err := net.InterfaceByName(iface)
	if err != nil {
		return nil, fmt.Errorf("sniff %s: %w", iface, err)
	}
	fd, err := openSniffSocket(l.Index)
	if err != nil {
		return nil, fmt.Errorf("sniff %s: %w", iface, err)
	}
	s := &Sniffer{file: os.NewFile(uintptr(fd), "packet:"+iface), done: make(chan struct{}),
		changed: make(chan struct{})}
	go s.read()
	return s, nil
}

// Sniff records the announcements on iface for d and returns them. It
// blocks for d, and must be called in the namespace to watch.
func Sniff(iface string, d time.Duration) ([]Announcement, error) {
	s, err := NewSniffer(iface)
	if err != nil {
		return nil, err
	}
	time.Sleep(d) // Deliberate pause: the capture window the caller asked for
	err = s.Close()
	return s.Announcements(), err
}

// Announcements returns a copy of what has been recorded so far, oldest
// first.
func (s *Sniffer) Announcements() []Announcement {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Announcement(nil), s.seen...)
}

// Addrs returns the distinct addresses announced so far, in order of first
// announcement.
func (s *Sniffer) Addrs() []netip.Addr {
	var out []netip.Addr
	seen := map[netip.Addr]bool{}
	for _, a := range s.Announcements() {
		if !seen[a.Addr] {
			seen[a.Addr] = true
			out = append(out, a.Addr)
		}
	}
	return out
}

// Wait returns the first announcement of a (recorded before or after the
// call) that passes match (nil matches all). It fails when ctx ends or the
// sniffer stops first.
func (s *Sniffer) Wait(ctx context.Context, a netip.Addr, match func(Announcement) bool) (Announcement, error) {
	a = a.Unmap().WithZone("")
	stopped := false
	for next := 0; ; {
		s.mu.Lock()
		seen, changed, stopErr := s.seen, s.changed, s.err
		s.mu.Unlock()
		for ; next < len(seen); next++ {
			if seen[next].Addr == a && (match == nil || match(seen[next])) {
				return seen[next], nil
			}
		}
		if stopped { // everything the reader recorded has been looked at
			if stopErr == nil {
				stopErr = errors.New("sniffer closed")
			}
			return Announcement{}, fmt.Errorf("waiting for an announcement of %s: %w", a, stopErr)
		}
		select {
		case <-changed:
		case <-s.done:
			stopped = true
		case <-ctx.Done():
			return Announcement{}, fmt.Errorf("waiting for an announcement of %s: %w", a, ctx.Err())
		}
	}
}

// Close stops recording; Announcements stays valid. It returns the error
// that stopped the reader early, if any.
func (s *Sniffer) Close() error {
	s.closing.Store(true)
	s.file.Close()
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *Sniffer) read() {
	defer close(s.done)
	rc, err := s.file.SyscallConn()
	if err != nil {
		s.stop(err)
		return
	}
	buf := make([]byte, 2048)
	for {
		var (
			n    int
			from unix.Sockaddr
			rerr error
		)
		err := rc.Read(func(fd uintptr) bool {
			n, from, rerr = unix.Recvfrom(int(fd), buf, 0)
			return rerr != unix.EAGAIN && rerr != unix.EINTR
		})
		if s.closing.Load() {
			return
		}
		if err == nil {
			err = rerr
		}
		if err != nil {
			s.stop(fmt.Errorf("sniff: receive: %w", err))
			return
		}
		an, ok := ParseAnnouncement(buf[:n])
		if !ok {
			continue
		}
		if ll, isLL := from.(*unix.SockaddrLinklayer); isLL && ll.Pkttype == unix.PACKET_OUTGOING {
			an.Outgoing = true
		}
		an.At = time.Now()
		s.mu.Lock()
		s.seen = append(s.seen, an)
		close(s.changed)
		s.changed = make(chan struct{})
		s.mu.Unlock()
	}
}

func (s *Sniffer) stop(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

// openSniffSocket returns a non-blocking packet socket that receives, from
// interface index only, ARP frames and ICMPv6 neighbour advertisements, in
// both directions. The filter is attached before the socket is bound, so no
// other frame is ever queued.
func openSniffSocket(index int) (int, error) {
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return -1, fmt.Errorf("packet socket: %w", err)
	}
	prog := unix.SockFprog{Len: uint16(len(announceFilter)), Filter: &announceFilter[0]}
	if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &prog); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("attach packet filter: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: index}); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("bind packet socket: %w", err)
	}
	return fd, nil
}

// announceFilter is a classic BPF program accepting ARP and ICMPv6 type 136
// (no IPv6 extension headers, as neighbour discovery never uses them).
var announceFilter = []unix.SockFilter{
	{Code: unix.BPF_LD | unix.BPF_H | unix.BPF_ABS, K: 12},                      // ethertype
	{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: unix.ETH_P_ARP, Jt: 5},  // -> accept
	{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: unix.ETH_P_IPV6, Jf: 5}, // -> drop
	{Code: unix.BPF_LD | unix.BPF_B | unix.BPF_ABS, K: ethHeaderLen + 6},        // next header
	{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: unix.IPPROTO_ICMPV6, Jf: 3},
	{Code: unix.BPF_LD | unix.BPF_B | unix.BPF_ABS, K: ethHeaderLen + ipv6HdrLen}, // ICMPv6 type
	{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: icmpv6NeighborAdvert, Jf: 1},
	{Code: unix.BPF_RET | unix.BPF_K, K: 0xffff}, // accept
	{Code: unix.BPF_RET | unix.BPF_K, K: 0},      // drop
}

// parseAnnouncement decodes an Ethernet frame; ok is false unless it is a
// well-formed gratuitous ARP or unsolicited NA (checksum verified).
func ParseAnnouncement(f []byte) (Announcement, bool) {
	if len(f) < ethHeaderLen {
		return Announcement{}, false
	}
	switch binary.BigEndian.Uint16(f[12:14]) {
	case unix.ETH_P_ARP:
		return parseGARP(f[ethHeaderLen:])
	case unix.ETH_P_IPV6:
		return parseNA(f[6:12], f[ethHeaderLen:])
	}
	return Announcement{}, false
}

func parseGARP(arp []byte) (Announcement, bool) {
	if len(arp) < arpLen || binary.BigEndian.Uint16(arp[0:2]) != 1 ||
		binary.BigEndian.Uint16(arp[2:4]) != unix.ETH_P_IP || arp[4] != 6 || arp[5] != 4 {
		return Announcement{}, false
	}
	spa := netip.AddrFrom4([4]byte(arp[14:18]))
	tpa := netip.AddrFrom4([4]byte(arp[24:28]))
	if spa != tpa {
		return Announcement{}, false
	}
	an := Announcement{Addr: spa, MAC: net.HardwareAddr(append([]byte(nil), arp[8:14]...))}
	switch binary.BigEndian.Uint16(arp[6:8]) {
	case arpRequest:
		an.Kind = GratuitousARPRequest
	case arpReply:
		an.Kind = GratuitousARPReply
	default:
		return Announcement{}, false
	}
	return an, true
}

func parseNA(ethSrc []byte, p []byte) (Announcement, bool) {
	if len(p) < ipv6HdrLen+24 || p[0]>>4 != 6 || p[6] != unix.IPPROTO_ICMPV6 {
		return Announcement{}, false
	}
	plen := int(binary.BigEndian.Uint16(p[4:6]))
	if plen < 24 || ipv6HdrLen+plen > len(p) {
		return Announcement{}, false
	}
	src := netip.AddrFrom16([16]byte(p[8:24]))
	dst := netip.AddrFrom16([16]byte(p[24:40]))
	icmp := p[ipv6HdrLen : ipv6HdrLen+plen]
	if icmp[0] != icmpv6NeighborAdvert || icmp[1] != 0 || icmp[4]&naFlagSolicited != 0 ||
		icmpv6Checksum(src, dst, icmp) != 0 {
		return Announcement{}, false
	}
	an := Announcement{Kind: UnsolicitedNA, Addr: netip.AddrFrom16([16]byte(icmp[8:24])),
		Override: icmp[4]&naFlagOverride != 0,
		MAC:      net.HardwareAddr(append([]byte(nil), ethSrc...))}
	for opts := icmp[24:]; len(opts) >= 8; {
		l := int(opts[1]) * 8
		if l == 0 || l > len(opts) {
			break
		}
		if opts[0] == ndOptTargetLLAddr && l >= 8 {
			an.MAC = net.HardwareAddr(append([]byte(nil), opts[2:8]...))
		}
		opts = opts[l:]
	}
	return an, true
}

// Frame layout (Ethernet II, ARP for IPv4 over Ethernet, IPv6, ICMPv6
// neighbour advertisement per RFC 4861 section 4.4).
const (
	ethHeaderLen = 14
	arpLen       = 28
	ipv6HdrLen   = 40

	arpRequest = 1
	arpReply   = 2

	icmpv6NeighborAdvert = 136
	naFlagSolicited      = 0x40
	naFlagOverride       = 0x20
	ndOptTargetLLAddr    = 2
)

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// icmpv6Checksum is the RFC 4443 checksum of an ICMPv6 message under the
// IPv6 pseudo-header (RFC 8200 section 8.1); a valid message sums to 0.
func icmpv6Checksum(src, dst netip.Addr, msg []byte) uint16 {
	s, d := src.As16(), dst.As16()
	b := append(append([]byte(nil), s[:]...), d[:]...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(msg)))
	b = append(b, 0, 0, 0, unix.IPPROTO_ICMPV6)
	b = append(b, msg...)
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
