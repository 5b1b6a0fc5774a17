package cluster

import (
	"testing"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

func nodesN(n int, deleted ...uint32) []NodeFlags {
	out := make([]NodeFlags, n)
	for i := range out {
		out[i] = NodeFlags{PNN: uint32(i)}
	}
	for _, d := range deleted {
		out[d].Flags |= protocol.FlagDeleted
	}
	return out
}

func heard(pnns ...uint32) map[uint32]bool {
	m := map[uint32]bool{}
	for _, p := range pnns {
		m[p] = true
	}
	return m
}

func TestMajorityQuorum(t *testing.T) {
	cases := []struct {
		name  string
		in    QuorumInput
		have  bool
		votes int
		conf  int
		tie   bool
	}{
		{"single node", QuorumInput{0, nodesN(1), nil}, true, 1, 1, false},
		{"5 nodes, 3 side", QuorumInput{2, nodesN(5), heard(3, 4)}, true, 3, 5, false},
		{"5 nodes, 2 side", QuorumInput{0, nodesN(5), heard(1)}, false, 2, 5, false},
		{"5 nodes, alone", QuorumInput{4, nodesN(5), nil}, false, 1, 5, false},
		{"5 nodes, 4 side", QuorumInput{1, nodesN(5), heard(2, 3, 4)}, true, 4, 5, false},
		{"4 nodes, half with lowest", QuorumInput{1, nodesN(4), heard(0)}, true, 2, 4, true},
		{"4 nodes, lowest itself", QuorumInput{0, nodesN(4), heard(3)}, true, 2, 4, true},
		{"4 nodes, half without lowest", QuorumInput{2, nodesN(4), heard(3)}, false, 2, 4, true},
		{"2 nodes, split, lowest", QuorumInput{0, nodesN(2), nil}, true, 1, 2, true},
		{"2 nodes, split, other", QuorumInput{1, nodesN(2), nil}, false, 1, 2, true},
		// Deleted nodes are not configured: 5 lines, 1 deleted = 4 nodes,
		// and the lowest configured PNN is 1.
		{"deleted not counted", QuorumInput{3, nodesN(5, 0), heard(4)}, false, 2, 4, true},
		{"deleted, lowest is 1", QuorumInput{2, nodesN(5, 0), heard(1)}, true, 2, 4, true},
		// A deleted node heard from does not vote.
		{"deleted heard", QuorumInput{3, nodesN(5, 0), heard(0, 4)}, false, 2, 4, true},
		{"3 nodes, 2 side", QuorumInput{0, nodesN(3), heard(2)}, true, 2, 3, false},
		{"3 nodes, 1 side", QuorumInput{1, nodesN(3), nil}, false, 1, 3, false},
	}
	for _, c := range cases {
		q := MajorityQuorum(c.in)
		if q.Have != c.have || q.Votes != c.votes || q.Configured != c.conf || q.TieBreak != c.tie {
			t.Errorf("%s: %+v, want have %v votes %d of %d tie %v", c.name, q, c.have, c.votes, c.conf, c.tie)
		}
	}
}

// In any clean split into two groups, at most one side has quorum, and
// for an odd number of nodes exactly one.
func TestMajorityQuorumAtMostOneSide(t *testing.T) {
	for n := 1; n <= 7; n++ {
		for mask := 0; mask < 1<<n; mask++ {
			sides := [2][]uint32{}
			for i := 0; i < n; i++ {
				s := (mask >> i) & 1
				sides[s] = append(sides[s], uint32(i))
			}
			withQuorum := 0
			for _, side := range sides {
				if len(side) == 0 {
					continue
				}
				q := MajorityQuorum(QuorumInput{Self: side[0], Nodes: nodesN(n), Heard: heard(side[1:]...)})
				// Every member of a side reaches the same answer.
				for _, m := range side[1:] {
					others := heard(side...)
					delete(others, m)
					if MajorityQuorum(QuorumInput{Self: m, Nodes: nodesN(n), Heard: others}).Have != q.Have {
						t.Fatalf("n=%d side %v: members disagree", n, side)
					}
				}
				if q.Have {
					withQuorum++
				}
			}
			if withQuorum != 1 {
				t.Fatalf("n=%d split %v|%v: %d sides with quorum, want exactly 1", n, sides[0], sides[1], withQuorum)
			}
		}
	}
}
