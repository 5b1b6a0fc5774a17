package cluster

import (
	"sort"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// NodeView is what one node reports about itself, fetched by the leader.
// Functions taking a map[uint32]NodeView key it by PNN and trust the key.
type NodeView struct {
	PNN           uint32
	Flags         uint32 // its own flags: authoritative for itself
	Generation    uint32
	VNNMap        []uint32
	RecMode       int32
	Leader        uint32      // who it thinks leads; protocol.PNNUnknown if none
	Nodes         []NodeFlags // its view of every node's flags
	Started       time.Time   // priority time for no-lock elections
	LeaderCapable bool
	NoLMaster     bool // LMASTER role off: not in the vnnmap
}

// LMasters returns, sorted, the nodes of active that go into the vnnmap:
// those with the LMASTER role (a node without a view keeps it). If none
// has it, all of active: a cluster always has a vnnmap (CTDB then puts the
// leader in alone).
func LMasters(views map[uint32]NodeView, active []uint32) []uint32 {
	var out []uint32
	for _, p := range sortedUnique(active) {
		if !views[p].NoLMaster {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return sortedUnique(active)
	}
	return out
}

// NodeFlags is one entry of a node map: a node and its flags.
type NodeFlags struct {
	PNN   uint32
	Flags uint32
}

// ActiveNodes returns, sorted, the nodes a recovery led by leader must
// include: connected as the leader sees them, and not banned, stopped or
// deleted by their own account (their own flags win over the leader's
// possibly stale copy; the leader's copy is used for a node whose view was
// not fetched). A connected node whose view is missing stays active on
// purpose: NeedRecovery then blames it, and a node that keeps failing is
// banned and drops its IPs, as in CTDB. Without the leader's view the result
// is empty.
func ActiveNodes(leader uint32, views map[uint32]NodeView) []uint32 {
	lv, ok := views[leader]
	if !ok {
		return nil
	}
	var out []uint32
	for _, n := range lv.Nodes {
		if isActiveFor(leader, lv, n, views) {
			out = append(out, n.PNN)
		}
	}
	if !contains(out, leader) && IsActive(lv.Flags) {
		out = append(out, leader) // the leader's node map may omit itself
	}
	return sortedUnique(out)
}

// isActiveFor decides one entry n of the leader's node map.
func isActiveFor(leader uint32, lv NodeView, n NodeFlags, views map[uint32]NodeView) bool {
	if n.PNN == leader {
		return IsActive(lv.Flags)
	}
	if n.Flags&protocol.FlagDisconnected != 0 {
		return false
	}
	own := n.Flags
	if v, ok := views[n.PNN]; ok {
		own = v.Flags
	}
	return IsActive(own &^ protocol.FlagDisconnected)
}

func contains(s []uint32, x uint32) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// sortedUnique returns a sorted copy of s without duplicates.
func sortedUnique(s []uint32) []uint32 {
	out := append([]uint32(nil), s...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	n := 0
	for i, x := range out {
		if i == 0 || x != out[n-1] {
			out[n] = x
			n++
		}
	}
	return out[:n]
}

// sortedKeys returns the PNNs of views in ascending order.
func sortedKeys(views map[uint32]NodeView) []uint32 {
	keys := make([]uint32, 0, len(views))
	for pnn := range views {
		keys = append(keys, pnn)
	}
	return sortedUnique(keys)
}
