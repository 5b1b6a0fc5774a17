package recoverd

import (
	"context"
	"fmt"
	"time"

	"github.com/ctdb-go/ctdb/internal/cluster"
	"github.com/ctdb-go/ctdb/internal/clusterlock"
	"github.com/ctdb-go/ctdb/internal/nodestate"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

// lead is the leader's work in one pass: check that the lock is still
// ours, check the cluster, recover when needed, ban repeat culprits.
func (r *Recoverd) lead() {
	if r.locker != nil && !r.locker.Held() {
		r.log.Error("Cluster lock is no longer held: stepping down")
		r.ls.OnLockLost(r.now())
		return
	}
	if !r.needGather(r.now()) {
		// Nothing changed since every node's view was gathered and found
		// in order: only the takeover's own checks are due.
		r.takeover()
		return
	}
	if !r.viewsStale || r.newTerm {
		// This pass did not fetch the local state: the gathering must
		// not pair the peers' fresh views with an old one of this node.
		// A new term never starts from a node map fetched before it: a
		// push may have been lost, and a node shown DISCONNECTED in an
		// old map (connected since) would be left out of the first
		// takeover while it still holds its addresses.
		if err := r.fetchInfo(); err != nil {
			r.log.Warningf("Local ctdbd does not answer: %v", err)
			return
		}
	}
	r.viewsStale, r.settled, r.gathered = false, false, r.now()
	views := r.gatherViews()
	if r.staleTerm() {
		return
	}
	if r.missingPeer(views) {
		// A peer that did not answer may have just dropped off: our node
		// map is from before it did. Read it again, so that the decision
		// (and a recovery) leaves a disconnected node out at once, rather
		// than failing on it and waiting a RecoverInterval to retry.
		ctx, cancel := callCtx()
		var info protocol.NodeSelf
		if r.c.Call(ctx, protocol.PNNCurrent, protocol.OpGetNodeInfo, nil, &info) == nil {
			r.info = info
			views[r.self] = toView(info)
		}
		cancel()
	}
	active := cluster.ActiveNodes(r.self, views)
	d := cluster.NeedRecovery(r.self, views, active)
	if !d.Need && r.newTerm && len(active) > 0 {
		d = cluster.Decision{Need: true, Reason: "new leader", Culprit: protocol.PNNUnknown}
	}
	if !d.Need && r.forceRec && len(active) > 0 {
		d = cluster.Decision{Need: true, Reason: "requested by ctdb recover", Culprit: protocol.PNNUnknown}
	}
	if !d.Need {
		r.settled = true
		r.takeover()
		return
	}
	now := r.now()
	if now.Before(r.noRecUntil) {
		return
	}
	r.log.Infof("Recovery needed: %s", d.Reason)
	if d.Culprit != protocol.PNNUnknown && d.Culprit != r.self {
		r.culprits.Add(d.Culprit, 1, now, r.seconds("RecoveryGracePeriod"))
	}
	if r.banCulprits(len(r.info.Nodes)) {
		return
	}
	if err := r.recover(views, active); err != nil {
		r.recFailed++
		// Pace retries: at most one failed recovery per RecoverInterval,
		// however often messages wake the loop.
		r.noRecUntil = r.now().Add(r.interval())
		r.log.Errorf("Recovery failed: %v", err)
		return
	}
	r.recFailed = 0
	r.newTerm, r.forceRec = false, false
	r.info.Generation = r.lastGen
	r.culprits.Forgive()
	r.to.need = true
	r.takeover()
}

// staleTerm: a node's ctdbd (this node's too) has seen a newer leader
// epoch than this leader's term. That node refuses every fenced control
// of the term, so the term can never recover: the leader steps down and
// races again, and its next term takes an epoch above the one seen
// (with a fencing token, a token older than that epoch refuses to lead,
// see takeTerm). This happens after a restart with a lock that gives no
// token: the new leader's ctdbd and recovery daemon start from epoch 0,
// and no peer announces the epoch of an older term that it has seen.
func (r *Recoverd) staleTerm() bool {
	if r.peerEpoch <= r.ls.Epoch() || !r.ls.OnEpochSeen(r.peerEpoch, r.now()) {
		return false
	}
	r.log.Warningf("Node %d has seen leader epoch %d, newer than this term's: stepping down to start a new term",
		r.peerEpochAt, r.peerEpoch)
	r.token = 0
	r.release()
	r.broadcast(protocol.PNNUnknown)
	return true
}

// needGather: the leader gathers every node's view when its own ctdbd
// pushed a change since the last gathering (every change of a peer's
// state reaches it as a node update, and ctdbd pushes those on), while a
// recovery is owed, and every stateRecheck as a safety net.
func (r *Recoverd) needGather(now time.Time) bool {
	return r.viewsStale || !r.settled || r.newTerm || r.forceRec || now.Sub(r.gathered) >= r.stateRecheck()
}

// missingPeer: a connected peer in our node map gave no view.
func (r *Recoverd) missingPeer(views map[uint32]cluster.NodeView) bool {
	for _, n := range r.info.Nodes {
		if n.PNN == r.self || n.Flags&(protocol.FlagDisconnected|protocol.FlagDeleted) != 0 {
			continue
		}
		if _, ok := views[n.PNN]; !ok {
			return true
		}
	}
	return false
}

func (r *Recoverd) seconds(name string) time.Duration {
	return time.Duration(r.tun[name]) * time.Second
}

// boundParams are the tunables ctdbd's hold bound and quorum window are
// computed from (nodestate.Params), as this daemon last read them.
func (r *Recoverd) boundParams() nodestate.Params {
	return nodestate.Params{KeepaliveInterval: r.seconds("KeepaliveInterval"), KeepaliveLimit: int(r.tun["KeepaliveLimit"]),
		LockPingTimeout: clusterlock.PingTimeout(r.cfg.LockArgv)}
}

// banCulprits bans nodes with too many credits; true if it banned any.
func (r *Recoverd) banCulprits(numNodes int) bool {
	if r.tun["EnableBans"] == 0 {
		return false
	}
	banned := false
	for _, pnn := range r.culprits.ToBan(numNodes) {
		secs := r.tun["RecoveryBanPeriod"]
		r.log.Warningf("Banning node %d for %d seconds: it keeps causing recoveries", pnn, secs)
		ctx, cancel := callCtx()
		err := r.c.Call(ctx, pnn, protocol.OpBan, protocol.Ban{Seconds: secs}, nil)
		cancel()
		if err != nil {
			r.log.Errorf("Cannot ban node %d: %v", pnn, err)
		}
		banned = true
	}
	return banned
}

// recover runs one recovery over the active nodes: recovery mode ACTIVE,
// startrecovery, new generation and vnnmap, recovery mode NORMAL (each node
// confirms the lock is held), recovered. Every control is fenced by the
// generation and leader epoch.
func (r *Recoverd) recover(views map[uint32]cluster.NodeView, active []uint32) error {
	start := r.now()
	plan, err := cluster.PlanRecovery(views, active, r.lastGen)
	if err != nil {
		return err
	}
	fenceGen := plan.NewGeneration - 1
	epoch := r.ls.Epoch()
	r.log.Infof("Recovery started: generation %d, nodes %v", plan.NewGeneration, plan.Nodes)
	steps := []struct {
		name string
		gen  uint32
		op   protocol.Op
		req  any
	}{
		{"set recovery mode ACTIVE", fenceGen, protocol.OpSetRecMode, protocol.SetRecMode{Mode: protocol.RecModeActive}},
		{"startrecovery", fenceGen, protocol.OpStartRecovery, nil},
		{"install generation", fenceGen, protocol.OpSetVNNMap, protocol.SetVNNMap{Generation: plan.NewGeneration, VNNMap: plan.VNNMap}},
		{"set recovery mode NORMAL", plan.NewGeneration, protocol.OpSetRecMode, protocol.SetRecMode{Mode: protocol.RecModeNormal}},
		{"recovered", plan.NewGeneration, protocol.OpEndRecovery, nil},
	}
	for _, s := range steps {
		if r.locker != nil && !r.locker.Held() {
			return fmt.Errorf("cluster lock lost during recovery (before %s)", s.name)
		}
		if failed := r.onAll(plan.Nodes, s.gen, epoch, s.op, s.req); len(failed) > 0 {
			r.blame(failed)
			return fmt.Errorf("%s failed on %v", s.name, keys(failed))
		}
		if s.op == protocol.OpSetVNNMap {
			r.lastGen = plan.NewGeneration
			if err := r.recoverDatabases(plan.Nodes, plan.NewGeneration, epoch); err != nil {
				return err
			}
		}
	}
	r.noRecUntil = time.Time{}
	r.log.Infof("Recovery complete: generation %d in %.3f s", plan.NewGeneration, r.now().Sub(start).Seconds())
	r.report(protocol.RecdReport{Kind: protocol.RecdRecovery, Seconds: r.now().Sub(start).Seconds(), OK: true})
	return nil
}

// onAll sends a fenced control to every node in parallel; it returns the
// nodes that failed, with their errors.
func (r *Recoverd) onAll(nodes []uint32, gen, epoch uint32, op protocol.Op, req any) map[uint32]error {
	timeout := callTimeout
	if op == protocol.OpStartRecovery || op == protocol.OpEndRecovery {
		timeout = r.seconds("EventScriptTimeout") + 5*time.Second
	}
	res := fanOut(nodes, timeout, func(ctx context.Context, pnn uint32) (struct{}, error) {
		return struct{}{}, r.c.CallFenced(ctx, pnn, gen, epoch, op, req, nil)
	})
	failed := map[uint32]error{}
	for i, x := range res {
		if x.err != nil {
			failed[nodes[i]] = x.err
			r.log.Warningf("%s on node %d: %v", op, nodes[i], x.err)
		}
	}
	return failed
}

// blame charges one ban credit to every node that failed a step. The
// leader too: a leader whose own node keeps failing recoveries bans itself,
// becomes inactive and steps down, and another node leads (CTDB does the
// same).
//
// A node that could not be reached (not connected, or no answer in time)
// is not charged: it is gone rather than misbehaving, and keepalives take
// it out of the cluster. Charging it would ban every node cut off by a
// network partition for RecoveryBanPeriod once the partition heals.
func (r *Recoverd) blame(failed map[uint32]error) {
	for pnn, err := range failed {
		if notTheirFault(err) {
			continue
		}
		r.culprits.Add(pnn, 1, r.now(), r.seconds("RecoveryGracePeriod"))
	}
}

// notTheirFault: the control never got an answer from the node, or the
// node refused it because it has seen a newer generation than this leader
// (the leader must recover first; the node is right).
func notTheirFault(err error) bool {
	switch protocol.StatusOf(err) {
	case protocol.StatusUnreachable, protocol.StatusTimeout, protocol.StatusStaleGen:
		return true
	}
	return false
}

func keys(m map[uint32]error) []uint32 {
	var out []uint32
	for k := range m {
		out = append(out, k)
	}
	return out
}
