package daemon

import (
	"context"
	"time"

	"github.com/ctdb-go/ctdb/internal/config"
)

// Quorum under "[cluster] quorum = majority" is decided by the state
// machine (nodestate: which peers this node heard from lately, the
// majority rule, releasing every address without quorum); the daemon
// feeds it every frame and the passing time.

func (d *Daemon) quorumOn() bool {
	return d.cfg != nil && d.cfg.Cluster.Quorum == config.QuorumMajority
}

// hasQuorum is the last computed answer (true with the rule off).
func (d *Daemon) hasQuorum() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.st.HasQuorum()
}

// quorumText is what `ctdb status` and the node info show: "" with the
// rule off.
func (d *Daemon) quorumText() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.st.QuorumText()
}

// quorumLoop re-evaluates quorum every 200 ms. When quorum goes, the node
// releases every public address at once and the recovery daemon is woken,
// so a leader without quorum steps down.
func (d *Daemon) quorumLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.clk.After(200 * time.Millisecond):
		}
		d.tick(ctx)
	}
}
