package cli

import (
	"fmt"
	"io"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// runPNN: `ctdb pnn` prints the local node's PNN.
func runPNN(e *env, args []string) error {
	printf(e.out, "%d\n", e.pnn)
	return nil
}

// runListnodes: `ctdb listnodes` prints the address of every node that is
// not deleted. CTDB reads the nodes file; we ask the daemon, which read it.
func runListnodes(e *env, args []string) error {
	nodes, err := e.localNodemap()
	if err != nil {
		return err
	}
	writeListnodes(e.out, nodes, e.opts.machine, e.sep())
	return nil
}

func writeListnodes(w io.Writer, nodes []protocol.NodeInfo, machine bool, sep string) {
	for _, n := range nodes {
		if n.Flags&protocol.FlagDeleted != 0 {
			continue
		}
		if machine {
			writeRow(w, sep, fmt.Sprint(n.PNN), n.Address)
		} else {
			printf(w, "%s\n", n.Address)
		}
	}
}

// runLeader: `ctdb leader` (old name recmaster) prints the leader's PNN as
// the node the command is about knows it, or UNKNOWN.
func runLeader(e *env, args []string) error {
	st, err := fetchStatus(e)
	if err != nil {
		return err
	}
	printf(e.out, "%s\n", pnnString(st.Leader))
	return nil
}

// runGetreclock: `ctdb getreclock` prints the cluster lock setting, or
// nothing when none is configured.
func runGetreclock(e *env, args []string) error {
	var r protocol.Reclock
	if err := e.call(protocol.OpGetReclock, nil, &r); err != nil {
		return fmt.Errorf("Failed to get cluster lock from node %d: %w", e.cmdPNN, err)
	}
	if r.Value != "" {
		printf(e.out, "%s\n", r.Value)
	}
	return nil
}
