package recoverd

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ctdb-go/ctdb/internal/ipalloc"
	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/internal/takeover"
)

// ipCheckInterval is how often the leader checks that every public address
// is hosted exactly where it was assigned.
const ipCheckInterval = 3 * time.Second

// takeoverState is the leader's memory between takeover runs.
type takeoverState struct {
	need      bool // a run is owed (after a recovery, a flags change, a request)
	move      *protocol.MoveIP
	flagsSig  string // node flags at the last run
	lastCheck time.Time
	misplaced int // addresses found on a wrong node or on two nodes, ever
	// none: no node listed any public address at the last gathering.
	// The periodic check is then skipped: an address added at run time
	// (addip, reloadips) comes with a takeover request, and a node that
	// joins or restarts changes the flags signature.
	none bool
}

// flagsSignature summarises who may host: a change means a takeover run.
func flagsSignature(nodes []protocol.NodeInfo, runstates map[uint32]string) string {
	var b strings.Builder
	for _, n := range nodes {
		fmt.Fprintf(&b, "%d:%x:%s ", n.PNN, n.Flags, runstates[n.PNN])
	}
	return b.String()
}

// takeover decides whether to run a takeover or an address check now, and
// does it. Called on the leader after the recovery checks.
func (r *Recoverd) takeover() {
	sig := flagsSignature(r.info.Nodes, r.runstates)
	if sig != r.to.flagsSig {
		r.to.need = true
	}
	check := r.now().Sub(r.to.lastCheck) >= ipCheckInterval && !r.to.none
	if !r.to.need && !check {
		return
	}
	lists, missing := r.gatherIPs()
	r.to.none = len(missing) == 0
	for _, l := range lists {
		r.to.none = r.to.none && len(l.IPs) == 0
	}
	if len(missing) > 0 {
		// A connected node that gave no list may hold addresses: a plan
		// without it could give them to another node while it still
		// holds them. Either it answers on a later pass, or its peers
		// drop it and it releases them within the release bound.
		r.log.Warningf("Takeover deferred: no public address list from nodes %v", missing)
		return
	}
	if !r.to.need {
		r.to.lastCheck = r.now()
		if !r.misplaced(lists) {
			return
		}
	}
	if r.nodeMapMoved() {
		return
	}
	if err := r.takeoverRun(lists, r.to.move); errors.Is(err, errDeferred) {
		r.log.Warning(capitalize(err.Error()))
		return
	} else if err != nil {
		r.log.Errorf("Takeover run failed: %v", err)
		return
	}
	r.to.need, r.to.move, r.to.flagsSig = false, nil, sig
	r.to.lastCheck = r.now()
}

// nodeMapMoved: the node map the takeover would plan with is no longer
// ctdbd's (a push was lost), or ctdbd does not answer. A node shown
// DISCONNECTED in an old map but connected since is serving its
// addresses, and a plan without it would give them away. The run is
// abandoned and the next pass fetches the map and gathers again. Asked
// only before a run, not for the periodic check that finds nothing.
func (r *Recoverd) nodeMapMoved() bool {
	info, err := r.nodeInfo()
	if err != nil {
		r.log.Warningf("Local ctdbd does not answer: %v", err)
		return true
	}
	if info.Flags == r.info.Flags && slices.Equal(info.Nodes, r.info.Nodes) {
		return false
	}
	r.log.Info("Node map changed without a push: fetching it again before the takeover")
	r.stale = true
	return true
}

// gatherIPs fetches every connected node's public address list; missing
// are the nodes that gave none.
func (r *Recoverd) gatherIPs() (lists map[uint32]protocol.PublicIPList, missing []uint32) {
	var nodes []uint32
	for _, n := range r.info.Nodes {
		if n.Flags&(protocol.FlagDisconnected|protocol.FlagDeleted) == 0 {
			nodes = append(nodes, n.PNN)
		}
	}
	res := fanOut(nodes, callTimeout, func(ctx context.Context, pnn uint32) (protocol.PublicIPList, error) {
		var l protocol.PublicIPList
		return l, r.c.Call(ctx, pnn, protocol.OpGetPublicIPs, nil, &l)
	})
	out := map[uint32]protocol.PublicIPList{}
	for i, x := range res {
		if x.err != nil {
			r.log.Warningf("No public address list from node %d: %v", nodes[i], x.err)
			missing = append(missing, nodes[i])
			continue
		}
		out[nodes[i]] = x.val
	}
	return out, missing
}

// misplaced checks that each address is on its assigned node and nowhere
// else; it logs and counts every address that is not.
func (r *Recoverd) misplaced(lists map[uint32]protocol.PublicIPList) bool {
	found := takeover.Misplaced(lists)
	for _, f := range found {
		if f.Unhosted {
			r.log.Warningf("Public address %s is assigned to node %d but not hosted: fixing", f.Addr, f.Node)
			continue
		}
		r.to.misplaced++
		r.log.Errorf("Public address %s found on node %d (assigned to %d, held by %v): fixing", f.Addr, f.Node, int32(f.Assigned), f.Holders)
	}
	return len(found) > 0
}

// takeoverRun plans the run (takeover.Plan) and drives it: every release
// first (so no address is ever on two nodes), then every take, then the
// new assignment and ipreallocated everywhere.
func (r *Recoverd) takeoverRun(lists map[uint32]protocol.PublicIPList, move *protocol.MoveIP) error {
	start := r.now()
	plan := takeover.Plan(r.takeoverInput(lists, move))
	if err := r.successorWait(plan.Takes); err != nil {
		return err
	}
	if plan.MoveRejected {
		r.log.Errorf("Cannot move %s to node %d: not available there", move.Addr, move.PNN)
	}
	gen, epoch := max(r.info.Generation, r.lastGen), r.ls.Epoch()
	if err := r.runIPOps(protocol.OpReleaseIP, plan.Releases, gen, epoch); err != nil {
		return err
	}
	if err := r.runIPOps(protocol.OpTakeIP, plan.Takes, gen, epoch); err != nil {
		return err
	}
	asg := protocol.Assignment{IPs: plan.Assignment, Misplaced: r.to.misplaced}
	if failed := r.onAll(plan.Nodes, gen, epoch, protocol.OpSetAssignment, asg); len(failed) > 0 {
		return fmt.Errorf("assignment push failed on %v", keys(failed))
	}
	if failed := r.onAll(plan.Nodes, gen, epoch, protocol.OpIPReallocated, nil); len(failed) > 0 {
		return fmt.Errorf("ipreallocated failed on %v", keys(failed))
	}
	if len(plan.Releases)+len(plan.Takes) > 0 {
		r.log.Infof("Takeover run: %d released, %d taken in %.3f s", len(plan.Releases), len(plan.Takes), r.now().Sub(start).Seconds())
	}
	return nil
}

// successorWait: early in a term, while this node's ctdbd shows a node
// DISCONNECTED, no address is taken until that node must have let its
// addresses go. The release bound's argument (the leader reassigns no
// earlier than (KeepaliveLimit-1) intervals after a node went silent)
// holds for the leader that saw the node go silent; a successor may
// already show it DISCONNECTED (its own link to it died earlier, or it
// just started) while the node heard from the previous leader until the
// lock changed hands, and keeps its addresses for the hold bound after
// that. Which addresses it holds is not known (the assignment the
// successor saw may be older than the previous leader's last takeover),
// so every take waits. The previous leader itself is not waited for: its
// addresses go when its recovery daemon stops confirming the lock, half a
// lock ping timeout before the lock can be taken. A node that connects
// meanwhile reports what it holds and is planned with. Found by the
// whole-cluster simulation (seeds 776, 4515, 5239).
func (r *Recoverd) successorWait(takes []takeover.Op) error {
	p := r.boundParams()
	until := r.termStart.Add(p.HoldBound() + successorMargin)
	if p.KeepaliveInterval == 0 || !r.now().Before(until) || len(takes) == 0 {
		return nil
	}
	for _, n := range r.info.Nodes {
		if n.Flags&protocol.FlagDisconnected != 0 && n.Flags&protocol.FlagDeleted == 0 && n.PNN != r.prevLeader && n.PNN != r.self {
			return fmt.Errorf("%w: not taking addresses before %s: node %d is disconnected and may still hold some",
				errDeferred, until.Format("15:04:05.000"), n.PNN)
		}
	}
	return nil
}

// errDeferred: a takeover run waits (logged as a warning, not a failure).
var errDeferred = errors.New("takeover deferred")

// successorMargin is added to the hold bound in successorWait.
const successorMargin = 500 * time.Millisecond

// takeoverInput is the planner's input: the nodemap (this node's flags
// from its own node info), runstates, tunables and configuration.
func (r *Recoverd) takeoverInput(lists map[uint32]protocol.PublicIPList, move *protocol.MoveIP) takeover.Input {
	in := takeover.Input{Self: r.self, Lists: lists, Move: move,
		Options: ipalloc.Options{NoIPFailback: r.tun["NoIPFailback"] != 0, NoIPTakeover: r.tun["NoIPTakeover"] != 0,
			Disabled: r.cfg.FailoverDisabled}}
	for _, n := range r.info.Nodes {
		flags := n.Flags
		if n.PNN == r.self {
			flags = r.info.Flags
		}
		in.Nodes = append(in.Nodes, takeover.Node{PNN: n.PNN, Flags: flags, Runnable: r.runstates[n.PNN] == "RUNNING"})
	}
	return in
}

// runIPOps runs the operations in parallel; a node that fails is charged
// numNodes ban credits (CTDB's takeover-failure rule: two failures ban).
func (r *Recoverd) runIPOps(op protocol.Op, ops []takeover.Op, gen, epoch uint32) error {
	res := fanOut(ops, r.seconds("EventScriptTimeout")+5*time.Second, func(ctx context.Context, o takeover.Op) (struct{}, error) {
		return struct{}{}, r.c.CallFenced(ctx, o.PNN, gen, epoch, op, o.Req, nil)
	})
	var errs []string
	for i, x := range res {
		if x.err == nil {
			continue
		}
		o := ops[i]
		errs = append(errs, fmt.Sprintf("%s %s on node %d: %v", op, o.Req.Addr, o.PNN, x.err))
		switch {
		case protocol.IsStatus(x.err, protocol.StatusStaleGen):
			r.newTerm = true // a node is ahead of us: recover first
		case !notTheirFault(x.err):
			r.culprits.Add(o.PNN, len(r.info.Nodes), r.now(), r.seconds("RecoveryGracePeriod"))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}
