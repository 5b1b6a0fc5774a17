package netif

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/harness/poll"
	"github.com/ctdb-go/ctdb/tests/netns"
)

// TestSniff: Sniff records the announcements of A (both IPv4 frames) but
// not the ordinary ARP traffic of a ping, and a Sniffer on the sender sees
// its own frames as outgoing.
func TestSniff(t *testing.T) {
	nw := netns.New(t, 2)
	a, b := nw.Host(0), nw.Host(1)
	pub := netip.MustParseAddr("10.97.0.150")

	var onA *Sniffer
	do(t, a, func() (err error) { onA, err = NewSniffer("eth0"); return err })
	defer onA.Close()
	// B records from before the ordinary ARP (B resolving A to send a
	// SYN, refused) until it has seen the announcement: only that counts.
	var onB *Sniffer
	do(t, b, func() (err error) { onB, err = NewSniffer("eth0"); return err })
	defer onB.Close()
	waitFor(t, 2*time.Second, "B resolved A by ARP", func() (bool, error) {
		_ = b.Do(func() error {
			c, err := net.DialTimeout("tcp4", a.Addr.String()+":9", 200*time.Millisecond)
			if err == nil {
				c.Close()
			}
			return nil
		})
		return neighMAC(t, b, a.Addr) != "", nil
	})
	do(t, a, func() error { return Announce("eth0", pub) })
	poll.True(5*time.Second, 10*time.Millisecond, func() bool { return len(onB.Announcements()) >= 2 })
	if err := onB.Close(); err != nil {
		t.Fatal(err)
	}
	got := onB.Announcements()
	if len(got) != 2 || got[0].Kind != GratuitousARPRequest || got[1].Kind != GratuitousARPReply ||
		got[0].Addr != pub || got[1].Addr != pub {
		t.Fatalf("sniffer on B = %+v, want exactly A's request and reply for %s", got, pub)
	}
	// Sniff is the same for a fixed window.
	var quiet []Announcement
	do(t, b, func() (err error) { quiet, err = Sniff("eth0", 50*time.Millisecond); return err })
	if len(quiet) != 0 {
		t.Errorf("Sniff of a quiet 50 ms = %+v", quiet)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	an, err := onA.Wait(ctx, pub, nil)
	if err != nil || !an.Outgoing {
		t.Fatalf("sender's own sniffer: %+v, %v; want an outgoing announcement", an, err)
	}
	if got := onA.Addrs(); !slices.Equal(got, []netip.Addr{pub}) {
		t.Fatalf("Addrs = %v, want [%s]", got, pub)
	}
	if err := onA.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := onA.Wait(context.Background(), netip.MustParseAddr("10.97.0.151"), nil); err == nil {
		t.Fatal("Wait on a closed sniffer succeeded")
	}
}
