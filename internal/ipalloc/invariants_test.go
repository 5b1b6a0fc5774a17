package ipalloc

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// randomScenario makes a cluster of up to 8 nodes and 40 addresses over a
// few subnets, with random flags, availability and current holders.
func randomScenario(r *rand.Rand) ([]IP, []Node, Options) {
	nips, nnodes := 1+r.IntN(40), 1+r.IntN(8)
	ips := make([]IP, nips)
	seen := map[netip.Addr]bool{}
	for i := range ips {
		a := netip.AddrFrom4([4]byte{10, 0, byte(r.IntN(3)), byte(1 + r.IntN(250))})
		if r.IntN(5) == 0 {
			a = netip.AddrFrom16([16]byte{0xfd, 0, 15: byte(r.IntN(250))})
		}
		for seen[a] { // unique addresses; repeats are tested elsewhere
			a = a.Next()
		}
		seen[a] = true
		ips[i] = IP{Addr: a, Current: protocol.PNNUnknown}
		if r.IntN(3) > 0 {
			ips[i].Current = uint32(r.IntN(nnodes + 1)) // may name no node
		}
	}
	blocking := []uint32{protocol.FlagUnhealthy, protocol.FlagBanned, protocol.FlagStopped, protocol.FlagDisconnected}
	nodes := make([]Node, nnodes)
	for n := range nodes {
		nodes[n] = Node{PNN: uint32(n), Runnable: r.IntN(8) > 0}
		if r.IntN(4) == 0 {
			nodes[n].Flags = blocking[r.IntN(len(blocking))]
		}
		for _, ip := range ips {
			if r.IntN(5) > 0 {
				nodes[n].Available = append(nodes[n].Available, ip.Addr)
			}
		}
	}
	opt := Options{NoIPFailback: r.IntN(3) == 0, NoIPTakeover: r.IntN(6) == 0}
	if r.IntN(4) == 0 {
		opt.ForceRebalance = []uint32{uint32(r.IntN(nnodes))}
	}
	return ips, nodes, opt
}

// checkInvariants asserts the rules every allocation must obey.
func checkInvariants(t *testing.T, ips []IP, nodes []Node, opt Options, got map[netip.Addr]uint32) {
	t.Helper()
	byPNN := map[uint32]Node{}
	for _, n := range nodes {
		byPNN[n.PNN] = n
	}
	hostable := func(pnn uint32, a netip.Addr) bool {
		n, ok := byPNN[pnn]
		return ok && CanHost(n) && slices.Contains(n.Available, a)
	}
	held := map[uint32]bool{}
	for _, ip := range ips {
		if hostable(ip.Current, ip.Addr) {
			held[ip.Current] = true
		}
	}
	for _, ip := range ips {
		pnn, ok := got[ip.Addr]
		switch {
		case !ok:
			t.Errorf("%s missing from result", ip.Addr)
		case pnn != protocol.PNNUnknown && !hostable(pnn, ip.Addr):
			t.Errorf("%s given to %d, which may not host it", ip.Addr, pnn)
		case opt.NoIPFailback && hostable(ip.Current, ip.Addr) && pnn != ip.Current:
			t.Errorf("%s moved %d -> %d although its holder can host it and NoIPFailback", ip.Addr, ip.Current, pnn)
		case opt.NoIPTakeover && pnn != protocol.PNNUnknown && pnn != ip.Current:
			t.Errorf("%s taken over by %d from %d with NoIPTakeover", ip.Addr, pnn, ip.Current)
		case hostable(ip.Current, ip.Addr) && pnn != ip.Current && held[pnn] && !slices.Contains(opt.ForceRebalance, pnn):
			t.Errorf("%s moved %d -> %d, a node that already served and is not forced", ip.Addr, ip.Current, pnn)
		}
	}
	if len(got) > len(ips) {
		t.Errorf("result has %d entries for %d input addresses", len(got), len(ips))
	}
}

// unhostedButHostable reports an address left unassigned although some node
// could host it, which must not happen unless NoIPTakeover.
func unhostedButHostable(ips []IP, nodes []Node, got map[netip.Addr]uint32) (netip.Addr, bool) {
	for _, ip := range ips {
		if got[ip.Addr] != protocol.PNNUnknown {
			continue
		}
		for _, n := range nodes {
			if CanHost(n) && slices.Contains(n.Available, ip.Addr) {
				return ip.Addr, true
			}
		}
	}
	return netip.Addr{}, false
}

func TestAllocateInvariants(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 7))
	for i := range 500 {
		ips, nodes, opt := randomScenario(r)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			got := Allocate(ips, nodes, opt)
			checkInvariants(t, ips, nodes, opt, got)
			if a, bad := unhostedButHostable(ips, nodes, got); bad && !opt.NoIPTakeover {
				t.Errorf("%s left unassigned although a node can host it", a)
			}
			checkRebalanceLowersCost(t, ips, nodes, opt, got)
			again := Allocate(withHolders(ips, got), nodes, opt)
			if format(again) != format(got) {
				t.Errorf("not a fixed point: a second run changed\n%s\ninto\n%s", format(got), format(again))
			}
		})
	}
}

// checkRebalanceLowersCost: rebalancing may only lower the total LCP2 cost
// compared with the same run without it.
func checkRebalanceLowersCost(t *testing.T, ips []IP, nodes []Node, opt Options, got map[netip.Addr]uint32) {
	t.Helper()
	noFailback := opt
	noFailback.NoIPFailback = true
	before := Allocate(ips, nodes, noFailback)
	if after, base := totalCost(got), totalCost(before); after > base {
		t.Errorf("rebalancing raised the total cost from %d to %d", base, after)
	}
}

// totalCost sums the LCP2 cost of every node in an allocation.
func totalCost(res map[netip.Addr]uint32) uint64 {
	var sum uint64
	for pnn, addrs := range byNode(res) {
		if pnn != protocol.PNNUnknown {
			sum += Cost(addrs)
		}
	}
	return sum
}
