package cluster

import (
	"sort"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// FlagUpdate tells node To that node Node's flags are Flags.
type FlagUpdate struct {
	To    uint32 // the node whose copy is wrong
	Node  uint32 // the node the flags belong to
	Flags uint32 // Node's own flags, without DISCONNECTED
}

// FlagCorrections lists the flag copies that disagree with the owners' own
// flags, sorted by To then Node. A node's own flags are authoritative for
// itself (CTDB update_flags / ctdb_control_modflags).
//
// DISCONNECTED is each node's local observation of its link, not the
// owner's state, so it is ignored on both sides and never pushed (CTDB's
// modflags keeps the receiver's own DISCONNECTED bit). Nodes without a
// fetched view are skipped: their own flags are unknown.
//
// We chose corrections over a recovery, as CTDB does: a stale copy of
// another node's flags is not a fault worth a recovery or a ban credit, and
// a change that alters the active set triggers a recovery through
// NeedRecovery's membership check anyway.
func FlagCorrections(views map[uint32]NodeView) []FlagUpdate {
	var out []FlagUpdate
	for to, v := range views {
		for _, n := range v.Nodes {
			owner, ok := views[n.PNN]
			if !ok || n.PNN == to {
				continue
			}
			want := owner.Flags &^ protocol.FlagDisconnected
			if n.Flags&^protocol.FlagDisconnected != want {
				out = append(out, FlagUpdate{To: to, Node: n.PNN, Flags: want})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].To != out[j].To {
			return out[i].To < out[j].To
		}
		return out[i].Node < out[j].Node
	})
	return out
}
