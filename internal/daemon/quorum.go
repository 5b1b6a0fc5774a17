package daemon

import (
	"context"
	"sync"
	"time"

	"github.com/ctdb-go/ctdb/internal/cluster"
	"github.com/ctdb-go/ctdb/internal/config"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

// quorumState is this node's quorum under "[cluster] quorum = majority":
// which peers it has heard from lately, and the rule's last answer.
type quorumState struct {
	mu    sync.Mutex
	heard map[uint32]time.Time // last frame from each peer
	q     cluster.Quorum
	known bool // q has been computed at least once
	// kick wakes quorumLoop at once (a peer connected or dropped, a
	// peer's flags changed); nil while the rule is off.
	kick chan struct{}
}

// kickQuorum makes quorumLoop re-evaluate now.
func (d *Daemon) kickQuorum() {
	if d.q.kick == nil {
		return
	}
	select {
	case d.q.kick <- struct{}{}:
	default:
	}
}

// quorumNext is how long quorumLoop may sleep after evaluating at now.
// With quorum, nothing but an event (kick) or a counted peer's last frame
// growing older than the window can lose it: it sleeps until the first
// such frame expires (1 ms past, so the check sees it expired), at most a
// second (a changed tunable moves the window). Without quorum it checks
// every 200 ms: quorum comes back when frames from enough peers are
// recent again, which no event announces, and addresses taken meanwhile
// are released.
func (d *Daemon) quorumNext(now time.Time, have bool) time.Duration {
	if !have {
		return 200 * time.Millisecond
	}
	next := time.Second
	win := d.quorumWindow()
	d.q.mu.Lock()
	for pnn, at := range d.q.heard {
		if left := at.Add(win).Sub(now); left >= 0 && d.cl.tr.Connected(pnn) {
			next = min(next, left+time.Millisecond)
		}
	}
	d.q.mu.Unlock()
	return max(next, 10*time.Millisecond)
}

func (d *Daemon) quorumOn() bool {
	return d.cfg != nil && d.cfg.Cluster.Quorum == config.QuorumMajority
}

// noteHeard records a frame from pnn.
func (d *Daemon) noteHeard(pnn uint32) {
	d.q.mu.Lock()
	if d.q.heard == nil {
		d.q.heard = map[uint32]time.Time{}
	}
	d.q.heard[pnn] = time.Now()
	d.q.mu.Unlock()
}

// quorumWindow is how recent a peer's last frame must be for it to count:
// the release bound of a node cut off from the leader. A peer sends at
// least one frame (a keepalive) every KeepaliveInterval, shorter than the
// bound when KeepaliveLimit >= 3, so a connected peer never drops out; and
// a node cut off from the majority loses quorum, and its addresses, within
// the same bound as one cut off from the leader, before the majority's
// leader can reassign them.
func (d *Daemon) quorumWindow() time.Duration { return d.releaseBoundNow() }

// computeQuorum applies the majority rule at now.
func (d *Daemon) computeQuorum(now time.Time) cluster.Quorum {
	d.mu.Lock()
	nodes := nodeFlagsOf(d.st.nodes)
	self := d.st.pnn
	d.mu.Unlock()
	win := d.quorumWindow()
	heard := map[uint32]bool{}
	d.q.mu.Lock()
	for pnn, at := range d.q.heard {
		if now.Sub(at) <= win && d.cl.tr.Connected(pnn) {
			heard[pnn] = true
		}
	}
	d.q.mu.Unlock()
	return cluster.MajorityQuorum(cluster.QuorumInput{Self: self, Nodes: nodes, Heard: heard})
}

// hasQuorum is the last computed answer (true with the rule off).
func (d *Daemon) hasQuorum() bool {
	if !d.quorumOn() {
		return true
	}
	d.q.mu.Lock()
	defer d.q.mu.Unlock()
	return d.q.known && d.q.q.Have
}

// quorumText is what `ctdb status` and the node info show: "" with the
// rule off.
func (d *Daemon) quorumText() string {
	if !d.quorumOn() {
		return ""
	}
	d.q.mu.Lock()
	defer d.q.mu.Unlock()
	if !d.q.known {
		return "LOST (not computed yet)"
	}
	return d.q.q.String()
}

func nodeFlagsOf(nodes []protocol.NodeInfo) []cluster.NodeFlags {
	out := make([]cluster.NodeFlags, len(nodes))
	for i, n := range nodes {
		out[i] = cluster.NodeFlags{PNN: n.PNN, Flags: n.Flags}
	}
	return out
}

// quorumLoop re-evaluates quorum when a peer connects or drops and when
// the next counted peer's last frame would expire (quorumNext). When
// quorum goes, the node releases every public address at once and the
// recovery daemon is woken, so a leader without quorum steps down.
func (d *Daemon) quorumLoop(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-d.q.kick:
		}
		now := time.Now()
		q := d.computeQuorum(now)
		d.q.mu.Lock()
		changed := !d.q.known || q.Have != d.q.q.Have
		d.q.q, d.q.known = q, true
		d.q.mu.Unlock()
		if changed && !q.Have {
			d.mu.Lock()
			d.st.leader, d.st.leaderToken = protocol.PNNUnknown, 0
			d.mu.Unlock()
		}
		if changed {
			if q.Have {
				d.log.Infof("Quorum: %s", q)
			} else {
				d.log.Errorf("Quorum lost: %s: not leading, holding no public address", q)
			}
			d.stateChanged()
		}
		if !q.Have {
			d.ip.mu.Lock()
			n := len(d.ip.held)
			d.ip.mu.Unlock()
			if n > 0 {
				d.log.Errorf("No quorum: releasing all %d public addresses", n)
				d.releaseAll(ctx)
			}
		}
		timer.Reset(d.quorumNext(time.Now(), q.Have))
	}
}
