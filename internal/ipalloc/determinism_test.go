package ipalloc

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// shuffled returns copies of ips and nodes in a random order, each node's
// available list shuffled too.
func shuffled(r *rand.Rand, ips []IP, nodes []Node) ([]IP, []Node) {
	ips, nodes = slices.Clone(ips), slices.Clone(nodes)
	r.Shuffle(len(ips), func(i, j int) { ips[i], ips[j] = ips[j], ips[i] })
	r.Shuffle(len(nodes), func(i, j int) { nodes[i], nodes[j] = nodes[j], nodes[i] })
	for i := range nodes {
		a := slices.Clone(nodes[i].Available)
		r.Shuffle(len(a), func(x, y int) { a[x], a[y] = a[y], a[x] })
		nodes[i].Available = a
	}
	return ips, nodes
}

func TestAllocateDeterministic(t *testing.T) {
	ips := parseIPs(t, sixNode2Gone+`
10.0.1.1 -
10.0.1.2 -
fd00::1 -
fd00::2 1`)
	nodes := makeNodes(addrsOf(ips), []uint32{0, unhealthy, 0, 0}, map[uint32]string{3: "10.0.0.1 10.0.1.2 fd00::1"})
	want := format(Allocate(ips, nodes, Options{}))
	if again := format(Allocate(ips, nodes, Options{})); again != want {
		t.Fatalf("same input, different output:\n%s\nvs\n%s", want, again)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		si, sn := shuffled(r, ips, nodes)
		if got := format(Allocate(si, sn, Options{})); got != want {
			t.Fatalf("shuffled input changed the output:\n got:\n%s want:\n%s", got, want)
		}
	}
}

// Repeated addresses and PNNs are merged the same way whatever their order:
// the known holder wins over none, and a node listed twice is as weak as
// its weakest entry.
func TestAllocateDuplicates(t *testing.T) {
	ips := parseIPs(t, `
10.0.0.1 -
10.0.0.1 1
10.0.0.2 -
10.0.0.3 -`)
	all := addrsOf(ips) // .1 .1 .2 .3
	nodes := []Node{
		{PNN: 0, Available: all[:1], Runnable: true},
		{PNN: 0, Available: all[2:3], Runnable: true},
		{PNN: 1, Available: all[:3], Runnable: true},
		{PNN: 2, Available: all, Runnable: true},
		{PNN: 2, Available: all, Runnable: true, Flags: protocol.FlagBanned},
	}
	// .2 goes to node 0 only through its second entry; .3 only node 2
	// lists, and one of its entries is banned.
	want := "10.0.0.1 1\n10.0.0.2 0\n10.0.0.3 -\n"
	r := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		si, sn := shuffled(r, ips, nodes)
		if got := format(Allocate(si, sn, Options{})); got != want {
			t.Fatalf("got:\n%s want:\n%s", got, want)
		}
	}
}

// Allocate must not modify its input, even when merging repeated nodes.
func TestAllocateLeavesInputAlone(t *testing.T) {
	ips := parseIPs(t, sixNode2Gone)
	all := addrsOf(ips)
	backing := slices.Clone(all)
	nodes := []Node{
		{PNN: 1, Available: backing[:2], Runnable: true},
		{PNN: 1, Available: backing[4:], Runnable: true},
		{PNN: 0, Available: all, Runnable: true},
	}
	ipsCopy := slices.Clone(ips)
	Allocate(ips, nodes, Options{ForceRebalance: []uint32{1}})
	if !slices.Equal(ips, ipsCopy) {
		t.Errorf("ips modified: %v", ips)
	}
	if !slices.Equal(backing, all) {
		t.Errorf("available backing array modified: %v", backing)
	}
	if nodes[0].PNN != 1 || len(nodes[0].Available) != 2 {
		t.Errorf("nodes modified: %+v", nodes)
	}
}

func TestAllocateInvalidAddress(t *testing.T) {
	ips := []IP{{Addr: netip.Addr{}, Current: 0}, {Addr: netip.MustParseAddr("10.0.0.1"), Current: protocol.PNNUnknown}}
	nodes := []Node{{PNN: 0, Available: addrsOf(ips), Runnable: true}}
	got := Allocate(ips, nodes, Options{})
	if pnn, ok := got[netip.Addr{}]; !ok || pnn != protocol.PNNUnknown {
		t.Errorf("invalid address: got %d (present %v), want unassigned", pnn, ok)
	}
	if got[ips[1].Addr] != 0 {
		t.Errorf("10.0.0.1 on %d, want 0", got[ips[1].Addr])
	}
}
