package ipalloc

// placement is a candidate (address, node) pair for an unassigned address.
type placement struct {
	slot  int    // index into the pending list
	node  int    // node index
	added uint64 // cost the address adds on node
}

// placeUnassigned repeatedly places the unassigned address that is cheapest
// to place (least added LCP2 cost, then fewest addresses on the node, then
// lowest PNN, then lowest address) until none is left that any node may
// host. added[p*N+n] caches the cost of pending address p on node n and is
// updated only for the node that changed, which keeps a round O(pending*N).
func (s *state) placeUnassigned() {
	pending := s.unassigned()
	nn := len(s.pnns)
	added := make([]uint64, len(pending)*nn)
	for p, i := range pending {
		for n := range nn {
			added[p*nn+n] = s.addedCost(i, n)
		}
	}
	done := make([]bool, len(pending))
	for {
		best, ok := s.cheapestPlacement(pending, done, added)
		if !ok {
			return
		}
		placed := pending[best.slot]
		s.assign(placed, best.node)
		done[best.slot] = true
		for p, i := range pending {
			added[p*nn+best.node] += pairCost(s.keys[i], s.keys[placed])
		}
	}
}

// unassigned lists the addresses without a holder, ascending.
func (s *state) unassigned() []int {
	var out []int
	for i, n := range s.holder {
		if n == none {
			out = append(out, i)
		}
	}
	return out
}

// cheapestPlacement finds the best pending placement, if any is possible.
func (s *state) cheapestPlacement(pending []int, done []bool, added []uint64) (placement, bool) {
	nn := len(s.pnns)
	best, found := placement{}, false
	for p, i := range pending {
		if done[p] {
			continue
		}
		for n := range nn {
			c := placement{slot: p, node: n, added: added[p*nn+n]}
			if s.canHost(i, n) && (!found || s.cheaper(c, best)) {
				best, found = c, true
			}
		}
	}
	return best, found
}

// cheaper orders placements by added cost, then by how many addresses the
// node holds, then by PNN. Equal ones keep the earlier (lower) address.
func (s *state) cheaper(a, b placement) bool {
	if a.added != b.added {
		return a.added < b.added
	}
	la, lb := len(s.members[a.node]), len(s.members[b.node])
	if la != lb {
		return la < lb
	}
	return a.node < b.node
}
