package ipalloc

import (
	"cmp"
	"slices"
)

// move is a candidate rebalancing step: address ip from its holder to dst.
type move struct {
	ip, dst int
	total   uint64 // source cost after the move plus destination cost after
}

// rebalanceTargets marks the nodes that may receive addresses when
// rebalancing: those holding none now, plus the forced ones. Holding
// addresses means a node was already serving, and CTDB keeps no state
// between runs to tell it apart from a node that just came back.
func (s *state) rebalanceTargets(force []uint32) []bool {
	targets := make([]bool, len(s.pnns))
	for n, m := range s.members {
		targets[n] = len(m) == 0
	}
	for _, pnn := range force {
		if n, ok := s.nodeIndex(pnn); ok {
			targets[n] = true
		}
	}
	return targets
}

// rebalance moves one address at a time off the most expensive node that
// has a useful move, until no move lowers the cost. Every move strictly
// lowers the total cost, so the loop ends; the bound is only a safeguard.
func (s *state) rebalance(targets []bool) {
	if !slices.Contains(targets, true) {
		return
	}
	for range len(s.addrs)*len(s.pnns) + 1 {
		if !s.rebalanceStep(targets) {
			return
		}
	}
}

// rebalanceStep makes one move and reports whether it found one. Sources
// are tried from the highest cost down (ties: lowest PNN); a node costing 0
// has at most one address per prefix family and nothing to gain.
func (s *state) rebalanceStep(targets []bool) bool {
	order := make([]int, len(s.pnns))
	for n := range order {
		order[n] = n
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(s.cost[b], s.cost[a]) })
	for _, src := range order {
		if s.cost[src] == 0 {
			return false
		}
		if m, ok := s.bestMoveFrom(src, targets); ok {
			s.unassign(m.ip)
			s.assign(m.ip, m.dst)
			return true
		}
	}
	return false
}

// bestMoveFrom finds the move off src with the lowest combined cost of
// source and destination afterwards. A move qualifies only if the address
// costs the destination less than it costs the source and the destination
// ends up cheaper than the source was (CTDB's conditions).
func (s *state) bestMoveFrom(src int, targets []bool) (move, bool) {
	best, found := move{}, false
	for _, i := range s.members[src] {
		srcAdded := s.addedCost(i, src)
		for dst, ok := range targets {
			if !ok || dst == src || !s.canHost(i, dst) {
				continue
			}
			dstAdded := s.addedCost(i, dst)
			dstCost := s.cost[dst] + dstAdded
			if dstAdded >= srcAdded || dstCost >= s.cost[src] {
				continue
			}
			c := move{ip: i, dst: dst, total: s.cost[src] - srcAdded + dstCost}
			if !found || s.betterMove(c, best) {
				best, found = c, true
			}
		}
	}
	return best, found
}

// betterMove orders moves by combined cost, then by fewest addresses on the
// destination, then by PNN. Equal ones keep the earlier (lower) address.
func (s *state) betterMove(a, b move) bool {
	if a.total != b.total {
		return a.total < b.total
	}
	la, lb := len(s.members[a.dst]), len(s.members[b.dst])
	if la != lb {
		return la < lb
	}
	return a.dst < b.dst
}
