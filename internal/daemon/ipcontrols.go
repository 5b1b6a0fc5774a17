package daemon

import (
	"context"
	"net/netip"

	"github.com/ctdb-go/ctdb/internal/config"
	"github.com/ctdb-go/ctdb/internal/netif"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

func parseAddr(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return a, protocol.Errorf(protocol.StatusBadRequest, "invalid address %q", s)
	}
	return a.Unmap(), nil
}

func (d *Daemon) ctlGetPublicIPs(context.Context, protocol.Header, any) (any, error) {
	return d.publicIPs(), nil
}

func (d *Daemon) ctlGetIfaces(context.Context, protocol.Header, any) (any, error) {
	d.ip.mu.Lock()
	refs := map[string]int{}
	var names []string
	for _, pa := range d.ip.list {
		for _, i := range pa.Ifaces {
			if _, ok := refs[i]; !ok {
				names = append(names, i)
				refs[i] = 0
			}
		}
	}
	for _, iface := range d.ip.held {
		refs[iface]++
	}
	d.ip.mu.Unlock()
	var out protocol.IfaceList
	for _, n := range names {
		out.Ifaces = append(out.Ifaces, protocol.Iface{Name: n, LinkUp: d.linkUp(n), References: refs[n]})
	}
	return out, nil
}

func (d *Daemon) ctlTakeIP(ctx context.Context, _ protocol.Header, req any) (any, error) {
	r := req.(*protocol.IPRequest)
	a, err := parseAddr(r.Addr)
	if err != nil {
		return nil, err
	}
	if d.inactive() {
		return nil, protocol.Errorf(protocol.StatusNotPermitted, "node %d is inactive and may not host %s", d.st.Self, a)
	}
	return nil, d.takeIP(ctx, a, r.Iface)
}

func (d *Daemon) ctlReleaseIP(ctx context.Context, _ protocol.Header, req any) (any, error) {
	a, err := parseAddr(req.(*protocol.IPRequest).Addr)
	if err != nil {
		return nil, err
	}
	return nil, d.releaseIP(ctx, a)
}

func (d *Daemon) ctlIPReallocated(ctx context.Context, _ protocol.Header, _ any) (any, error) {
	return nil, d.recoveryEvent(ctx, "ipreallocated")
}

func (d *Daemon) ctlSetAssignment(_ context.Context, _ protocol.Header, req any) (any, error) {
	m := map[netip.Addr]uint32{}
	for _, h := range req.(*protocol.Assignment).IPs {
		a, err := parseAddr(h.Addr)
		if err != nil {
			return nil, err
		}
		m[a] = h.Node
	}
	d.ip.mu.Lock()
	d.ip.assigned = m
	d.ip.misplaced = req.(*protocol.Assignment).Misplaced
	d.ip.mu.Unlock()
	return nil, nil
}

// ctlMoveIP and ctlTakeoverRun reach the leader's ctdbd, which hands them
// to its recovery daemon.
func (d *Daemon) ctlMoveIP(_ context.Context, _ protocol.Header, req any) (any, error) {
	m := *req.(*protocol.MoveIP)
	if _, err := parseAddr(m.Addr); err != nil {
		return nil, err
	}
	return nil, d.askTakeover(&m)
}

func (d *Daemon) ctlTakeoverRun(context.Context, protocol.Header, any) (any, error) {
	return nil, d.askTakeover(nil)
}

func (d *Daemon) askTakeover(move *protocol.MoveIP) error {
	d.mu.Lock()
	leader := d.st.Leader
	d.mu.Unlock()
	if leader != d.st.Self {
		return protocol.Errorf(protocol.StatusNotPermitted, "node %d is not the leader (leader: %d)", d.st.Self, int32(leader))
	}
	d.pushRecd(protocol.MsgTakeover, protocol.TakeoverReq{Move: move})
	return nil
}

// requestTakeover asks the leader (wherever it is) for a takeover run.
func (d *Daemon) requestTakeover(ctx context.Context) {
	d.mu.Lock()
	leader := d.st.Leader
	d.mu.Unlock()
	if leader == protocol.PNNUnknown {
		return
	}
	var err error
	if leader == d.st.Self {
		err = d.askTakeover(nil)
	} else {
		_, err = d.forward(ctx, protocol.Header{Op: protocol.OpTakeoverRun, DstPNN: leader}, protocol.Empty{})
	}
	if err != nil {
		d.log.Warningf("Cannot ask the leader for a takeover run: %v", err)
	}
}

func (d *Daemon) ctlAddIP(ctx context.Context, _ protocol.Header, req any) (any, error) {
	r := req.(*protocol.IPRequest)
	a, err := parseAddr(r.Addr)
	if err != nil {
		return nil, err
	}
	p := netip.PrefixFrom(a, r.Bits)
	if !p.IsValid() || r.Iface == "" {
		return nil, protocol.Errorf(protocol.StatusBadRequest, "addip needs ADDRESS/MASK and an interface")
	}
	d.ip.mu.Lock()
	if _, dup := d.ip.find(a); dup {
		d.ip.mu.Unlock()
		return nil, protocol.Errorf(protocol.StatusBadRequest, "%s is already a public address of node %d", a, d.st.Self)
	}
	d.ip.list = append(d.ip.list, config.PublicAddress{Prefix: p, Ifaces: []string{r.Iface}})
	d.ip.mu.Unlock()
	d.log.Infof("Added public address %s on %s", p, r.Iface)
	go d.requestTakeover(context.WithoutCancel(ctx))
	return nil, nil
}

func (d *Daemon) ctlDelIP(ctx context.Context, _ protocol.Header, req any) (any, error) {
	a, err := parseAddr(req.(*protocol.IPRequest).Addr)
	if err != nil {
		return nil, err
	}
	d.ip.mu.Lock()
	_, ok := d.ip.find(a)
	d.ip.mu.Unlock()
	if !ok {
		return nil, protocol.Errorf(protocol.StatusNotFound, "%s is not a public address of node %d", a, d.st.Self)
	}
	if err := d.releaseIP(ctx, a); err != nil {
		return nil, err
	}
	d.ip.mu.Lock()
	d.ip.list = removeAddr(d.ip.list, a)
	d.ip.mu.Unlock()
	d.log.Infof("Deleted public address %s", a)
	go d.requestTakeover(context.WithoutCancel(ctx))
	return nil, nil
}

func removeAddr(list []config.PublicAddress, a netip.Addr) []config.PublicAddress {
	var out []config.PublicAddress
	for _, p := range list {
		if p.Prefix.Addr() != a {
			out = append(out, p)
		}
	}
	return out
}

// ctlReloadIPs re-reads public_addresses: addresses no longer listed are
// released here, and the leader is asked for a takeover run.
func (d *Daemon) ctlReloadIPs(ctx context.Context, _ protocol.Header, _ any) (any, error) {
	list, err := config.ParsePublicAddresses(d.cfg.PublicAddressesFile())
	if err != nil {
		return nil, protocol.Errorf(protocol.StatusBadRequest, "%v", err)
	}
	keep := map[netip.Addr]bool{}
	for _, p := range list {
		keep[p.Prefix.Addr()] = true
	}
	d.ip.mu.Lock()
	var gone []netip.Addr
	for a := range d.ip.held {
		if !keep[a] {
			gone = append(gone, a)
		}
	}
	d.ip.mu.Unlock()
	for _, a := range gone {
		if err := d.releaseIP(ctx, a); err != nil {
			return nil, err
		}
	}
	d.ip.mu.Lock()
	d.ip.list = list
	d.ip.mu.Unlock()
	d.log.Infof("Reloaded public addresses: %d", len(list))
	go d.requestTakeover(context.WithoutCancel(ctx))
	return nil, nil
}

func (d *Daemon) ctlGratARP(_ context.Context, _ protocol.Header, req any) (any, error) {
	r := req.(*protocol.IPRequest)
	a, err := parseAddr(r.Addr)
	if err != nil {
		return nil, err
	}
	if err := netif.Announce(r.Iface, a); err != nil {
		return nil, protocol.Errorf(protocol.StatusError, "gratuitous ARP for %s on %s: %v", a, r.Iface, err)
	}
	return nil, nil
}

// inactive reports whether this node may not host addresses by its own
// flags (banned, stopped...).
func (d *Daemon) inactive() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.st.self().Flags&(protocol.FlagInactive|protocol.FlagDisabled) != 0
}
