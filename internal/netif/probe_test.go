package netif

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/netns"
)

// B probes for an address while A has it (A's kernel answers with A's
// MAC), after A removed it (no answer), and for an address nobody has.
func TestProbeInUse(t *testing.T) {
	nw := netns.New(t, 2)
	a, b := nw.Host(0), nw.Host(1)
	pub := netip.MustParsePrefix("10.99.7.50/24")
	probe := func() (mac string) {
		t.Helper()
		do(t, b, func() error {
			m, err := ProbeInUse("eth0", pub.Addr(), 100*time.Millisecond)
			if m != nil {
				mac = m.String()
			}
			return err
		})
		return mac
	}
	if got := probe(); got != "" {
		t.Fatalf("probe before anyone has %s: answered by %s", pub.Addr(), got)
	}
	a.Run(t, "ip", "addr", "add", pub.String(), "dev", "eth0")
	if got, want := probe(), macOf(t, a, "eth0").String(); got != want {
		t.Fatalf("probe while A has %s: answered by %q, want A's %s", pub.Addr(), got, want)
	}
	a.Run(t, "ip", "addr", "del", pub.String(), "dev", "eth0")
	if got := probe(); got != "" {
		t.Fatalf("probe after A removed %s: answered by %s", pub.Addr(), got)
	}
	// The prober's own address does not count as in use by another host.
	b.Run(t, "ip", "addr", "add", pub.String(), "dev", "eth0")
	if got := probe(); got != "" {
		t.Fatalf("probe on B for B's own %s: answered by %s", pub.Addr(), got)
	}
	// IPv6 is left to the kernel's duplicate address detection.
	do(t, b, func() error {
		m, err := ProbeInUse("eth0", netip.MustParseAddr("fd97::5"), 10*time.Millisecond)
		if m != nil {
			t.Errorf("IPv6 probe answered by %s", m)
		}
		return err
	})
}
