package cluster

import (
	"testing"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

func TestNeedRecovery(t *testing.T) {
	all := []uint32{0, 1, 2}
	cases := []struct {
		name    string
		views   map[uint32]NodeView
		active  []uint32
		need    bool
		reason  string
		culprit uint32
	}{
		{"consistent cluster", healthyCluster(3, 7), all, false, "", unknown},
		{"active given unsorted with duplicates", healthyCluster(3, 7), []uint32{2, 0, 1, 0}, false, "", unknown},
		{"no leader view",
			func() map[uint32]NodeView { v := healthyCluster(3, 7); delete(v, 0); return v }(), all,
			true, "no status from leader 0", 0},
		{"leader inactive must not recover",
			edit(healthyCluster(3, 7), 0, func(v *NodeView) { v.Flags = stopped }), all,
			false, "leader 0 is inactive (flags 0x20): it must step down, not recover", unknown},
		{"active node view missing",
			func() map[uint32]NodeView { v := healthyCluster(3, 7); delete(v, 2); return v }(), all,
			true, "no status from active node 2", 2},
		{"node in recovery mode",
			edit(healthyCluster(3, 7), 1, func(v *NodeView) { v.RecMode = protocol.RecModeActive }), all,
			true, "node 1 is in recovery mode", unknown},
		{"inactive node in recovery mode is ignored",
			withVNNMap(edit(healthyCluster(3, 7), 2, func(v *NodeView) { v.RecMode = protocol.RecModeActive }), 0, 1),
			[]uint32{0, 1}, false, "", unknown},
		{"leader invalid generation",
			healthyCluster(3, 1), all,
			true, "leader 0 has invalid generation 1", unknown},
		{"leader unset generation",
			healthyCluster(3, 0), all, true, "leader 0 has invalid generation 0", unknown},
		{"node joined",
			withVNNMap(healthyCluster(4, 7), 0, 1, 2), []uint32{0, 1, 2, 3},
			true, "node 3 is active but not in the vnnmap [0 1 2]", unknown},
		{"node left",
			healthyCluster(3, 7), []uint32{0, 2},
			true, "node 1 is in the vnnmap [0 1 2] but not active", unknown},
		{"vnnmap unsorted",
			edit(healthyCluster(3, 7), 0, func(v *NodeView) { v.VNNMap = []uint32{2, 0, 1} }), all,
			true, "vnnmap [2 0 1] is not the sorted active set [0 1 2]", unknown},
		{"vnnmap with duplicate",
			edit(healthyCluster(3, 7), 0, func(v *NodeView) { v.VNNMap = []uint32{0, 1, 1, 2} }), all,
			true, "vnnmap [0 1 1 2] is not the sorted active set [0 1 2]", unknown},
		{"node knows different nodes",
			edit(healthyCluster(3, 7), 2, func(v *NodeView) { v.Nodes = nodes(0, 0, 1, 0, 2, 0, 3, 0) }), all,
			true, "node 2 knows nodes [0 1 2 3], leader knows [0 1 2]", 2},
		{"node generation differs",
			edit(healthyCluster(3, 7), 2, func(v *NodeView) { v.Generation = 5 }), all,
			true, "node 2 has generation 5, leader has 7", 2},
		{"lowest differing node reported first",
			edit(edit(healthyCluster(3, 7), 2, func(v *NodeView) { v.Generation = 5 }), 1, func(v *NodeView) { v.Generation = 9 }), all,
			true, "node 1 has generation 9, leader has 7", 1},
		{"node vnnmap differs",
			edit(healthyCluster(3, 7), 1, func(v *NodeView) { v.VNNMap = []uint32{0, 1} }), all,
			true, "node 1 has vnnmap [0 1], leader has [0 1 2]", 1},
		{"recovery mode checked before generation",
			edit(edit(healthyCluster(3, 7), 2, func(v *NodeView) { v.Generation = 5 }), 1, func(v *NodeView) { v.RecMode = protocol.RecModeActive }), all,
			true, "node 1 is in recovery mode", unknown},
		{"flag disagreement alone needs no recovery",
			setSeen(healthyCluster(3, 7), 1, 2, unh), all, false, "", unknown},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := NeedRecovery(0, c.views, c.active)
			want := Decision{Need: c.need, Reason: c.reason, Culprit: c.culprit}
			if d != want {
				t.Errorf("NeedRecovery =\n  %+v\nwant\n  %+v", d, want)
			}
		})
	}
}

func TestNeedRecoveryOtherLeader(t *testing.T) {
	views := edit(healthyCluster(3, 7), 0, func(v *NodeView) { v.Generation = 6 })
	d := NeedRecovery(2, views, []uint32{0, 1, 2})
	want := Decision{Need: true, Reason: "node 0 has generation 6, leader has 7", Culprit: 0}
	if d != want {
		t.Errorf("NeedRecovery(leader 2) = %+v, want %+v", d, want)
	}
}

// withVNNMap sets every view's vnnmap to vnn.
func withVNNMap(views map[uint32]NodeView, vnn ...uint32) map[uint32]NodeView {
	for pnn := range views {
		edit(views, pnn, func(v *NodeView) { v.VNNMap = append([]uint32(nil), vnn...) })
	}
	return views
}
