package netif

import (
	"encoding/json"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/harness/poll"
	"github.com/ctdb-go/ctdb/tests/netns"
)

// do runs fn inside h's namespace and fails the test on error.
func do(t *testing.T, h *netns.Host, fn func() error) {
	t.Helper()
	if err := h.Do(fn); err != nil {
		t.Fatal(err)
	}
}

// ipJSON runs `ip -j args...` inside h and decodes the output into v. It is
// the independent view (iproute2) the package's own answers are checked
// against.
func ipJSON(t *testing.T, h *netns.Host, v any, args ...string) {
	t.Helper()
	out := h.Run(t, "ip", append([]string{"-j"}, args...)...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("ip -j %v on %s: %v\n%s", args, h.Label, err, out)
	}
}

// macOf returns iface's hardware address inside h, as iproute2 reports it.
func macOf(t *testing.T, h *netns.Host, iface string) net.HardwareAddr {
	t.Helper()
	var links []struct {
		Address string `json:"address"`
	}
	ipJSON(t, h, &links, "link", "show", "dev", iface)
	if len(links) != 1 {
		t.Fatalf("ip link show dev %s on %s: %d links", iface, h.Label, len(links))
	}
	mac, err := net.ParseMAC(links[0].Address)
	if err != nil {
		t.Fatalf("MAC of %s on %s: %v", iface, h.Label, err)
	}
	return mac
}

// neighMAC returns the link-layer address h's kernel has cached for a on
// eth0 ("" if none).
func neighMAC(t *testing.T, h *netns.Host, a netip.Addr) string {
	t.Helper()
	var entries []struct {
		Lladdr string `json:"lladdr"`
	}
	ipJSON(t, h, &entries, "neigh", "show", "to", a.String(), "dev", "eth0")
	if len(entries) == 0 {
		return ""
	}
	return entries[0].Lladdr
}

// waitFor polls cond every 20 ms until it is true, failing the test after
// timeout or on error.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	var err error
	ok := poll.True(timeout, 20*time.Millisecond, func() bool {
		var ok bool
		ok, err = cond()
		return ok || err != nil
	})
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if !ok {
		t.Fatalf("%s: not true after %v", what, timeout)
	}
}
