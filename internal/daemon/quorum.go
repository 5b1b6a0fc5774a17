package daemon

import (
	"context"

	"github.com/ctdb-go/ctdb/internal/config"
)

// Quorum under "[cluster] quorum = majority" is decided by the state
// machine (nodestate: which peers this node heard from lately, the
// majority rule, releasing every address without quorum); the daemon
// feeds it every frame and the passing time.

// kickQuorum makes quorumLoop re-evaluate now (a peer connected or
// dropped, a peer's flags changed); a no-op while the rule is off.
func (d *Daemon) kickQuorum() {
	if d.qkick == nil {
		return
	}
	select {
	case d.qkick <- struct{}{}:
	default:
	}
}

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

// quorumLoop re-evaluates quorum when a peer connects or drops and when
// the next counted peer's last frame would expire (quorumNext). When
// quorum goes, the node releases every public address at once and the
// recovery daemon is woken, so a leader without quorum steps down.
func (d *Daemon) quorumLoop(ctx context.Context) {
	timer := d.clk.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C():
		case <-d.qkick:
		}
		d.tick(ctx)
		d.mu.Lock()
		wait := d.st.QuorumRecheck(d.clk.Now(), d.params(), d.cl.tr.Connected)
		d.mu.Unlock()
		timer.Reset(wait)
	}
}
