package ipalloc

import (
	"net/netip"
	"testing"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// subnetIPs makes n addresses spread over 4 /24 subnets, unassigned.
func subnetIPs(n int) []IP {
	ips := make([]IP, n)
	for i := range ips {
		a := netip.AddrFrom4([4]byte{10, 0, byte(i % 4), byte(1 + i/4)})
		ips[i] = IP{Addr: a, Current: protocol.PNNUnknown}
	}
	return ips
}

// withHolders returns ips with Current set from an allocation.
func withHolders(ips []IP, res map[netip.Addr]uint32) []IP {
	out := make([]IP, len(ips))
	for i, ip := range ips {
		out[i] = IP{Addr: ip.Addr, Current: res[ip.Addr]}
	}
	return out
}

// spread returns the smallest and largest address count over the nodes that
// can host, and how many addresses are unassigned.
func spread(nodes []Node, res map[netip.Addr]uint32) (lo, hi, unassigned int) {
	count := map[uint32]int{}
	for _, pnn := range res {
		count[pnn]++
	}
	lo = len(res) + 1
	for _, n := range nodes {
		if CanHost(n) {
			lo, hi = min(lo, count[n.PNN]), max(hi, count[n.PNN])
		}
	}
	return lo, hi, count[protocol.PNNUnknown]
}

// checkBalanced fails unless every address is hosted and counts per
// hosting node differ by at most one.
func checkBalanced(t *testing.T, step string, nodes []Node, res map[netip.Addr]uint32) {
	t.Helper()
	lo, hi, un := spread(nodes, res)
	if un != 0 || hi-lo > 1 {
		t.Errorf("%s: %d unassigned, per-node counts %d..%d, want 0 and max-min <= 1", step, un, lo, hi)
	}
}

// A 16 node, 64 address cluster: balanced from empty, a failed node's
// addresses spread without moving the others, and the node refilled when it
// returns.
func TestAllocateLarge(t *testing.T) {
	ips := subnetIPs(64)
	flags := make([]uint32, 16)
	nodes := makeNodes(addrsOf(ips), flags, nil)
	first := Allocate(ips, nodes, Options{})
	checkBalanced(t, "from empty", nodes, first)

	flags[5] = protocol.FlagUnhealthy
	down := makeNodes(addrsOf(ips), flags, nil)
	failed := Allocate(withHolders(ips, first), down, Options{})
	checkBalanced(t, "node 5 down", down, failed)
	for a, pnn := range first {
		if pnn != 5 && failed[a] != pnn {
			t.Errorf("node 5 down: %s moved %d -> %d", a, pnn, failed[a])
		}
	}

	back := Allocate(withHolders(ips, failed), nodes, Options{})
	checkBalanced(t, "node 5 back", nodes, back)
	for a, pnn := range failed {
		if back[a] != pnn && back[a] != 5 {
			t.Errorf("node 5 back: %s moved %d -> %d, not to the returning node", a, pnn, back[a])
		}
	}
}

// Per subnet, LCP2 should also spread: no node holds more than its share
// (rounded up) of any one /24.
func TestAllocateLargeSubnetSpread(t *testing.T) {
	ips := subnetIPs(64)
	nodes := makeNodes(addrsOf(ips), make([]uint32, 16), nil)
	res := Allocate(ips, nodes, Options{})
	per := map[[2]uint32]int{}
	for a, pnn := range res {
		per[[2]uint32{pnn, uint32(a.As4()[2])}]++
	}
	for k, c := range per {
		if c > 1 { // 16 addresses per subnet over 16 nodes
			t.Errorf("node %d holds %d addresses of 10.0.%d.0/24, want at most 1", k[0], c, k[1])
		}
	}
}

func BenchmarkAllocate32x256(b *testing.B) {
	ips := subnetIPs(256)
	nodes := makeNodes(addrsOf(ips), make([]uint32, 32), nil)
	b.ReportAllocs()
	for b.Loop() {
		Allocate(ips, nodes, Options{})
	}
}

// A failover run: one node of 32 down, its addresses placed elsewhere.
func BenchmarkAllocate32x256Failover(b *testing.B) {
	ips := subnetIPs(256)
	flags := make([]uint32, 32)
	nodes := makeNodes(addrsOf(ips), flags, nil)
	held := withHolders(ips, Allocate(ips, nodes, Options{}))
	flags[7] = protocol.FlagUnhealthy
	down := makeNodes(addrsOf(ips), flags, nil)
	b.ReportAllocs()
	for b.Loop() {
		Allocate(held, down, Options{})
	}
}
