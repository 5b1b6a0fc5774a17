package sniff

import (
	"context"
	"encoding/json"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/netif"
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
	type result struct {
		got []Announcement
		err error
	}
	res := make(chan result, 1)
	go func() {
		var r result
		r.err = b.Do(func() error { r.got, r.err = Sniff("eth0", time.Second); return r.err })
		res <- r
	}()
	// Ordinary ARP (B resolving A to send a SYN, refused), then the
	// announcement, inside the window.
	waitFor(t, 2*time.Second, "B resolved A by ARP", func() (bool, error) {
		_ = b.Do(func() error {
			c, err := net.DialTimeout("tcp4", a.Addr.String()+":9", 200*time.Millisecond)
			if err == nil {
				c.Close()
			}
			return nil
		})
		return arpResolved(t, b, a.Addr), nil
	})
	do(t, a, func() error { return netif.Announce("eth0", pub) })
	r := <-res
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(r.got) != 2 || r.got[0].Kind != GratuitousARPRequest || r.got[1].Kind != GratuitousARPReply ||
		r.got[0].Addr != pub || r.got[1].Addr != pub {
		t.Fatalf("Sniff on B = %+v, want exactly A's request and reply for %s", r.got, pub)
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

// do runs fn inside h's namespace and fails the test on error.
func do(t *testing.T, h *netns.Host, fn func() error) {
	t.Helper()
	if err := h.Do(fn); err != nil {
		t.Fatal(err)
	}
}

// arpResolved says whether h's kernel has a link-layer address for a on
// eth0, as iproute2 reports it.
func arpResolved(t *testing.T, h *netns.Host, a netip.Addr) bool {
	t.Helper()
	out := h.Run(t, "ip", "-j", "neigh", "show", "to", a.String(), "dev", "eth0")
	var entries []struct {
		Lladdr string `json:"lladdr"`
	}
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatalf("ip -j neigh on %s: %v\n%s", h.Label, err, out)
	}
	return len(entries) > 0 && entries[0].Lladdr != ""
}

// waitFor polls cond every 20 ms until it is true, failing the test after
// timeout or on error.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	if poll.Until(timeout, 20*time.Millisecond, func() string {
		ok, err := cond()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if !ok {
			return "false"
		}
		return ""
	}) != nil {
		t.Fatalf("%s: not true after %v", what, timeout)
	}
}
