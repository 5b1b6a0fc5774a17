package ipalloc

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// parseIPs reads CTDB takeover-test style lines "<addr> <holder>", where the
// holder is a PNN or "-" for none.
func parseIPs(t testing.TB, text string) []IP {
	t.Helper()
	var out []IP
	for ln, line := range strings.Split(strings.TrimSpace(text), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			t.Fatalf("ips line %d: want <addr> <holder>, got %q", ln+1, line)
		}
		ip := IP{Addr: netip.MustParseAddr(f[0]), Current: protocol.PNNUnknown}
		if f[1] != "-" {
			pnn, err := strconv.ParseUint(f[1], 10, 32)
			if err != nil {
				t.Fatalf("ips line %d: bad holder %q", ln+1, f[1])
			}
			ip.Current = uint32(pnn)
		}
		out = append(out, ip)
	}
	return out
}

// format renders an allocation like CTDB's takeover tests: one
// "<addr> <pnn>" line per address, ascending, "-" for unassigned.
func format(res map[netip.Addr]uint32) string {
	addrs := make([]netip.Addr, 0, len(res))
	for a := range res {
		addrs = append(addrs, a)
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	var b strings.Builder
	for _, a := range addrs {
		if res[a] == protocol.PNNUnknown {
			fmt.Fprintf(&b, "%s -\n", a)
		} else {
			fmt.Fprintf(&b, "%s %d\n", a, res[a])
		}
	}
	return b.String()
}

// addrsOf returns the addresses of ips.
func addrsOf(ips []IP) []netip.Addr {
	out := make([]netip.Addr, len(ips))
	for i, ip := range ips {
		out[i] = ip.Addr
	}
	return out
}

// parseAddrs parses space-separated addresses.
func parseAddrs(s string) []netip.Addr {
	var out []netip.Addr
	for _, f := range strings.Fields(s) {
		out = append(out, netip.MustParseAddr(f))
	}
	return out
}

// makeNodes builds nodes 0..len(flags)-1, runnable, with the given flags,
// each able to host every address unless avail names its addresses.
func makeNodes(all []netip.Addr, flags []uint32, avail map[uint32]string) []Node {
	nodes := make([]Node, len(flags))
	for pnn, f := range flags {
		a := all
		if s, ok := avail[uint32(pnn)]; ok {
			a = parseAddrs(s)
		}
		nodes[pnn] = Node{PNN: uint32(pnn), Flags: f, Available: a, Runnable: true}
	}
	return nodes
}

// byNode groups an allocation into PNN -> addresses, for failure messages
// and count checks. Unassigned addresses are under protocol.PNNUnknown.
func byNode(res map[netip.Addr]uint32) map[uint32][]netip.Addr {
	out := map[uint32][]netip.Addr{}
	for a, pnn := range res {
		out[pnn] = append(out[pnn], a)
	}
	for _, l := range out {
		slices.SortFunc(l, netip.Addr.Compare)
	}
	return out
}

// resultOf turns parsed "<addr> <holder>" lines into an allocation result.
func resultOf(ips []IP) map[netip.Addr]uint32 {
	out := make(map[netip.Addr]uint32, len(ips))
	for _, ip := range ips {
		out[ip.Addr] = ip.Current
	}
	return out
}
