package harness

import (
	"context"
	"fmt"
	"time"

	"github.com/ctdb-go/ctdb/internal/cli"
	"github.com/ctdb-go/ctdb/internal/client"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

// Status is one node's view of the cluster, as `ctdb status` shows it.
type Status struct {
	PNN        int
	Flags      map[int]string // pnn -> "OK", "DISCONNECTED|INACTIVE", ...
	Generation uint32         // 1 = invalid (no recovery yet)
	Size       int            // entries of the vnnmap
	Normal     bool           // recovery mode NORMAL
	Leader     int            // -1: none
}

const invalidGeneration = 1

// ReadStatus asks the daemon on socket for its status through the client
// library.
func ReadStatus(socket string, timeout time.Duration) (Status, error) {
	c, err := client.Dial(socket, timeout)
	if err != nil {
		return Status{}, err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var st protocol.Status
	if err := c.Call(ctx, protocol.PNNCurrent, protocol.OpGetStatus, nil, &st); err != nil {
		return Status{}, fmt.Errorf("%s: status: %w", socket, err)
	}
	out := Status{PNN: int(st.PNN), Flags: map[int]string{}, Generation: st.Generation,
		Normal: st.RecMode == protocol.RecModeNormal, Leader: -1, Size: len(st.VNNMap)}
	if st.Leader != protocol.PNNUnknown {
		out.Leader = int(st.Leader)
	}
	for _, n := range st.Nodes {
		out.Flags[int(n.PNN)] = cli.FlagsString(n.Flags)
	}
	return out, nil
}

// Converged says why the statuses (one per running node) do not yet agree
// on one leader and one generation in recovery mode NORMAL, with every
// node of want seen with the wanted flags ("" when they do).
func Converged(sts map[int]Status, want map[int]string) string {
	var first *Status
	firstNode := -1
	for i, st := range sts {
		if !st.Normal || st.Leader < 0 || st.Generation == invalidGeneration {
			return fmt.Sprintf("node %d: normal %v leader %d generation %d", i, st.Normal, st.Leader, st.Generation)
		}
		for pnn, f := range want {
			if st.Flags[pnn] != f {
				return fmt.Sprintf("node %d sees node %d as %s, want %s", i, pnn, st.Flags[pnn], f)
			}
		}
		if first == nil {
			first, firstNode = &st, i
			continue
		}
		if st.Leader != first.Leader || st.Generation != first.Generation {
			return fmt.Sprintf("nodes %d and %d disagree: leader %d/%d generation %d/%d",
				firstNode, i, first.Leader, st.Leader, first.Generation, st.Generation)
		}
	}
	return ""
}
