package netif

import (
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/netns"
	"golang.org/x/sys/unix"
)

// segment is one TCP segment seen by tcpCapture.
type segment struct {
	src, dst netip.AddrPort
	seq, ack uint32
	flags    uint8
	outgoing bool
}

// tcpCapture records the TCP segments crossing eth0 of the namespace it is
// opened in (IP packets, without the Ethernet header).
type tcpCapture struct{ fd int }

func openTCPCapture(t *testing.T, h *netns.Host) *tcpCapture {
	t.Helper()
	c := &tcpCapture{}
	do(t, h, func() error {
		l, err := LinkByName("eth0")
		if err != nil {
			return err
		}
		c.fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		tv := unix.Timeval{Usec: 50_000}
		if err := unix.SetsockoptTimeval(c.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
			return err
		}
		return unix.Bind(c.fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: l.Index})
	})
	t.Cleanup(func() { unix.Close(c.fd) })
	return c
}

// until reads segments until one satisfies match or timeout passes.
func (c *tcpCapture) until(timeout time.Duration, match func(segment) bool) (segment, bool) {
	buf := make([]byte, 4096)
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); {
		n, from, err := unix.Recvfrom(c.fd, buf, 0)
		if err != nil {
			continue // timeout tick or EINTR
		}
		s, ok := parseSegment(buf[:n])
		if !ok {
			continue
		}
		if ll, isLL := from.(*unix.SockaddrLinklayer); isLL && ll.Pkttype == unix.PACKET_OUTGOING {
			s.outgoing = true
		}
		if match(s) {
			return s, true
		}
	}
	return segment{}, false
}

func parseSegment(p []byte) (segment, bool) {
	var src, dst netip.Addr
	var tcp []byte
	switch {
	case len(p) >= ipv4HdrLen && p[0]>>4 == 4 && p[9] == unix.IPPROTO_TCP:
		ihl := int(p[0]&0xf) * 4
		src, dst = netip.AddrFrom4([4]byte(p[12:16])), netip.AddrFrom4([4]byte(p[16:20]))
		tcp = p[ihl:]
	case len(p) >= ipv6HdrLen && p[0]>>4 == 6 && p[6] == unix.IPPROTO_TCP:
		src, dst = netip.AddrFrom16([16]byte(p[8:24])), netip.AddrFrom16([16]byte(p[24:40]))
		tcp = p[ipv6HdrLen:]
	default:
		return segment{}, false
	}
	if len(tcp) < tcpHeaderLen {
		return segment{}, false
	}
	return segment{
		src:   netip.AddrPortFrom(src, binary.BigEndian.Uint16(tcp[0:2])),
		dst:   netip.AddrPortFrom(dst, binary.BigEndian.Uint16(tcp[2:4])),
		seq:   binary.BigEndian.Uint32(tcp[4:8]),
		ack:   binary.BigEndian.Uint32(tcp[8:12]),
		flags: tcp[13],
	}, true
}

// TestTickleACK: A sends a tickle for an idle connection B has to A. B must
// receive a bare ACK with seq = ack = 0 and answer it with an ACK carrying
// its real sequence number, which its kernel only does for a segment with
// a valid checksum.
func TestTickleACK(t *testing.T) {
	for _, tc := range []struct{ name, aAddr, bAddr, listen string }{
		{"ipv4", "", "", "tcp4"},
		{"ipv6", "fd97::1", "fd97::2", "tcp6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nw := netns.New(t, 2)
			a, b := nw.Host(0), nw.Host(1)
			aAddr := a.Addr.String()
			if tc.aAddr != "" {
				a.Run(t, "ip", "addr", "add", tc.aAddr+"/64", "dev", "eth0", "nodad")
				b.Run(t, "ip", "addr", "add", tc.bAddr+"/64", "dev", "eth0", "nodad")
				aAddr = tc.aAddr
			}
			srv := startEcho(t, a, tc.listen, net.JoinHostPort(aAddr, "0"))
			c := dial(t, b, net.JoinHostPort(aAddr, srv.port()))
			local := netip.MustParseAddrPort(c.RemoteAddr().String()) // A's side
			remote := netip.MustParseAddrPort(c.LocalAddr().String()) // B's side
			capture := openTCPCapture(t, b)

			do(t, a, func() error { return TickleACK(local, remote) })

			tickle, ok := capture.until(3*time.Second, func(s segment) bool {
				return !s.outgoing && s.src == local && s.dst == remote
			})
			if !ok {
				t.Fatalf("B saw no segment %s -> %s", local, remote)
			}
			if tickle.seq != 0 || tickle.ack != 0 || tickle.flags != tcpFlagACK {
				t.Fatalf("tickle seq %d ack %d flags %#x, want 0, 0, ACK only", tickle.seq, tickle.ack, tickle.flags)
			}
			answer, ok := capture.until(3*time.Second, func(s segment) bool {
				return s.outgoing && s.src == remote && s.dst == local
			})
			if !ok {
				t.Fatal("B's kernel did not answer the tickle (bad checksum?)")
			}
			if answer.flags&tcpFlagACK == 0 || answer.seq == 0 {
				t.Fatalf("B's answer seq %d flags %#x, want an ACK with its real sequence number", answer.seq, answer.flags)
			}
		})
	}
}

func TestTickleACKBadInput(t *testing.T) {
	err := TickleACK(netip.MustParseAddrPort("10.0.0.1:1"), netip.MustParseAddrPort("[fd00::1]:2"))
	if err == nil {
		t.Fatal("TickleACK across families succeeded")
	}
	if err := TickleACK(netip.AddrPort{}, netip.MustParseAddrPort("10.0.0.1:2")); err == nil {
		t.Fatal("TickleACK from an invalid address succeeded")
	}
}
