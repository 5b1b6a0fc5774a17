package recoverd

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ctdb-go/ctdb/internal/ipalloc"
	"github.com/ctdb-go/ctdb/internal/protocol"
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
	check := time.Since(r.to.lastCheck) >= ipCheckInterval
	if !r.to.need && !check {
		return
	}
	lists := r.gatherIPs()
	if !r.to.need {
		r.to.lastCheck = time.Now()
		if !r.misplaced(lists) {
			return
		}
	}
	if err := r.takeoverRun(lists, r.to.move); err != nil {
		r.log.Errorf("Takeover run failed: %v", err)
		return
	}
	r.to.need, r.to.move, r.to.flagsSig = false, nil, sig
	r.to.lastCheck = time.Now()
}

// gatherIPs fetches every connected node's public address list.
func (r *Recoverd) gatherIPs() map[uint32]protocol.PublicIPList {
	out := map[uint32]protocol.PublicIPList{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, n := range r.info.Nodes {
		if n.Flags&(protocol.FlagDisconnected|protocol.FlagDeleted) != 0 {
			continue
		}
		wg.Add(1)
		go func(pnn uint32) {
			defer wg.Done()
			ctx, cancel := callCtx()
			defer cancel()
			var l protocol.PublicIPList
			if err := r.c.Call(ctx, pnn, protocol.OpGetPublicIPs, nil, &l); err != nil {
				r.log.Warningf("No public address list from node %d: %v", pnn, err)
				return
			}
			mu.Lock()
			out[pnn] = l
			mu.Unlock()
		}(n.PNN)
	}
	wg.Wait()
	return out
}

// misplaced checks that each address is on its assigned node and nowhere
// else; it logs and counts every address that is not.
func (r *Recoverd) misplaced(lists map[uint32]protocol.PublicIPList) bool {
	bad := false
	holders := map[string][]uint32{}
	assigned := map[string]uint32{}
	for pnn, l := range lists {
		for _, ip := range l.IPs {
			if ip.Active != "" {
				holders[ip.Addr] = append(holders[ip.Addr], pnn)
			}
			if ip.Node != protocol.PNNUnknown {
				assigned[ip.Addr] = ip.Node
			}
		}
	}
	for addr, hs := range holders {
		want, ok := assigned[addr]
		for _, h := range hs {
			if !ok || h != want || len(hs) > 1 {
				r.to.misplaced++
				bad = true
				r.log.Errorf("Public address %s found on node %d (assigned to %d, held by %v): fixing", addr, h, int32(want), hs)
			}
		}
	}
	for addr, want := range assigned {
		if _, held := holders[addr]; !held {
			if _, up := lists[want]; up {
				bad = true
				r.log.Warningf("Public address %s is assigned to node %d but not hosted: fixing", addr, want)
			}
		}
	}
	return bad
}

// takeoverRun computes the assignment and drives it: every release first
// (so no address is ever on two nodes), then every take, then the new
// assignment and ipreallocated everywhere.
func (r *Recoverd) takeoverRun(lists map[uint32]protocol.PublicIPList, move *protocol.MoveIP) error {
	start := time.Now()
	alloc, ifaces := r.allocate(lists)
	if move != nil {
		a, err := netip.ParseAddr(move.Addr)
		if err == nil && canTake(lists[move.PNN], move.Addr) {
			alloc[a.Unmap()] = move.PNN
		} else {
			r.log.Errorf("Cannot move %s to node %d: not available there", move.Addr, move.PNN)
		}
	}
	gen, epoch := max(r.info.Generation, r.lastGen), r.ls.Epoch()
	var releases, takes []ipOp
	for pnn, l := range lists {
		for _, ip := range l.IPs {
			a, _ := netip.ParseAddr(ip.Addr)
			owner, ok := alloc[a]
			switch {
			case ip.Active != "" && (!ok || owner != pnn):
				releases = append(releases, ipOp{pnn, protocol.IPRequest{Addr: ip.Addr, Bits: ip.Bits, Iface: ip.Active}})
			case ip.Active == "" && ok && owner == pnn:
				takes = append(takes, ipOp{pnn, protocol.IPRequest{Addr: ip.Addr, Bits: ip.Bits, Iface: ifaces[pnn][ip.Addr]}})
			}
		}
	}
	if err := r.runIPOps(protocol.OpReleaseIP, releases, gen, epoch); err != nil {
		return err
	}
	if err := r.runIPOps(protocol.OpTakeIP, takes, gen, epoch); err != nil {
		return err
	}
	asg := protocol.Assignment{Misplaced: r.to.misplaced}
	for a, n := range alloc {
		asg.IPs = append(asg.IPs, protocol.IPHolder{Addr: a.String(), Node: n})
	}
	sort.Slice(asg.IPs, func(i, j int) bool { return asg.IPs[i].Addr < asg.IPs[j].Addr })
	var nodes []uint32
	for pnn := range lists {
		nodes = append(nodes, pnn)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i] < nodes[j] })
	if failed := r.onAll(nodes, gen, epoch, protocol.OpSetAssignment, asg); len(failed) > 0 {
		return fmt.Errorf("assignment push failed on %v", keys(failed))
	}
	if failed := r.onAll(nodes, gen, epoch, protocol.OpIPReallocated, nil); len(failed) > 0 {
		return fmt.Errorf("ipreallocated failed on %v", keys(failed))
	}
	if len(releases)+len(takes) > 0 {
		r.log.Infof("Takeover run: %d released, %d taken in %.3f s", len(releases), len(takes), time.Since(start).Seconds())
	}
	return nil
}

type ipOp struct {
	pnn uint32
	req protocol.IPRequest
}

// runIPOps runs the operations in parallel; a node that fails is charged
// numNodes ban credits (CTDB's takeover-failure rule: two failures ban).
func (r *Recoverd) runIPOps(op protocol.Op, ops []ipOp, gen, epoch uint32) error {
	type failure struct {
		o   ipOp
		err error
	}
	var mu sync.Mutex
	var failed []failure
	var wg sync.WaitGroup
	for _, o := range ops {
		wg.Add(1)
		go func(o ipOp) {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), r.seconds("EventScriptTimeout")+5*time.Second)
			defer cancel()
			if err := r.c.CallFenced(ctx, o.pnn, gen, epoch, op, o.req, nil); err != nil {
				mu.Lock()
				failed = append(failed, failure{o, err})
				mu.Unlock()
			}
		}(o)
	}
	wg.Wait()
	var errs []string
	for _, f := range failed {
		errs = append(errs, fmt.Sprintf("%s %s on node %d: %v", op, f.o.req.Addr, f.o.pnn, f.err))
		switch {
		case protocol.IsStatus(f.err, protocol.StatusStaleGen):
			r.newTerm = true // a node is ahead of us: recover first
		case !notTheirFault(f.err):
			r.culprits.Add(f.o.pnn, len(r.info.Nodes), time.Now(), r.seconds("RecoveryGracePeriod"))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

func canTake(l protocol.PublicIPList, addr string) bool {
	for _, ip := range l.IPs {
		if ip.Addr == addr && len(ip.Available) > 0 {
			return true
		}
	}
	return false
}

// allocate builds the allocation input from the nodes' lists and runs it.
// It also returns, per node, the interface to take each address on.
func (r *Recoverd) allocate(lists map[uint32]protocol.PublicIPList) (map[netip.Addr]uint32, map[uint32]map[string]string) {
	holders := map[netip.Addr][]uint32{}
	assigned := map[netip.Addr]uint32{}
	avail := map[uint32][]netip.Addr{}
	ifaces := map[uint32]map[string]string{}
	for pnn, l := range lists {
		ifaces[pnn] = map[string]string{}
		for _, ip := range l.IPs {
			a, err := netip.ParseAddr(ip.Addr)
			if err != nil {
				continue
			}
			if _, ok := holders[a]; !ok {
				holders[a] = nil
			}
			if ip.Active != "" {
				holders[a] = append(holders[a], pnn)
			}
			if ip.Node != protocol.PNNUnknown && pnn == r.self {
				assigned[a] = ip.Node
			}
			if len(ip.Available) > 0 {
				avail[pnn] = append(avail[pnn], a)
				ifaces[pnn][ip.Addr] = ip.Available[0]
			}
		}
	}
	current := map[netip.Addr]uint32{}
	for a, hs := range holders {
		current[a] = currentHolder(hs, assigned[a], len(assigned) > 0)
	}
	var ips []ipalloc.IP
	for a, c := range current {
		ips = append(ips, ipalloc.IP{Addr: a, Current: c})
	}
	var nodes []ipalloc.Node
	for _, n := range r.info.Nodes {
		flags := n.Flags
		if n.PNN == r.self {
			flags = r.info.Flags
		}
		if _, ok := lists[n.PNN]; !ok {
			flags |= protocol.FlagDisconnected
		}
		nodes = append(nodes, ipalloc.Node{PNN: n.PNN, Flags: flags, Available: avail[n.PNN],
			Runnable: r.runstates[n.PNN] == "RUNNING"})
	}
	opt := ipalloc.Options{NoIPFailback: r.tun["NoIPFailback"] != 0, NoIPTakeover: r.tun["NoIPTakeover"] != 0,
		Disabled: r.cfg.FailoverDisabled}
	return ipalloc.Allocate(ips, nodes, opt), ifaces
}

// currentHolder picks, among the nodes an address is found on, the one to
// count as its holder: the node it was assigned to if that is one of them
// (an address found on a second node is a stray there, to be released),
// else the lowest PNN.
func currentHolder(holders []uint32, assignedTo uint32, known bool) uint32 {
	if len(holders) == 0 {
		return protocol.PNNUnknown
	}
	best := holders[0]
	for _, h := range holders {
		if known && h == assignedTo {
			return h
		}
		best = min(best, h)
	}
	return best
}
