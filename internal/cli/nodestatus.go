package cli

import (
	"strconv"
	"strings"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// parseNodeList parses a node list argument: "all" (nil, true) or a
// comma-separated list of PNNs.
func parseNodeList(s string) (pnns []uint32, all bool, err error) {
	if s == "all" {
		return nil, true, nil
	}
	for _, tok := range strings.Split(s, ",") {
		n, perr := strconv.ParseUint(tok, 0, 32)
		if perr != nil {
			return nil, false, failf("Invalid node %s", tok)
		}
		pnns = append(pnns, uint32(n))
	}
	return pnns, false, nil
}

// checkNodeListArg validates an optional "all|PNN,..." argument
// (nodestatus, reloadips).
func checkNodeListArg(args []string) error {
	if len(args) == 1 {
		_, _, err := parseNodeList(args[0])
		return err
	}
	return nil
}

// runNodestatus: `ctdb nodestatus [all|PNN,...]`. Exits with the OR of
// the shown nodes' flags, so scripts can test a node's health by the exit
// code alone (32 for a stopped node).
func runNodestatus(e *env, args []string) error {
	nodes, err := e.localNodemap()
	if err != nil {
		return err
	}
	sel, all := []protocol.NodeInfo{}, false
	if len(args) == 0 {
		if n := findNode(nodes, e.cmdPNN); n != nil {
			sel = append(sel, *n)
		}
	} else {
		var pnns []uint32
		pnns, all, _ = parseNodeList(args[0])
		if all {
			sel = nodes
		}
		for _, p := range pnns {
			n := findNode(nodes, p)
			if n == nil {
				return failf("Node %d does not exist", p)
			}
			sel = append(sel, *n)
		}
	}
	if e.opts.machine {
		writeNodemapMachine(e.out, e.sep(), sel, e.cmdPNN)
	} else {
		writeNodemap(e.out, sel, e.cmdPNN, all)
	}
	return exitCode(int(nodestatusCode(sel)))
}

// nodestatusCode ORs the flags of the nodes that are shown (not deleted).
func nodestatusCode(nodes []protocol.NodeInfo) uint32 {
	var code uint32
	for _, n := range nodes {
		if n.Flags&protocol.FlagDeleted == 0 {
			code |= n.Flags
		}
	}
	return code
}
