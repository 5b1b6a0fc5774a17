package ipalloc

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// none marks an address without a holder in state.holder.
const none = -1

// state is one allocation in progress. Addresses and nodes are referred to
// by index into the sorted addrs and pnns slices.
type state struct {
	addrs   []netip.Addr // sorted, unique
	keys    []key        // keys[i] is keyOf(addrs[i])
	pnns    []uint32     // node index -> PNN, ascending
	hostOK  []bool       // hostOK[i*len(pnns)+n]: node n may host addrs[i]
	holder  []int        // address -> node index or none
	members [][]int      // node -> indices of the addresses it holds, ascending
	cost    []uint64     // node -> LCP2 cost of its members
}

// newState canonicalises the input and keeps every address whose holder may
// still host it; the others start unassigned.
func newState(ips []IP, nodes []Node) *state {
	ips = uniqueIPs(ips)
	nodes = mergeNodes(nodes)
	s := &state{
		addrs:   make([]netip.Addr, len(ips)),
		keys:    make([]key, len(ips)),
		pnns:    make([]uint32, len(nodes)),
		hostOK:  make([]bool, len(ips)*len(nodes)),
		holder:  make([]int, len(ips)),
		members: make([][]int, len(nodes)),
		cost:    make([]uint64, len(nodes)),
	}
	for i, ip := range ips {
		s.addrs[i], s.keys[i], s.holder[i] = ip.Addr, keyOf(ip.Addr), none
	}
	for n, node := range nodes {
		s.pnns[n] = node.PNN
		s.markAvailable(n, node)
	}
	for i, ip := range ips {
		if n, ok := s.nodeIndex(ip.Current); ok && s.canHost(i, n) {
			s.assign(i, n)
		}
	}
	return s
}

// uniqueIPs sorts addresses and drops repeats. Of conflicting entries for
// one address the lowest Current wins, so a known holder beats PNNUnknown
// and the outcome does not depend on input order.
func uniqueIPs(ips []IP) []IP {
	out := slices.Clone(ips)
	slices.SortFunc(out, func(a, b IP) int {
		return cmp.Or(a.Addr.Compare(b.Addr), cmp.Compare(a.Current, b.Current))
	})
	return slices.CompactFunc(out, func(a, b IP) bool { return a.Addr == b.Addr })
}

// mergeNodes sorts nodes by PNN and merges entries that repeat a PNN
// conservatively: flags are OR-ed, Runnable AND-ed, addresses united.
func mergeNodes(nodes []Node) []Node {
	out := slices.Clone(nodes)
	slices.SortStableFunc(out, func(a, b Node) int { return cmp.Compare(a.PNN, b.PNN) })
	merged := out[:0]
	for _, n := range out {
		last := len(merged) - 1
		if last < 0 || merged[last].PNN != n.PNN {
			merged = append(merged, n)
			continue
		}
		m := &merged[last]
		m.Flags |= n.Flags
		m.Runnable = m.Runnable && n.Runnable
		m.Available = append(slices.Clip(m.Available), n.Available...)
	}
	return merged
}

// markAvailable records which addresses node n may host: all it lists as
// available if it can host at all, none otherwise.
func (s *state) markAvailable(n int, node Node) {
	if !CanHost(node) {
		return
	}
	for _, a := range node.Available {
		if i, ok := slices.BinarySearchFunc(s.addrs, a, netip.Addr.Compare); ok && a.IsValid() {
			s.hostOK[i*len(s.pnns)+n] = true
		}
	}
}

// nodeIndex maps a PNN to its node index.
func (s *state) nodeIndex(pnn uint32) (int, bool) {
	return slices.BinarySearch(s.pnns, pnn)
}

// canHost reports whether node n may host address i.
func (s *state) canHost(i, n int) bool {
	return s.hostOK[i*len(s.pnns)+n]
}

// addedCost is what address i costs next to the other addresses on node n.
func (s *state) addedCost(i, n int) uint64 {
	var sum uint64
	for _, m := range s.members[n] {
		if m != i {
			sum += pairCost(s.keys[i], s.keys[m])
		}
	}
	return sum
}

// assign gives unassigned address i to node n.
func (s *state) assign(i, n int) {
	s.cost[n] += s.addedCost(i, n)
	pos, _ := slices.BinarySearch(s.members[n], i)
	s.members[n] = slices.Insert(s.members[n], pos, i)
	s.holder[i] = n
}

// unassign takes address i away from its holder.
func (s *state) unassign(i int) {
	n := s.holder[i]
	s.cost[n] -= s.addedCost(i, n)
	pos, _ := slices.BinarySearch(s.members[n], i)
	s.members[n] = slices.Delete(s.members[n], pos, pos+1)
	s.holder[i] = none
}

// result reports every address with the PNN of its holder.
func (s *state) result() map[netip.Addr]uint32 {
	out := make(map[netip.Addr]uint32, len(s.addrs))
	for i, a := range s.addrs {
		out[a] = protocol.PNNUnknown
		if n := s.holder[i]; n != none {
			out[a] = s.pnns[n]
		}
	}
	return out
}
