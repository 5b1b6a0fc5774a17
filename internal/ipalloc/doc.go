// Package ipalloc decides which node hosts each public IP address.
//
// It is a pure function of its input, modelled on CTDB's LCP2 algorithm
// (IPAllocAlgorithm 2): no I/O, no goroutines, no state between calls. The
// leader feeds it the current holders, every node's flags, runstate and
// available addresses, and the relevant tunables; it gets back the new holder
// of every address and turns the differences into releaseip/takeip.
//
// The allocation runs in three steps:
//
//  1. Addresses whose holder may no longer host them become unassigned; an
//     address stays put while its holder can still host it (stability).
//  2. Unassigned addresses are placed, one at a time, where they add the least
//     LCP2 cost (see [Cost]); ties go to the node with fewest addresses, then
//     the lowest PNN.
//  3. Unless NoIPFailback, addresses are moved off the most expensive nodes
//     onto rebalance targets while that lowers the total cost. Targets are the
//     nodes that held no address before the run (typically nodes that just
//     came back) plus Options.ForceRebalance: like CTDB, nodes already hosting
//     addresses are left alone so that minor imbalances cause no failovers.
//
// The result depends only on the set of inputs, never on their order: input
// slices are sorted (addresses ascending, nodes by PNN) before use.
package ipalloc
