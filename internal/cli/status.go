package cli

import (
	"fmt"
	"io"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// invalidGeneration is CTDB's INVALID_GENERATION: no recovery has set a
// generation yet.
const invalidGeneration uint32 = 1

// runStatus: `ctdb status`. The nodemap, vnnmap, recovery mode and leader
// all come from the node the command is about, in one round trip (CTDB
// takes the nodemap from the local node and the rest from -n's node).
func runStatus(e *env, args []string) error {
	st, err := fetchStatus(e)
	if err != nil {
		return err
	}
	if e.opts.machine {
		writeNodemapMachine(e.out, e.sep(), st.Nodes, st.PNN)
		return nil
	}
	writeStatus(e.out, st)
	return nil
}

func fetchStatus(e *env) (protocol.Status, error) {
	var st protocol.Status
	if err := e.call(protocol.OpGetStatus, nil, &st); err != nil {
		if e.pnnLater && e.localPNN() != nil {
			return st, fmt.Errorf("Failed to get status from the local node: %w", err)
		}
		return st, fmt.Errorf("Failed to get status from node %d: %w", e.cmdPNN, err)
	}
	if e.pnnLater {
		e.pnn, e.cmdPNN, e.pnnLater = st.PNN, st.PNN, false
	}
	return st, nil
}

// writeStatus prints the human form of `ctdb status`.
func writeStatus(w io.Writer, st protocol.Status) {
	writeNodemap(w, st.Nodes, st.PNN, true)
	if st.Generation == invalidGeneration {
		printf(w, "Generation:INVALID\n")
	} else {
		printf(w, "Generation:%d\n", st.Generation)
	}
	printf(w, "Size:%d\n", len(st.VNNMap))
	for i, lmaster := range st.VNNMap {
		printf(w, "hash:%d lmaster:%d\n", i, lmaster)
	}
	mode := "NORMAL"
	if st.RecMode != protocol.RecModeNormal {
		mode = "RECOVERY"
	}
	printf(w, "Recovery mode:%s (%d)\n", mode, st.RecMode)
	printf(w, "Leader:%s\n", pnnString(st.Leader))
	if st.Misplaced > 0 {
		// Our addition, only when something happened: public addresses
		// the leader found on a wrong node or on two nodes, and fixed.
		printf(w, "Public IPs misplaced:%d\n", st.Misplaced)
	}
	if st.FenceToken > 0 {
		// Our addition, only with a lock that gives one (ctdb_etcd_lock):
		// the leader's fencing token.
		printf(w, "Cluster lock fencing token:%d\n", st.FenceToken)
	}
	if st.Quorum != "" {
		// Our addition, only with "[cluster] quorum = majority".
		printf(w, "Quorum:%s\n", st.Quorum)
	}
}

// pnnString prints a PNN, or UNKNOWN for "no node" (no leader elected).
func pnnString(pnn uint32) string {
	if pnn == protocol.PNNUnknown {
		return "UNKNOWN"
	}
	return fmt.Sprint(pnn)
}
