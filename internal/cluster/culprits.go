package cluster

import (
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// Culprits counts ban credits per node, as CTDB's recovery daemon does
// (ctdb_set_culprit_count, ban_misbehaving_nodes). The zero value is ready
// to use. It is a plain value: the caller serialises access.
//
// Callers follow CTDB on who may charge: an inactive leader charges nobody,
// a failed consistency check charges one credit, and a takeover-run failure
// reported for a node charges numNodes credits at once (so two such
// failures ban it).
type Culprits struct {
	nodes map[uint32]culprit
}

type culprit struct {
	count int
	last  time.Time // when the last credit was added
}

// Add charges pnn with credits at now. If pnn's previous credit is older
// than grace (RecoveryGracePeriod), its count restarts from zero first:
// "forgive old transgressions". Non-positive credits and PNNUnknown are
// ignored.
func (c *Culprits) Add(pnn uint32, credits int, now time.Time, grace time.Duration) {
	if credits <= 0 || pnn == protocol.PNNUnknown {
		return
	}
	if c.nodes == nil {
		c.nodes = make(map[uint32]culprit)
	}
	e := c.nodes[pnn]
	if now.Sub(e.last) > grace {
		e.count = 0
	}
	e.count += credits
	e.last = now
	c.nodes[pnn] = e
}

// ToBan returns, sorted, the nodes whose count reached 2 * numNodes (the
// number of nodes in the node map), and resets their counts: the ban itself
// is their punishment. numNodes <= 0 bans nobody.
func (c *Culprits) ToBan(numNodes int) []uint32 {
	if numNodes <= 0 {
		return nil
	}
	var out []uint32
	for pnn, e := range c.nodes {
		if e.count >= 2*numNodes {
			out = append(out, pnn)
			delete(c.nodes, pnn)
		}
	}
	return sortedUnique(out)
}

// Forgive clears every count. CTDB does it after each successful recovery.
func (c *Culprits) Forgive() { c.nodes = nil }

// Count returns pnn's current credits.
func (c *Culprits) Count(pnn uint32) int { return c.nodes[pnn].count }

// RecoveryFailureBanThreshold is how many failed recovery steps get a node
// banned (ctdb_recovery_helper.c: NUM_RETRIES).
const RecoveryFailureBanThreshold = 3

// BanFromFailures applies the recovery helper's rule to the failed steps it
// counted per node: the node with the most failures is banned if it has at
// least RecoveryFailureBanThreshold. On a tie the lower PNN is chosen, as
// the helper's scan in PNN order keeps the first maximum.
func BanFromFailures(failures map[uint32]int) (pnn uint32, ok bool) {
	top := 0
	for p, n := range failures {
		if n > top || (n == top && n > 0 && p < pnn) {
			pnn, top = p, n
		}
	}
	if top < RecoveryFailureBanThreshold {
		return protocol.PNNUnknown, false
	}
	return pnn, true
}
