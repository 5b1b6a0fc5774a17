package ipalloc

import (
	"net/netip"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// Allocate returns the new holder of every address in ips (a map from
// address to PNN, protocol.PNNUnknown for none). It is deterministic: the
// same set of inputs gives the same answer whatever their order. Repeated
// addresses or PNNs are tolerated (see uniqueIPs and mergeNodes); invalid
// addresses are never hosted. See the package documentation for the rules.
func Allocate(ips []IP, nodes []Node, opt Options) map[netip.Addr]uint32 {
	if opt.Disabled {
		return unassignAll(ips)
	}
	s := newState(ips, nodes)
	if opt.NoIPTakeover {
		return s.result()
	}
	// Targets are chosen before placement: a node that gets addresses in
	// this run is still a node that came back.
	targets := s.rebalanceTargets(opt.ForceRebalance)
	s.placeUnassigned()
	if !opt.NoIPFailback {
		s.rebalance(targets)
	}
	return s.result()
}

// unassignAll maps every address to protocol.PNNUnknown.
func unassignAll(ips []IP) map[netip.Addr]uint32 {
	out := make(map[netip.Addr]uint32, len(ips))
	for _, ip := range ips {
		out[ip.Addr] = protocol.PNNUnknown
	}
	return out
}
