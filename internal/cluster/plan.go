package cluster

import (
	"fmt"
	"math"
)

// Generation values with a special meaning. CTDB uses INVALID_GENERATION (1)
// for "not recovered"; 0 is what an unset field reads as.
const (
	GenerationUnset   uint32 = 0
	GenerationInvalid uint32 = 1
)

// ValidGeneration reports whether g can identify a recovered cluster.
func ValidGeneration(g uint32) bool { return g > GenerationInvalid }

// Plan is what one recovery installs.
type Plan struct {
	NewGeneration uint32   // fencing token: above every generation seen
	VNNMap        []uint32 // the active nodes, sorted
	Nodes         []uint32 // nodes the recovery drives (recmode, vnnmap, events), sorted
}

// PlanRecovery computes the next recovery. Nodes is the active set, VNNMap
// its nodes with the LMASTER role (LMasters).
//
// We differ from CTDB on the generation: CTDB draws a random one; ours is
// one more than the largest generation any view reports or prevGeneration
// (the last one this leader installed), and never 0 or 1. It is our fencing
// token: nodes refuse controls carrying an older generation, so it must only
// grow. If some node reports the maximum value, ErrGenerationExhausted is
// returned rather than wrapping around.
func PlanRecovery(views map[uint32]NodeView, active []uint32, prevGeneration uint32) (Plan, error) {
	nodes := sortedUnique(active)
	if len(nodes) == 0 {
		return Plan{}, ErrNoActiveNodes
	}
	gen, err := nextGeneration(views, prevGeneration)
	if err != nil {
		return Plan{}, err
	}
	return Plan{NewGeneration: gen, VNNMap: LMasters(views, nodes), Nodes: append([]uint32(nil), nodes...)}, nil
}

// nextGeneration returns max(prev, every view's generation, 1) + 1.
func nextGeneration(views map[uint32]NodeView, prev uint32) (uint32, error) {
	top, from := max(prev, GenerationInvalid), "the previous recovery"
	for _, pnn := range sortedKeys(views) {
		if g := views[pnn].Generation; g > top {
			top, from = g, fmt.Sprintf("node %d", pnn)
		}
	}
	if top == math.MaxUint32 {
		return 0, fmt.Errorf("%w: %s reports generation %d", ErrGenerationExhausted, from, top)
	}
	return top + 1, nil
}
