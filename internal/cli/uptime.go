package cli

import (
	"fmt"
	"io"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// runUptime: `ctdb uptime` (the same with -X, as in CTDB).
func runUptime(e *env, args []string) error {
	var u protocol.Uptime
	if err := e.call(protocol.OpUptime, nil, &u); err != nil {
		return fmt.Errorf("Failed to get uptime from node %d: %w", e.cmdPNN, err)
	}
	writeUptime(e.out, e.cmdPNN, u)
	return nil
}

// writeUptime prints CTDB's four uptime lines. Before the first recovery
// has finished (RecoveryEnd zero) the last two lines say "never" where
// CTDB would print the epoch and a meaningless duration.
func writeUptime(w io.Writer, pnn uint32, u protocol.Uptime) {
	printf(w, "Current time of node %-4d     :                %s\n", pnn, ctime(u.Now))
	printf(w, "Ctdbd start time              : (%s) %s\n", interval(u.Started, u.Now), ctime(u.Started))
	if u.RecoveryEnd.IsZero() {
		printf(w, "Time of last recovery/failover: never\n")
		printf(w, "Duration of last recovery/failover: never\n")
		return
	}
	printf(w, "Time of last recovery/failover: (%s) %s\n", interval(u.RecoveryEnd, u.Now), ctime(u.RecoveryEnd))
	printf(w, "Duration of last recovery/failover: %f seconds\n", u.RecoveryEnd.Sub(u.RecoveryStart).Seconds())
}
