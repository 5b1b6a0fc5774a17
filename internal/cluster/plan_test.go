package cluster

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestPlanRecovery(t *testing.T) {
	gens := func(g ...uint32) map[uint32]NodeView {
		v := map[uint32]NodeView{}
		for i, x := range g {
			v[uint32(i)] = NodeView{PNN: uint32(i), Generation: x}
		}
		return v
	}
	cases := []struct {
		name    string
		views   map[uint32]NodeView
		active  []uint32
		prev    uint32
		wantGen uint32
		wantMap []uint32
		wantErr error
		errText string
	}{
		{"fresh cluster skips 0 and 1", gens(0, 1, 1), []uint32{0, 1, 2}, 0, 2, []uint32{0, 1, 2}, nil, ""},
		{"one above the highest view", gens(7, 9, 8), []uint32{0, 1, 2}, 0, 10, []uint32{0, 1, 2}, nil, ""},
		{"inactive node's generation counts too", gens(7, 7, 12), []uint32{0, 1}, 0, 13, []uint32{0, 1}, nil, ""},
		{"previous recovery above views", gens(7, 7), []uint32{0, 1}, 20, 21, []uint32{0, 1}, nil, ""},
		{"no views still valid", nil, []uint32{4}, 0, 2, []uint32{4}, nil, ""},
		{"active sorted and deduplicated", gens(3), []uint32{5, 0, 3, 0}, 0, 4, []uint32{0, 3, 5}, nil, ""},
		{"no active nodes", gens(3), nil, 0, 0, nil, ErrNoActiveNodes, "no active nodes"},
		{"exhausted by a view", gens(3, math.MaxUint32), []uint32{0, 1}, 0, 0, nil, ErrGenerationExhausted, "node 1 reports generation 4294967295"},
		{"exhausted by prev", gens(3), []uint32{0}, math.MaxUint32, 0, nil, ErrGenerationExhausted, "the previous recovery reports"},
		{"just below the top", gens(math.MaxUint32 - 1), []uint32{0}, 0, math.MaxUint32, []uint32{0}, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := PlanRecovery(c.views, c.active, c.prev)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) || !strings.Contains(err.Error(), c.errText) {
					t.Fatalf("err = %v, want %v containing %q", err, c.wantErr, c.errText)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if p.NewGeneration != c.wantGen || !ValidGeneration(p.NewGeneration) {
				t.Errorf("NewGeneration = %d, want %d", p.NewGeneration, c.wantGen)
			}
			if !slices.Equal(p.VNNMap, c.wantMap) || !slices.Equal(p.Nodes, c.wantMap) {
				t.Errorf("VNNMap %v, Nodes %v, want both %v", p.VNNMap, p.Nodes, c.wantMap)
			}
		})
	}
}

// Successive recoveries, each installing its plan, only ever raise the
// generation: the fencing property.
func TestPlanRecoveryMonotonic(t *testing.T) {
	views := healthyCluster(3, 1)
	prev := uint32(0)
	for i := 0; i < 5; i++ {
		p, err := PlanRecovery(views, []uint32{0, 1, 2}, prev)
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if p.NewGeneration <= prev || !ValidGeneration(p.NewGeneration) {
			t.Fatalf("round %d: generation %d not above previous %d", i, p.NewGeneration, prev)
		}
		prev = p.NewGeneration
		for pnn := range views {
			edit(views, pnn, func(v *NodeView) { v.Generation = p.NewGeneration })
		}
		if d := NeedRecovery(0, views, []uint32{0, 1, 2}); d.Need {
			t.Fatalf("round %d: after installing the plan, still %q", i, d.Reason)
		}
	}
	if prev != 6 {
		t.Errorf("after 5 recoveries generation = %d, want 6", prev)
	}
}

func TestPlanCopiesSlices(t *testing.T) {
	p, err := PlanRecovery(nil, []uint32{1, 0}, 0)
	if err != nil {
		t.Fatal(err)
	}
	p.VNNMap[0] = 99
	if p.Nodes[0] != 0 {
		t.Errorf("VNNMap and Nodes share storage: Nodes = %v", p.Nodes)
	}
}

// Nodes without the LMASTER role are recovered but stay out of the
// vnnmap; a cluster where no node has the role keeps every active node.
func TestPlanRecoveryLMasters(t *testing.T) {
	views := map[uint32]NodeView{0: {PNN: 0, Generation: 5}, 1: {PNN: 1, Generation: 5, NoLMaster: true}, 2: {PNN: 2, Generation: 5}}
	p, err := PlanRecovery(views, []uint32{0, 1, 2}, 0)
	if err != nil || !slices.Equal(p.VNNMap, []uint32{0, 2}) || !slices.Equal(p.Nodes, []uint32{0, 1, 2}) {
		t.Fatalf("plan %+v, %v: want vnnmap [0 2], nodes [0 1 2]", p, err)
	}
	none := map[uint32]NodeView{0: {PNN: 0, NoLMaster: true}, 1: {PNN: 1, NoLMaster: true}}
	if p, _ := PlanRecovery(none, []uint32{1, 0}, 0); !slices.Equal(p.VNNMap, []uint32{0, 1}) {
		t.Fatalf("no LMASTER anywhere: vnnmap %v, want [0 1]", p.VNNMap)
	}
	// The check agrees with the plan: that vnnmap needs no recovery, and
	// a node losing the role does.
	h := withVNNMap(healthyCluster(3, 7), 0, 2)
	h = edit(h, 1, func(v *NodeView) { v.NoLMaster = true })
	if d := NeedRecovery(0, h, []uint32{0, 1, 2}); d.Need {
		t.Errorf("vnnmap [0 2] with node 1 not LMASTER: recovery needed: %s", d.Reason)
	}
	h2 := edit(healthyCluster(3, 7), 2, func(v *NodeView) { v.NoLMaster = true })
	if d := NeedRecovery(0, h2, []uint32{0, 1, 2}); !d.Need || !strings.Contains(d.Reason, "node 2 is in the vnnmap") {
		t.Errorf("node 2 lost LMASTER: %+v, want a recovery", d)
	}
}
