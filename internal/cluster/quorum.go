package cluster

import (
	"fmt"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// QuorumInput is one node's view for the quorum rule: the configured
// nodes (deleted ones are not counted) and which peers it hears from now.
type QuorumInput struct {
	Self  uint32
	Nodes []NodeFlags     // every node in the nodes file, with its flags
	Heard map[uint32]bool // peers this node is in contact with now
}

// Quorum is the rule's answer.
type Quorum struct {
	Have       bool
	Votes      int // this node and the peers it hears from
	Configured int // nodes in the nodes file, deleted ones not counted
	// TieBreak is set when exactly half the nodes are reachable: the
	// half with the lowest configured PNN has quorum.
	TieBreak bool
}

// String is the form `ctdb status` shows.
func (q Quorum) String() string {
	state := "LOST"
	if q.Have {
		state = "OK"
	}
	s := fmt.Sprintf("%s (%d of %d nodes", state, q.Votes, q.Configured)
	if q.TieBreak {
		s += ", tie broken by the lowest PNN"
	}
	return s + ")"
}

// MajorityQuorum is the "quorum = majority" rule: a node has quorum when it
// and the nodes it is in contact with are more than half of the configured
// (not deleted) nodes. With exactly half, the half that holds the lowest
// configured PNN has quorum: each side can tell on its own (is that node
// itself or heard from?), and in a clean split only one side holds it. A
// node is counted whatever its health or flags: banned and stopped nodes
// still vote, since they still see the network.
func MajorityQuorum(in QuorumInput) Quorum {
	q := Quorum{}
	lowest := protocol.PNNUnknown
	for _, n := range in.Nodes {
		if n.Flags&protocol.FlagDeleted != 0 {
			continue
		}
		q.Configured++
		lowest = min(lowest, n.PNN)
		if n.PNN == in.Self || in.Heard[n.PNN] {
			q.Votes++
		}
	}
	switch {
	case 2*q.Votes > q.Configured:
		q.Have = true
	case 2*q.Votes == q.Configured:
		q.TieBreak = true
		q.Have = lowest == in.Self || in.Heard[lowest]
	}
	return q
}
