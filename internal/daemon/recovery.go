package daemon

import (
	"context"
	"time"

	"github.com/ctdb-go/ctdb/internal/clusterlock"
	"github.com/ctdb-go/ctdb/internal/eventd"
	"github.com/ctdb-go/ctdb/internal/nodestate"
	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/internal/stats"
)

// fenced lists the controls that change recovery state: they are refused
// unless they come with a generation and leader epoch at least as new as
// this node has seen.
var fenced = map[protocol.Op]bool{
	protocol.OpSetRecMode: true, protocol.OpStartRecovery: true,
	protocol.OpSetVNNMap: true, protocol.OpEndRecovery: true,
	protocol.OpTakeIP: true, protocol.OpReleaseIP: true,
	protocol.OpIPReallocated: true, protocol.OpSetAssignment: true,
}

// checkFence refuses a stale fenced control, and otherwise raises the
// newest epoch seen to the sender's (nodestate: Fence).
func (d *Daemon) checkFence(h protocol.Header) error {
	d.mu.Lock()
	acts := d.stepLocked(nodestate.Input{Kind: nodestate.Fence, Op: h.Op, Generation: h.Generation,
		FenceFlags: h.Flags})
	d.mu.Unlock()
	return d.do(context.Background(), acts)
}

// lockCheckTimeout bounds the check that the leader holds the lock.
const lockCheckTimeout = 5 * time.Second

func (d *Daemon) ctlSetRecMode(_ context.Context, h protocol.Header, req any) (any, error) {
	mode := req.(*protocol.SetRecMode).Mode
	if mode != protocol.RecModeNormal && mode != protocol.RecModeActive {
		return nil, protocol.Errorf(protocol.StatusBadRequest, "invalid recovery mode %d", mode)
	}
	if mode == protocol.RecModeNormal {
		if err := d.confirmLockHeld(); err != nil {
			return nil, err
		}
	}
	d.setRecMode(mode)
	return nil, nil
}

// confirmLockHeld: a node returns to NORMAL only after it has positively
// confirmed that the cluster lock is held (by the leader): a fresh helper
// must see contention. CTDB counts a timeout of this check as success,
// which let an isolated node keep serving; here a timeout is a refusal.
func (d *Daemon) confirmLockHeld() error {
	if d.cfg.Cluster.ClusterLock == "" {
		return nil
	}
	argv, err := clusterlock.ParseSpec(d.cfg.Cluster.ClusterLock, d.lockHelper())
	if err != nil {
		return protocol.Errorf(protocol.StatusError, "cluster lock: %v", err)
	}
	// A helper started while the lock's filesystem hangs would only stay
	// behind, stuck; this node's own probe of the lock directory (01.reclock)
	// already tells.
	if dir := clusterlock.LockDir(d.cfg.Cluster.ClusterLock); dir != "" {
		if w, _ := clusterlock.LockDirStuck(dir, d.cfg.Paths.VarDir, time.Now()); w != nil {
			return protocol.Errorf(protocol.StatusError, "cannot confirm that the cluster lock is held, staying in recovery: "+
				"%s does not answer (probe pid %d stuck since %s)", dir, w.Pid, w.Started.Format(time.RFC3339))
		}
	}
	t0 := time.Now()
	held, err := clusterlock.CheckHeldElsewhere(argv, lockCheckTimeout, d.log)
	if err == nil {
		d.obs.reg.ObserveLatency(stats.LatencyReclockCtdbd, time.Since(t0))
	}
	if err != nil {
		return protocol.Errorf(protocol.StatusError, "cannot confirm that the cluster lock is held, staying in recovery: %v", err)
	}
	if !held {
		return protocol.Errorf(protocol.StatusError, "cluster lock is not held by the leader, staying in recovery")
	}
	return nil
}

func (d *Daemon) setRecMode(mode int32) {
	d.mu.Lock()
	old := d.st.recmode
	d.st.recmode = mode
	switch {
	case old == protocol.RecModeNormal && mode == protocol.RecModeActive:
		d.st.recStart = d.clk.Now()
	case old == protocol.RecModeActive && mode == protocol.RecModeNormal:
		// uptime shows the last completed recovery.
		d.st.lastRecStart, d.st.recEnd = d.st.recStart, d.clk.Now()
		d.obs.reg.Recovery(d.st.recEnd.Sub(d.st.recStart))
	}
	d.mu.Unlock()
	if old == protocol.RecModeNormal && mode == protocol.RecModeActive {
		d.dbRecoveryStarted()
	}
	if old != mode {
		d.log.Infof("Recovery mode set to %s", recModeName(mode))
		d.stateChanged()
	}
}

func recModeName(m int32) string {
	if m == protocol.RecModeNormal {
		return "NORMAL"
	}
	return "ACTIVE"
}

func (d *Daemon) ctlStartRecovery(ctx context.Context, _ protocol.Header, _ any) (any, error) {
	return nil, d.recoveryEvent(ctx, "startrecovery")
}

func (d *Daemon) ctlEndRecovery(ctx context.Context, _ protocol.Header, _ any) (any, error) {
	return nil, d.recoveryEvent(ctx, "recovered")
}

func (d *Daemon) recoveryEvent(ctx context.Context, event string) error {
	res, err := d.runEvent(context.WithoutCancel(ctx), event, nil, 0)
	if err != nil {
		return protocol.Errorf(protocol.StatusEventFailed, "%s event: %v", event, err)
	}
	if res.Outcome != eventd.OutcomeOK {
		return protocol.Errorf(protocol.StatusEventFailed, "%s event failed: %s", event, describeFailure(res))
	}
	return nil
}

func (d *Daemon) ctlSetVNNMap(_ context.Context, _ protocol.Header, req any) (any, error) {
	r := req.(*protocol.SetVNNMap)
	return nil, d.do(context.Background(), d.step(nodestate.Input{Kind: nodestate.SetVNNMap, Generation: r.Generation, VNNMap: r.VNNMap}))
}

// ctlBan bans this node for the given seconds (0 unbans). A banned node is
// inactive: it takes no part in the cluster until the ban ends.
func (d *Daemon) ctlBan(_ context.Context, _ protocol.Header, req any) (any, error) {
	secs := req.(*protocol.Ban).Seconds
	return nil, d.do(context.Background(), d.step(nodestate.Input{Kind: nodestate.Ban, Seconds: secs}))
}

// setBanTimer stops the ban timer and starts it for after if not zero.
func (d *Daemon) setBanTimer(after time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.st.banTimer != nil {
		d.st.banTimer.Stop()
		d.st.banTimer = nil
	}
	if after > 0 {
		d.st.banTimer = d.clk.AfterFunc(after, d.banExpired)
	}
}

func (d *Daemon) banExpired() {
	d.mu.Lock()
	acts := d.stepLocked(nodestate.Input{Kind: nodestate.BanExpired})
	d.st.banTimer = nil
	d.mu.Unlock()
	d.do(context.Background(), acts)
}
