package cluster

import (
	"fmt"
	"slices"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// Decision is NeedRecovery's verdict. Culprit is the node to charge one ban
// credit, or protocol.PNNUnknown when nobody is at fault.
type Decision struct {
	Need    bool
	Reason  string
	Culprit uint32
}

// NeedRecovery runs the leader's consistency checks over the views fetched
// from the nodes (CTDB main_loop, ctdb_recoverd.c), given the active nodes
// (see ActiveNodes). It returns the first failing check; the checks run in
// a fixed order, nodes in PNN order, so the reason is deterministic:
//
//  1. the leader's own view is missing, or an active node's view is missing
//     (culprit: that node; CTDB blames a node whose nodemap fetch fails);
//  2. an active node is in recovery mode ACTIVE (no culprit: an election
//     sets it on everybody; CTDB verify_recmode blames nobody either);
//  3. the leader's generation is invalid (no culprit: nothing recovered yet);
//  4. the active set differs from the leader's vnnmap, which must hold
//     exactly the active nodes, sorted: a node joined or left. No culprit:
//     CTDB charges the leader here, but joining or leaving is not a fault,
//     and failed recoveries already charge the failing nodes;
//  5. an active node knows a different set of nodes (culprit: it; CTDB
//     "remote node count/PNN list differs");
//  6. an active node's generation or vnnmap differs from the leader's
//     (culprit: it).
//
// Need is false, with a Reason, when the leader's own flags say it is
// inactive: it must step down rather than recover (CTDB bug 16082, a
// stopped leader still ran recovery; HEAD re-reads its own flags first).
//
// Flag disagreements are not checked here: CTDB pushes the authoritative
// flags instead of recovering, and so do we (FlagCorrections). A flag
// change that alters who is active shows up in check 4.
func NeedRecovery(leader uint32, views map[uint32]NodeView, active []uint32) Decision {
	lv, ok := views[leader]
	if !ok {
		return need(leader, "no status from leader %d", leader)
	}
	if !IsActive(lv.Flags) {
		return Decision{Reason: fmt.Sprintf("leader %d is inactive (flags 0x%x): it must step down, not recover", leader, lv.Flags), Culprit: protocol.PNNUnknown}
	}
	active = sortedUnique(active)
	if d := checkViewsPresent(views, active); d.Need {
		return d
	}
	if d := checkRecModes(views, active); d.Need {
		return d
	}
	if d := checkLeaderGeneration(leader, lv); d.Need {
		return d
	}
	if d := checkMembership(lv, LMasters(views, active)); d.Need {
		return d
	}
	if d := checkRemotes(leader, lv, views, active); d.Need {
		return d
	}
	return Decision{Culprit: protocol.PNNUnknown}
}

// need builds a positive Decision with a formatted reason.
func need(culprit uint32, format string, args ...any) Decision {
	return Decision{Need: true, Reason: fmt.Sprintf(format, args...), Culprit: culprit}
}

func checkViewsPresent(views map[uint32]NodeView, active []uint32) Decision {
	for _, p := range active {
		if _, ok := views[p]; !ok {
			return need(p, "no status from active node %d", p)
		}
	}
	return Decision{}
}

func checkRecModes(views map[uint32]NodeView, active []uint32) Decision {
	for _, p := range active {
		if views[p].RecMode != protocol.RecModeNormal {
			return need(protocol.PNNUnknown, "node %d is in recovery mode", p)
		}
	}
	return Decision{}
}

func checkLeaderGeneration(leader uint32, lv NodeView) Decision {
	if !ValidGeneration(lv.Generation) {
		return need(protocol.PNNUnknown, "leader %d has invalid generation %d", leader, lv.Generation)
	}
	return Decision{}
}

// checkMembership compares the active set (its nodes with the LMASTER
// role) with the leader's vnnmap.
func checkMembership(lv NodeView, active []uint32) Decision {
	for _, p := range active {
		if !contains(lv.VNNMap, p) {
			return need(protocol.PNNUnknown, "node %d is active but not in the vnnmap %v", p, lv.VNNMap)
		}
	}
	for _, p := range lv.VNNMap {
		if !contains(active, p) {
			return need(protocol.PNNUnknown, "node %d is in the vnnmap %v but not active", p, lv.VNNMap)
		}
	}
	if !slices.Equal(lv.VNNMap, active) {
		return need(protocol.PNNUnknown, "vnnmap %v is not the sorted active set %v", lv.VNNMap, active)
	}
	return Decision{}
}

// checkRemotes compares every other active node's view with the leader's.
func checkRemotes(leader uint32, lv NodeView, views map[uint32]NodeView, active []uint32) Decision {
	known := nodeSet(lv)
	for _, p := range active {
		v := views[p]
		switch {
		case p == leader:
			continue
		case !slices.Equal(nodeSet(v), known):
			return need(p, "node %d knows nodes %v, leader knows %v", p, nodeSet(v), known)
		case v.Generation != lv.Generation:
			return need(p, "node %d has generation %d, leader has %d", p, v.Generation, lv.Generation)
		case !slices.Equal(v.VNNMap, lv.VNNMap):
			return need(p, "node %d has vnnmap %v, leader has %v", p, v.VNNMap, lv.VNNMap)
		}
	}
	return Decision{}
}

// nodeSet is the sorted set of PNNs in v's node map.
func nodeSet(v NodeView) []uint32 {
	s := make([]uint32, 0, len(v.Nodes))
	for _, n := range v.Nodes {
		s = append(s, n.PNN)
	}
	return sortedUnique(s)
}
