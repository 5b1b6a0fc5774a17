package netif

import (
	"context"
	"github.com/ctdb-go/ctdb/tests/sniff"
	"net/netip"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/netns"
)

// staleMAC is a made-up address B's kernel caches for the public address
// before the announcement, as if a previous node held it.
const staleMAC = "02:00:00:00:00:01"

// announceSetup builds A and B, puts public address pub on A's eth0 and a
// stale neighbour entry for it on B, and starts a Sniffer on B's eth0.
func announceSetup(t *testing.T, pub netip.Prefix) (a, b *netns.Host, sn *sniff.Sniffer) {
	t.Helper()
	nw := netns.New(t, 2)
	a, b = nw.Host(0), nw.Host(1)
	if pub.Addr().Is6() {
		a.Run(t, "ip", "addr", "add", "fd97::1/64", "dev", "eth0", "nodad")
		b.Run(t, "ip", "addr", "add", "fd97::2/64", "dev", "eth0", "nodad")
	}
	a.Run(t, "ip", "addr", "add", pub.String(), "dev", "eth0", "nodad")
	b.Run(t, "ip", "neigh", "replace", pub.Addr().String(), "lladdr", staleMAC, "dev", "eth0", "nud", "stale")
	do(t, b, func() (err error) { sn, err = sniff.NewSniffer("eth0"); return err })
	t.Cleanup(func() { sn.Close() })
	return a, b, sn
}

func TestAnnounceIPv4(t *testing.T) {
	pub := netip.MustParsePrefix("10.97.0.100/24")
	a, b, sn := announceSetup(t, pub)
	macA := macOf(t, a, "eth0")

	do(t, a, func() error { return Announce("eth0", pub.Addr()) })

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	for _, kind := range []sniff.Kind{sniff.GratuitousARPRequest, sniff.GratuitousARPReply} {
		an, err := sn.Wait(ctx, pub.Addr(), func(an sniff.Announcement) bool { return an.Kind == kind })
		if err != nil {
			t.Fatalf("B saw no %s: %v (saw %+v)", kind, err, sn.Announcements())
		}
		if an.MAC.String() != macA.String() || an.Outgoing {
			t.Fatalf("%s: MAC %s outgoing %v, want A's %s incoming", kind, an.MAC, an.Outgoing, macA)
		}
	}
	// B's kernel accepted the frames: its stale entry now points at A.
	waitFor(t, 3*time.Second, "B's ARP entry for "+pub.Addr().String()+" updated to A's MAC", func() (bool, error) {
		return neighMAC(t, b, pub.Addr()) == macA.String(), nil
	})
}

func TestAnnounceIPv6(t *testing.T) {
	pub := netip.MustParsePrefix("fd97::100/64")
	a, b, sn := announceSetup(t, pub)
	macA := macOf(t, a, "eth0")

	do(t, a, func() error { return Announce("eth0", pub.Addr()) })

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	an, err := sn.Wait(ctx, pub.Addr(), nil)
	if err != nil {
		t.Fatalf("B saw no neighbour advertisement: %v (saw %+v)", err, sn.Announcements())
	}
	if an.Kind != sniff.UnsolicitedNA || !an.Override || an.MAC.String() != macA.String() || an.Outgoing {
		t.Fatalf("got %+v, want an incoming unsolicited NA with override for A's MAC %s", an, macA)
	}
	// The kernel checks the ICMPv6 checksum and hop limit 255 before it
	// honours the override flag, so this shows the packet is well formed.
	waitFor(t, 3*time.Second, "B's neighbour entry for "+pub.Addr().String()+" updated to A's MAC", func() (bool, error) {
		return neighMAC(t, b, pub.Addr()) == macA.String(), nil
	})
}

func TestAnnounceRepeatedly(t *testing.T) {
	pub := netip.MustParsePrefix("10.97.0.101/24")
	a, _, sn := announceSetup(t, pub)
	const count, interval = 3, 150 * time.Millisecond

	var done <-chan error
	do(t, a, func() (err error) {
		done, err = AnnounceRepeatedly(context.Background(), "eth0", pub.Addr(), count, interval)
		return err
	})
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("later announcements: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("AnnounceRepeatedly did not finish")
	}
	waitFor(t, 2*time.Second, "all announcements seen", func() (bool, error) {
		return len(requestTimes(sn, pub.Addr())) >= count, nil
	})
	times := requestTimes(sn, pub.Addr())
	if len(times) != count {
		t.Fatalf("saw %d GARP requests, want %d", len(times), count)
	}
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < interval*2/3 {
			t.Fatalf("announcements %d and %d only %v apart, want about %v", i-1, i, gap, interval)
		}
	}

	// Cancelling stops the remaining rounds.
	pub2 := netip.MustParseAddr("10.97.0.102")
	ctx, cancel := context.WithCancel(context.Background())
	do(t, a, func() (err error) {
		done, err = AnnounceRepeatedly(ctx, "eth0", pub2, 10, time.Hour)
		return err
	})
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("AnnounceRepeatedly ignored cancellation")
	}
	waitFor(t, 2*time.Second, "first announcement of "+pub2.String(), func() (bool, error) {
		return len(requestTimes(sn, pub2)) == 1, nil
	})
}

func requestTimes(sn *sniff.Sniffer, a netip.Addr) []time.Time {
	var out []time.Time
	for _, an := range sn.Announcements() {
		if an.Addr == a && an.Kind == sniff.GratuitousARPRequest {
			out = append(out, an.At)
		}
	}
	return out
}

func TestAnnounceBadInput(t *testing.T) {
	nw := netns.New(t, 1)
	h := nw.Host(0)
	for _, tc := range []struct {
		iface string
		addr  netip.Addr
	}{
		{"eth0", netip.Addr{}},
		{"eth0", netip.MustParseAddr("0.0.0.0")},
		{"eth0", netip.MustParseAddr("ff02::1")},
		{"lo", netip.MustParseAddr("127.0.0.2")}, // no Ethernet address
		{"nosuch0", netip.MustParseAddr("10.97.0.9")},
	} {
		var err error
		do(t, h, func() error { err = Announce(tc.iface, tc.addr); return nil })
		if err == nil {
			t.Errorf("Announce(%q, %v) succeeded, want an error", tc.iface, tc.addr)
		}
	}
}
