package cluster

import (
	"slices"
	"testing"
)

func TestActiveNodes(t *testing.T) {
	cases := []struct {
		name   string
		leader uint32
		views  map[uint32]NodeView
		want   []uint32
	}{
		{"all healthy", 0, healthyCluster(3, 5), []uint32{0, 1, 2}},
		{"no leader view", 7, healthyCluster(3, 5), nil},
		{"disconnected from leader", 0, setSeen(healthyCluster(3, 5), 0, 2, disc), []uint32{0, 1}},
		{"disconnected only from another node stays", 0, setSeen(healthyCluster(3, 5), 1, 2, disc), []uint32{0, 1, 2}},
		{"own banned flag wins over leader's stale copy", 0,
			edit(healthyCluster(3, 5), 2, func(v *NodeView) { v.Flags = banned }), []uint32{0, 1}},
		{"own active flags win over leader's stale stopped copy", 0,
			setSeen(healthyCluster(3, 5), 0, 1, stopped), []uint32{0, 1, 2}},
		{"missing view uses leader copy: active", 0,
			func() map[uint32]NodeView { v := healthyCluster(3, 5); delete(v, 2); return v }(), []uint32{0, 1, 2}},
		{"missing view uses leader copy: deleted", 0,
			func() map[uint32]NodeView { v := setSeen(healthyCluster(3, 5), 0, 2, deleted); delete(v, 2); return v }(), []uint32{0, 1}},
		{"unhealthy and disabled stay active", 0,
			edit(edit(healthyCluster(3, 5), 1, func(v *NodeView) { v.Flags = unh }), 2, func(v *NodeView) { v.Flags = pdis }),
			[]uint32{0, 1, 2}},
		{"inactive leader excluded", 1,
			edit(healthyCluster(3, 5), 1, func(v *NodeView) { v.Flags = stopped }), []uint32{0, 2}},
		{"leader missing from own node map", 0,
			edit(healthyCluster(3, 5), 0, func(v *NodeView) { v.Nodes = nodes(2, 0, 1, 0) }), []uint32{0, 1, 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ActiveNodes(c.leader, c.views); !slices.Equal(got, c.want) {
				t.Errorf("ActiveNodes(%d) = %v, want %v", c.leader, got, c.want)
			}
		})
	}
}

func TestSortedUnique(t *testing.T) {
	cases := []struct{ in, want []uint32 }{
		{nil, []uint32{}},
		{[]uint32{3, 1, 2}, []uint32{1, 2, 3}},
		{[]uint32{2, 2, 0, 2, 0}, []uint32{0, 2}},
	}
	for _, c := range cases {
		in := slices.Clone(c.in)
		if got := sortedUnique(c.in); !slices.Equal(got, c.want) {
			t.Errorf("sortedUnique(%v) = %v, want %v", in, got, c.want)
		}
		if !slices.Equal(in, c.in) {
			t.Errorf("sortedUnique modified its input: %v, was %v", c.in, in)
		}
	}
}
