package daemon

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"sync"
	"time"

	"github.com/ctdb-go/ctdb/internal/config"
	"github.com/ctdb-go/ctdb/internal/eventd"
	"github.com/ctdb-go/ctdb/internal/netif"
	"github.com/ctdb-go/ctdb/internal/nodestate"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

// ipState is this node's public addresses: what public_addresses lists
// (changed at run time by addip/delip/reloadips), what the leader last
// assigned cluster-wide, and what this node holds.
type ipState struct {
	mu sync.Mutex
	// releasing is held through each whole release (reset, releaseip
	// event, reset). Removing the primary address of an IPv4 subnet drops
	// its secondaries until 10.interface adds them back; a reset of a
	// secondary inside that window finds no local source address and no
	// RST leaves, so the client never learns that its connection is gone.
	releasing sync.Mutex
	list      []config.PublicAddress
	assigned  map[netip.Addr]uint32
	held      map[netip.Addr]string // address -> interface it was taken on
	// misplaced is the leader's count of misplaced addresses.
	misplaced int
	guard     *ipGuard
	// wake wakes an idle leaderContactLoop: an address was taken, or this
	// node claims to lead (see wakeContact).
	wake chan struct{}
}

func (s *ipState) find(a netip.Addr) (config.PublicAddress, bool) {
	for _, p := range s.list {
		if p.Prefix.Addr() == a {
			return p, true
		}
	}
	return config.PublicAddress{}, false
}

// ctlLockHeld: the local recovery daemon holds the lock; it pings its
// helper once this is accepted (refused without quorum, or read after the
// recovery daemon gave up waiting: see protocol.LockHeld). While it leads,
// its claim comes with it and is sent to the other nodes.
func (d *Daemon) ctlLockHeld(ctx context.Context, _ protocol.Header, req any) (any, error) {
	lh := req.(*protocol.LockHeld)
	if err := d.expired(protocol.OpLockHeld, lh.Deadline); err != nil {
		return nil, err
	}
	if err := d.do(ctx, d.step(nodestate.Input{Kind: nodestate.LockConfirmed})); err != nil {
		return nil, err
	}
	if lh.Claim != nil && lh.Claim.Leader == d.st.Self {
		d.announce(*lh.Claim) // only a claim: a confirmation never withdraws one
	}
	return nil, nil
}

// expired refuses a local request read after its sender stopped waiting.
func (d *Daemon) expired(op protocol.Op, deadline int64) error {
	now := d.clk.Now()
	if !protocol.Expired(deadline, now) {
		return nil
	}
	late := now.Sub(time.Unix(0, deadline))
	d.log.Warningf("Ignoring %s from the recovery daemon: read %.1f s after it stopped waiting", op, late.Seconds())
	return protocol.Errorf(protocol.StatusTimeout, "%s read %.1f s after its deadline", op, late.Seconds())
}

// ctlLockLost: the local recovery daemon lost the cluster lock. This node
// no longer leads, and its addresses go now.
func (d *Daemon) ctlLockLost(ctx context.Context, _ protocol.Header, _ any) (any, error) {
	acts := d.step(nodestate.Input{Kind: nodestate.LockLost, Held: d.heldCount()})
	return nil, d.do(context.WithoutCancel(ctx), acts)
}

// startPublicIPs starts the guard and the watch that releases every
// address when the leader has been out of reach for too long.
func (d *Daemon) startPublicIPs(ctx context.Context) error {
	d.ip.list = append([]config.PublicAddress(nil), d.cfg.PublicAddresses...)
	d.ip.assigned = map[netip.Addr]uint32{}
	d.ip.held = map[netip.Addr]string{}
	d.ip.wake = make(chan struct{}, 1)
	d.step(nodestate.Input{Kind: nodestate.Serving})
	g, err := startGuard(d.opts.HelperDir, d.params().HoldBound(), d.opts.LogLocation, d.cfg.Logging.Level)
	if err != nil {
		return fmt.Errorf("address guard: %w", err)
	}
	d.ip.guard = g
	go d.leaderContactLoop(ctx)
	return nil
}

// leaderContactLoop pings the guard, and releases all addresses when no
// frame from the leader's node came for the hold bound (a node cut off
// from the leader gives its addresses up before the leader hands them to
// others). On the leader, the clock is its recovery daemon's confirmations
// that it holds the lock: a leader that may be losing the lock lets its
// addresses go before another node can take over.
//
// It wakes only when something is due: the guard's next ping, or the
// moment the hold bound runs out if no contact comes before (a wake-up
// then finds the newer contact and sleeps again). A node that holds no
// address and is not shown as leader has nothing to release and no lock
// confirmation to watch: the loop then sleeps until an address is taken or
// the node claims to lead (wakeContact; quorum has its own loop), with a
// check every idleContactCheck as a backstop.
func (d *Daemon) leaderContactLoop(ctx context.Context) {
	timer := d.clk.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C():
		case <-d.ip.wake:
		}
		if d.heldCount() > 0 {
			// The guard only needs pings while it has addresses to
			// remove: with none, its timeout removes nothing, and the
			// "add" line that gives it one counts as word from ctdbd
			// (restarting its timeout), so pinging an idle guard only
			// costs both processes a wake-up.
			d.ip.guard.ping()
		}
		left := d.tick(ctx) // releases all addresses past the bound
		// Just past the bound, or the guard's next ping, whichever is
		// first; never longer than a second, so that a changed tunable
		// applies soon and the guard is pinged within a second of this
		// node taking its first address.
		next := time.Second
		if d.heldCount() > 0 {
			next = min(next, d.ip.guard.nextPing())
		}
		if left >= 0 {
			next = min(next, left+time.Millisecond)
		}
		if d.heldCount() == 0 && !d.showsSelfLeader() {
			next = idleContactCheck
		}
		timer.Reset(max(next, 10*time.Millisecond))
	}
}

// wakeContact wakes leaderContactLoop if it sleeps.
func (d *Daemon) wakeContact() {
	select {
	case d.ip.wake <- struct{}{}:
	default:
	}
}

// idleContactCheck is how often leaderContactLoop ticks while this node
// holds no address and is not shown as leader.
const idleContactCheck = 10 * time.Second

// showsSelfLeader: this node's ctdbd shows itself as leader.
func (d *Daemon) showsSelfLeader() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.st.Leader == d.st.Self
}

// otherLeader returns the leader this node's ctdbd shows, if it is
// another node.
func (d *Daemon) otherLeader() (uint32, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.st.Leader, d.st.Leader != protocol.PNNUnknown && d.st.Leader != d.st.Self
}

// heldAddrs returns the addresses this node holds now.
func (d *Daemon) heldAddrs() []netip.Addr {
	d.ip.mu.Lock()
	defer d.ip.mu.Unlock()
	var addrs []netip.Addr
	for a := range d.ip.held {
		addrs = append(addrs, a)
	}
	return addrs
}

// releaseAll gives up every held address (shutdown, lost leader, ban).
func (d *Daemon) releaseAll(ctx context.Context) {
	for _, a := range d.heldAddrs() {
		if err := d.releaseIP(ctx, a); err != nil {
			d.log.Errorf("Cannot release %s: %v", a, err)
		}
	}
}

// takeIP configures an address here: takeip event, then gratuitous ARP.
func (d *Daemon) takeIP(ctx context.Context, a netip.Addr, iface string) error {
	d.ip.mu.Lock()
	pa, ok := d.ip.find(a)
	_, have := d.ip.held[a]
	d.ip.mu.Unlock()
	if !ok {
		return protocol.Errorf(protocol.StatusNotFound, "%s is not a public address of node %d", a, d.st.Self)
	}
	if have {
		// Our books say we hold it; believe the interfaces, not the books.
		// The address may have gone from under us (deleting a primary
		// address takes its secondaries with it when promote_secondaries
		// is off, an operator's `ip addr del`): then configure it again.
		on := d.ifaceHolding(a)
		if on != "" {
			return nil
		}
		d.ip.mu.Lock()
		was := d.ip.held[a]
		delete(d.ip.held, a)
		d.ip.mu.Unlock()
		d.log.Warningf("Public address %s is held but no longer on %s: taking it again", a, was)
		if iface == "" {
			iface = was
		}
	}
	if !d.hasQuorum() {
		return protocol.Errorf(protocol.StatusNotPermitted, "node %d has no quorum: it takes no public address", d.st.Self)
	}
	if iface == "" {
		iface = pa.Ifaces[0]
	}
	if err := d.waitAddressFree(ctx, iface, a); err != nil {
		return err
	}
	if err := d.ipEvent(ctx, "takeip", iface, a, pa.Prefix.Bits()); err != nil {
		return err
	}
	d.ip.mu.Lock()
	d.ip.held[a] = iface
	d.ip.mu.Unlock()
	d.ip.guard.add(iface, pa.Prefix.String())
	d.wakeContact() // the guard needs pings from now on
	d.log.Infof("Took public address %s on %s", a, iface)
	go func() {
		// Each tickle round follows an announcement round (as in CTDB):
		// the client's answer to a tickle must reach this node's MAC.
		netif.AnnounceRepeatedly(context.WithoutCancel(ctx), iface, a, 3, 1100*time.Millisecond)
		d.tickleAfterTakeover(context.WithoutCancel(ctx), a, 3, 1100*time.Millisecond)
	}()
	return nil
}

// How a takeover waits for another host to let an address go: each ARP
// probe listens probeWindow for an answer; a takeover gives up after
// addressFreeWait (the leader's next takeover run tries again).
const (
	probeWindow     = 15 * time.Millisecond
	addressFreeWait = 3 * time.Second
)

// waitAddressFree holds a takeover back while another host on iface's
// link still answers ARP for a (netif.ProbeInUse). The leader reassigns a
// node's addresses as soon as its connection to that node drops; when only
// its ctdbd was killed, the node's address guard removes them a moment
// later, and until then two nodes would have the address. Where the link
// cannot be probed (no Ethernet address, IPv6) the takeover goes ahead.
func (d *Daemon) waitAddressFree(ctx context.Context, iface string, a netip.Addr) error {
	if d.ifaceHolding(a) != "" {
		return nil // ours already: our own kernel's answers do not count
	}
	start := time.Now()
	waited := false
	for {
		mac, err := netif.ProbeInUse(iface, a, probeWindow)
		if err != nil {
			d.log.Debugf("Cannot probe whether %s is in use on %s: %v", a, iface, err)
			return nil
		}
		if mac == nil {
			if waited {
				d.log.Infof("Public address %s is free after %.2f s: taking it", a, time.Since(start).Seconds())
			}
			return nil
		}
		if !waited {
			d.log.Warningf("Public address %s is still answered for by %s: waiting until it is released", a, mac)
			waited = true
		}
		if time.Since(start) > addressFreeWait {
			return protocol.Errorf(protocol.StatusEventFailed, "%s is still in use by %s after %v: not taking it", a, mac, addressFreeWait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// ipEvent runs takeip or releaseip for one address.
func (d *Daemon) ipEvent(ctx context.Context, event, iface string, a netip.Addr, bits int) error {
	res, err := d.runEvent(context.WithoutCancel(ctx), event, []string{iface, a.String(), fmt.Sprint(bits)}, 0)
	if err == nil && res.Outcome != eventd.OutcomeOK {
		err = fmt.Errorf("%s", describeFailure(res))
	}
	if err != nil {
		return protocol.Errorf(protocol.StatusEventFailed, "%s %s on %s failed: %v", event, a, iface, err)
	}
	return nil
}

// releaseIP removes an address here: existing TCP connections on it are
// reset (so clients reconnect to the new holder at once), the releaseip
// event removes it from its interface, and connections that raced in
// meanwhile are reset too.
func (d *Daemon) releaseIP(ctx context.Context, a netip.Addr) error {
	d.ip.releasing.Lock()
	defer d.ip.releasing.Unlock()
	d.ip.mu.Lock()
	iface, have := d.ip.held[a]
	pa, ok := d.ip.find(a)
	d.ip.mu.Unlock()
	if !have {
		// Not ours by our books; remove it anyway if it is on an interface.
		iface = d.ifaceHolding(a)
		if iface == "" {
			return nil
		}
	}
	bits := 32
	if a.Is6() {
		bits = 128
	}
	if ok {
		bits = pa.Prefix.Bits()
	}
	if n, err := netif.KillConnections(a); err != nil {
		d.log.Warningf("Cannot reset connections on %s: %v", a, err)
	} else if n > 0 {
		d.log.Infof("Reset %d TCP connections on %s", n, a)
	}
	if err := d.ipEvent(ctx, "releaseip", iface, a, bits); err != nil {
		return err
	}
	netif.KillConnections(a)
	d.ip.mu.Lock()
	delete(d.ip.held, a)
	d.ip.mu.Unlock()
	d.ip.guard.del(iface, netip.PrefixFrom(a, bits).String())
	d.log.Infof("Released public address %s from %s", a, iface)
	return nil
}

// ifaceHolding returns the interface that has address a now, or "".
func (d *Daemon) ifaceHolding(a netip.Addr) string {
	addrs, err := netif.Addrs()
	if err != nil {
		return ""
	}
	for iface, ps := range addrs {
		for _, p := range ps {
			if p.Addr() == a {
				return iface
			}
		}
	}
	return ""
}

// publicIPs is this node's view for GET_PUBLIC_IPS: read from the
// interfaces (what is really configured), not from our books.
func (d *Daemon) publicIPs() protocol.PublicIPList {
	d.ip.mu.Lock()
	none := len(d.ip.list) == 0
	d.ip.mu.Unlock()
	var addrs map[string][]netip.Prefix
	if !none { // two netlink dumps, for nothing on a node without public addresses
		addrs, _ = netif.Addrs()
	}
	on := map[netip.Addr]string{}
	for iface, ps := range addrs {
		for _, p := range ps {
			on[p.Addr()] = iface
		}
	}
	up := map[string]bool{}
	d.ip.mu.Lock()
	defer d.ip.mu.Unlock()
	out := protocol.PublicIPList{PNN: d.st.Self}
	for _, pa := range d.ip.list {
		a := pa.Prefix.Addr()
		ip := protocol.PublicIP{Addr: a.String(), Bits: pa.Prefix.Bits(), Node: protocol.PNNUnknown,
			Configured: append([]string(nil), pa.Ifaces...), Active: on[a]}
		if n, ok := d.ip.assigned[a]; ok {
			ip.Node = n
		}
		for _, i := range pa.Ifaces {
			if _, seen := up[i]; !seen {
				up[i] = d.linkUp(i)
			}
			if up[i] {
				ip.Available = append(ip.Available, i)
			}
		}
		if _, held := d.ip.held[a]; ip.Active != "" && !held {
			out.Strays = append(out.Strays, a.String())
		}
		out.IPs = append(out.IPs, ip)
	}
	sort.Slice(out.IPs, func(i, j int) bool {
		x, _ := netip.ParseAddr(out.IPs[i].Addr)
		y, _ := netip.ParseAddr(out.IPs[j].Addr)
		return x.Less(y)
	})
	return out
}
