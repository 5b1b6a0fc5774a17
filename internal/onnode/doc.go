// Package onnode is the onnode tool: it runs a shell command on cluster
// nodes through ssh (or $ONNODE_SSH), with CTDB's node specifications (PNNs,
// ranges, all, any, ok, con) and options.
//
// The pieces are apart so they can be tested alone: nodes.go reads the nodes
// file, spec.go turns a node specification into targets (asking the local
// ctdb for node states only when the spec needs them), run.go runs the
// command on the targets in sequence or in parallel, and main.go parses the
// command line.
package onnode
