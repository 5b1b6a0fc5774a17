package cluster

import (
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// Shorthands shared by the tests.
const (
	sec     = time.Second
	unknown = protocol.PNNUnknown
	disc    = protocol.FlagDisconnected
	unh     = protocol.FlagUnhealthy
	pdis    = protocol.FlagPermanentlyDisabled
	banned  = protocol.FlagBanned
	deleted = protocol.FlagDeleted
	stopped = protocol.FlagStopped
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// at is t0 plus d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// nodes builds a node map from pnn/flags pairs.
func nodes(pairs ...uint32) []NodeFlags {
	var out []NodeFlags
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, NodeFlags{PNN: pairs[i], Flags: pairs[i+1]})
	}
	return out
}

// healthyCluster returns views of n nodes, all active and consistent,
// with generation gen and leader 0.
func healthyCluster(n int, gen uint32) map[uint32]NodeView {
	var all []NodeFlags
	var vnn []uint32
	for i := 0; i < n; i++ {
		all = append(all, NodeFlags{PNN: uint32(i)})
		vnn = append(vnn, uint32(i))
	}
	views := map[uint32]NodeView{}
	for i := 0; i < n; i++ {
		views[uint32(i)] = NodeView{
			PNN: uint32(i), Generation: gen, VNNMap: append([]uint32(nil), vnn...),
			RecMode: protocol.RecModeNormal, Leader: 0,
			Nodes: append([]NodeFlags(nil), all...), LeaderCapable: true,
		}
	}
	return views
}

// edit applies f to views[pnn].
func edit(views map[uint32]NodeView, pnn uint32, f func(*NodeView)) map[uint32]NodeView {
	v := views[pnn]
	f(&v)
	views[pnn] = v
	return views
}

// setSeen sets viewer's copy of pnn's flags.
func setSeen(views map[uint32]NodeView, viewer, pnn, flags uint32) map[uint32]NodeView {
	return edit(views, viewer, func(v *NodeView) {
		v.Nodes = append([]NodeFlags(nil), v.Nodes...)
		for i := range v.Nodes {
			if v.Nodes[i].PNN == pnn {
				v.Nodes[i].Flags = flags
			}
		}
	})
}
