package netif

import (
	"encoding/binary"
	"errors"
	"github.com/ctdb-go/ctdb/tests/sniff"
	"net"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"
)

var testMAC = net.HardwareAddr{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}

// RFC 1071 section 3 example: the words 0001 f203 f4f5 f6f7 sum to ddf2.
func TestOnesSum(t *testing.T) {
	if got := onesSum(0, []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}); got != 0xddf2 {
		t.Fatalf("onesSum = %#x, want 0xddf2", got)
	}
	if got := onesSum(0, []byte{0xff}); got != 0xff00 {
		t.Fatalf("odd length: onesSum = %#x, want 0xff00", got)
	}
}

func TestGARPFrames(t *testing.T) {
	ip := netip.MustParseAddr("192.0.2.7")
	for _, tc := range []struct {
		op   uint16
		kind sniff.Kind
		tha  net.HardwareAddr
	}{{arpRequest, sniff.GratuitousARPRequest, zeroHardware6}, {arpReply, sniff.GratuitousARPReply, testMAC}} {
		f := garpFrame(tc.op, testMAC, ip)
		if len(f) != ethMinFrame || net.HardwareAddr(f[0:6]).String() != ethBroadcast.String() ||
			net.HardwareAddr(f[6:12]).String() != testMAC.String() {
			t.Fatalf("%s: frame header wrong: % x", tc.kind, f[:14])
		}
		if got := net.HardwareAddr(f[32:38]); got.String() != tc.tha.String() {
			t.Fatalf("%s: target hardware address %s, want %s", tc.kind, got, tc.tha)
		}
		an, ok := sniff.ParseAnnouncement(f)
		if !ok || an.Kind != tc.kind || an.Addr != ip || an.MAC.String() != testMAC.String() {
			t.Fatalf("%s: parsed %+v, %v", tc.kind, an, ok)
		}
	}
	// An ordinary ARP request (sender != target) is no announcement.
	f := garpFrame(arpRequest, testMAC, ip)
	copy(f[38:42], []byte{192, 0, 2, 8})
	if an, ok := sniff.ParseAnnouncement(f); ok {
		t.Fatalf("ordinary ARP parsed as %+v", an)
	}
}

func TestNAFrame(t *testing.T) {
	target := netip.MustParseAddr("2001:db8::7")
	f := naFrame(testMAC, target)
	ip6 := f[ethHeaderLen:]
	if ip6[7] != ndHopLimit || binary.BigEndian.Uint16(ip6[4:6]) != naLen ||
		netip.AddrFrom16([16]byte(ip6[24:40])) != allNodes {
		t.Fatalf("IPv6 header wrong: % x", ip6[:ipv6HdrLen])
	}
	an, ok := sniff.ParseAnnouncement(f)
	if !ok || an.Kind != sniff.UnsolicitedNA || an.Addr != target || !an.Override || an.MAC.String() != testMAC.String() {
		t.Fatalf("parsed %+v, %v", an, ok)
	}
	for _, corrupt := range []struct {
		name string
		off  int
		val  byte
	}{
		{"checksum", ethHeaderLen + ipv6HdrLen + 20, 0xaa}, // a target byte
		{"solicited flag", ethHeaderLen + ipv6HdrLen + 4, naFlagSolicited | naFlagOverride},
		{"type", ethHeaderLen + ipv6HdrLen, 135},
	} {
		g := append([]byte(nil), f...)
		g[corrupt.off] = corrupt.val
		if an, ok := sniff.ParseAnnouncement(g); ok {
			t.Errorf("%s changed: still parsed as %+v", corrupt.name, an)
		}
	}
	if _, ok := sniff.ParseAnnouncement(f[:ethHeaderLen+ipv6HdrLen+10]); ok {
		t.Error("truncated NA parsed")
	}
}

func TestTickleSegmentChecksum(t *testing.T) {
	for _, pair := range [][2]string{{"192.0.2.1", "192.0.2.2"}, {"2001:db8::1", "2001:db8::2"}} {
		src, dst := netip.MustParseAddr(pair[0]), netip.MustParseAddr(pair[1])
		seg := tickleSegment(src, dst, 445, 50000)
		if transportChecksum(src, dst, unix.IPPROTO_TCP, seg) != 0 {
			t.Errorf("%s -> %s: checksum does not verify", src, dst)
		}
		if seg[13] != tcpFlagACK || binary.BigEndian.Uint32(seg[4:8]) != 0 || binary.BigEndian.Uint32(seg[8:12]) != 0 {
			t.Errorf("%s -> %s: segment % x is not a bare ACK with seq = ack = 0", src, dst, seg)
		}
	}
	h := ipv4Header(netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"), unix.IPPROTO_TCP, 20)
	if onesSum(0, h) != 0xffff {
		t.Errorf("IPv4 header checksum does not verify: % x", h)
	}
}

func TestNetlinkParse(t *testing.T) {
	msg := func(l uint32, typ uint16, seq uint32, payload ...byte) []byte {
		b := make([]byte, 16)
		binary.NativeEndian.PutUint32(b[0:4], l)
		binary.NativeEndian.PutUint16(b[4:6], typ)
		binary.NativeEndian.PutUint32(b[8:12], seq)
		return append(b, payload...)
	}
	two := append(msg(18, 100, 7, 1, 2, 0, 0), msg(20, unix.NLMSG_ERROR, 7, 0xfe, 0xff, 0xff, 0xff)...)
	msgs, err := nlParse(two)
	if err != nil || len(msgs) != 2 || msgs[0].typ != 100 || len(msgs[0].data) != 2 || msgs[1].seq != 7 {
		t.Fatalf("nlParse = %+v, %v", msgs, err)
	}
	if err := nlError(msgs[1]); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("nlError = %v, want ENOENT (-2)", err)
	}
	if _, err := nlParse(msg(64, 100, 1)); err == nil {
		t.Fatal("length beyond the datagram accepted")
	}
	if _, err := nlParse(msg(8, 100, 1)); err == nil {
		t.Fatal("length below the header accepted")
	}

	attrs := nlAttrs(append(nlAttr(3, []byte("eth0\x00")), nlAttr(1|unix.NLA_F_NESTED, []byte{9})...))
	if string(attrs[3]) != "eth0\x00" || len(attrs[1]) != 1 {
		t.Fatalf("nlAttrs = %v", attrs)
	}
	if got := nlAttrs([]byte{0xff, 0x00, 1, 0}); len(got) != 0 {
		t.Fatalf("bad attribute length accepted: %v", got)
	}
}

func TestParseDiagMsg(t *testing.T) {
	b := make([]byte, 72)
	b[0], b[1] = unix.AF_INET6, tcpEstablished
	binary.BigEndian.PutUint16(b[4:6], 445)
	binary.BigEndian.PutUint16(b[6:8], 50000)
	local, remote := netip.MustParseAddr("::ffff:10.1.2.3").As16(), netip.MustParseAddr("::ffff:10.1.2.4").As16()
	copy(b[8:24], local[:])
	copy(b[24:40], remote[:])
	s, err := parseDiagMsg(b)
	if err != nil {
		t.Fatal(err)
	}
	if s.local.String() != "[::ffff:10.1.2.3]:445" || s.remote.Port() != 50000 || s.local.Addr().Unmap() != netip.MustParseAddr("10.1.2.3") {
		t.Fatalf("parsed %+v", s)
	}
	if _, err := parseDiagMsg(b[:20]); err == nil {
		t.Fatal("short message accepted")
	}
	b[0] = 99
	if _, err := parseDiagMsg(b); err == nil {
		t.Fatal("unknown family accepted")
	}
}
