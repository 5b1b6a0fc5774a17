package netif

import (
	"errors"
	"net/netip"
	"os/exec"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/netns"
)

// TestStateInNamespace checks Ifaces, Links, Addrs, HasAddr and LinkUp
// from inside a namespace against iproute2's view, while an address is
// added and the link goes down (own side, then the veth peer).
func TestStateInNamespace(t *testing.T) {
	nw := netns.New(t, 1)
	h := nw.Host(0)
	extra4 := netip.MustParsePrefix("10.97.0.200/24")
	extra6 := netip.MustParsePrefix("fd97::200/64")

	var names []string
	do(t, h, func() (err error) { names, err = Ifaces(); return err })
	if !slices.Contains(names, "lo") || !slices.Contains(names, "eth0") || slices.Contains(names, "p0") {
		t.Fatalf("Ifaces in %s = %v, want lo and eth0 but not the switch's p0", h.Label, names)
	}

	hasAddr := func(p netip.Prefix) (ok bool) {
		t.Helper()
		do(t, h, func() (err error) { ok, err = HasAddr("eth0", p.Addr()); return err })
		return ok
	}
	if !hasAddr(h.Prefix) || hasAddr(extra4) || hasAddr(extra6) {
		t.Fatalf("HasAddr before adding: want only %s", h.Prefix)
	}
	h.Run(t, "ip", "addr", "add", extra4.String(), "dev", "eth0")
	h.Run(t, "ip", "addr", "add", extra6.String(), "dev", "eth0", "nodad")
	if !hasAddr(extra4) || !hasAddr(extra6) {
		t.Fatalf("HasAddr does not see %s and %s after ip addr add", extra4, extra6)
	}
	// Outside the namespace (the test's own) the address must not exist.
	if all, err := Addrs(); err != nil {
		t.Fatal(err)
	} else if containsAddr(all, extra4.Addr()) {
		t.Fatalf("%s visible outside the namespace: %v", extra4, all)
	}

	var addrs map[string][]netip.Prefix
	do(t, h, func() (err error) { addrs, err = Addrs(); return err })
	if got, want := sortedStrings(addrs["eth0"]), ipAddrs(t, h, "eth0"); !slices.Equal(got, want) {
		t.Fatalf("Addrs()[eth0] = %v, ip addr says %v", got, want)
	}
	if !slices.Contains(addrs["lo"], netip.MustParsePrefix("127.0.0.1/8")) {
		t.Fatalf("Addrs()[lo] = %v, want 127.0.0.1/8", addrs["lo"])
	}

	var link Link
	do(t, h, func() (err error) { link, err = LinkByName("eth0"); return err })
	if want := macOf(t, h, "eth0"); link.MAC.String() != want.String() {
		t.Fatalf("LinkByName(eth0).MAC = %s, ip link says %s", link.MAC, want)
	}

	linkUp := func() (ok bool, err error) {
		err = h.Do(func() (err error) { ok, err = LinkUp("eth0"); return err })
		return ok, err
	}
	waitFor(t, 5*time.Second, "eth0 up at start", linkUp)
	h.Run(t, "ip", "link", "set", "eth0", "down")
	waitFor(t, 5*time.Second, "eth0 down after ip link set down", not(linkUp))
	h.Run(t, "ip", "link", "set", "eth0", "up")
	waitFor(t, 5*time.Second, "eth0 up again", linkUp)

	// The peer going down leaves eth0 administratively up but not running.
	if out, err := exec.Command("ip", "-n", nw.Switch, "link", "set", "p0", "down").CombinedOutput(); err != nil {
		t.Fatalf("switch port down: %v\n%s", err, out)
	}
	waitFor(t, 5*time.Second, "eth0 not running with its peer down", not(linkUp))
	do(t, h, func() (err error) { link, err = LinkByName("eth0"); return err })
	if link.Flags&0x1 == 0 { // IFF_UP
		t.Fatalf("eth0 flags %#x: want IFF_UP still set with only the peer down", link.Flags)
	}

	var upErr error
	do(t, h, func() error { _, upErr = LinkUp("nosuch0"); return nil })
	if !errors.Is(upErr, ErrNoInterface) {
		t.Fatalf("LinkUp(nosuch0) error = %v, want ErrNoInterface", upErr)
	}
}

func not(cond func() (bool, error)) func() (bool, error) {
	return func() (bool, error) { ok, err := cond(); return !ok, err }
}

func containsAddr(all map[string][]netip.Prefix, a netip.Addr) bool {
	for _, ps := range all {
		for _, p := range ps {
			if p.Addr() == a {
				return true
			}
		}
	}
	return false
}

func sortedStrings(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	sort.Strings(out)
	return out
}

// ipAddrs returns iface's addresses inside h as iproute2 lists them.
func ipAddrs(t *testing.T, h *netns.Host, iface string) []string {
	t.Helper()
	var links []struct {
		AddrInfo []struct {
			Local     string `json:"local"`
			PrefixLen int    `json:"prefixlen"`
		} `json:"addr_info"`
	}
	ipJSON(t, h, &links, "addr", "show", "dev", iface)
	var out []string
	for _, l := range links {
		for _, a := range l.AddrInfo {
			out = append(out, netip.PrefixFrom(netip.MustParseAddr(a.Local), a.PrefixLen).String())
		}
	}
	sort.Strings(out)
	return out
}

// BenchmarkHasAddr shows the cost of one poll (run in the test's own
// namespace; it only reads).
func BenchmarkHasAddr(b *testing.B) {
	a := netip.MustParseAddr("127.0.0.1")
	for b.Loop() {
		if ok, err := HasAddr("lo", a); err != nil || !ok {
			b.Fatalf("HasAddr(lo, 127.0.0.1) = %v, %v", ok, err)
		}
	}
}
