package daemon

import (
	"context"
	"net/netip"
	"sort"
	"sync"
	"time"

	"github.com/ctdb-go/ctdb/internal/netif"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

// Tickles, as in CTDB: every node keeps, per public address, the TCP
// connections registered on it (`ctdb addtickle`, usually from 60.nfs's
// update_tickles). The node holding an address sends its list to every
// other node whenever the list changes and to a node that connects, so
// the list is known everywhere before the holder can die. The node that
// takes an address over sends each registered client a tickle ACK (an ACK
// with sequence numbers 0) with every gratuitous ARP round: the client
// answers with its real numbers, the new node, which has no socket for the
// connection, resets it, and the client reconnects at once instead of
// after its retransmission timeout.

// tcpConn is one registered connection: src is the client, dst the public
// address and the service's port.
type tcpConn struct {
	src, dst netip.AddrPort
}

type tickleState struct {
	mu    sync.Mutex
	lists map[netip.Addr]map[tcpConn]struct{}
}

// add registers c; it reports whether c is new.
func (t *tickleState) add(c tcpConn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := c.dst.Addr()
	if t.lists == nil {
		t.lists = map[netip.Addr]map[tcpConn]struct{}{}
	}
	if t.lists[a] == nil {
		t.lists[a] = map[tcpConn]struct{}{}
	}
	if _, ok := t.lists[a][c]; ok {
		return false
	}
	t.lists[a][c] = struct{}{}
	return true
}

// del forgets c; it reports whether c was registered.
func (t *tickleState) del(c tcpConn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.lists[c.dst.Addr()]
	if _, ok := l[c]; !ok {
		return false
	}
	delete(l, c)
	return true
}

// set replaces the list of a.
func (t *tickleState) set(a netip.Addr, conns []tcpConn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lists == nil {
		t.lists = map[netip.Addr]map[tcpConn]struct{}{}
	}
	m := make(map[tcpConn]struct{}, len(conns))
	for _, c := range conns {
		m[c] = struct{}{}
	}
	t.lists[a] = m
}

// get returns the connections to a (and to port, unless 0), sorted by
// destination port, then client address and port.
func (t *tickleState) get(a netip.Addr, port uint16) []tcpConn {
	t.mu.Lock()
	var out []tcpConn
	for c := range t.lists[a] {
		if port == 0 || c.dst.Port() == port {
			out = append(out, c)
		}
	}
	t.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		x, y := out[i], out[j]
		if x.dst.Port() != y.dst.Port() {
			return x.dst.Port() < y.dst.Port()
		}
		return x.src.Compare(y.src) < 0
	})
	return out
}

// parseConn reads a protocol.Connection: two ADDRESS:PORT of the same
// family.
func parseConn(pc protocol.Connection) (tcpConn, error) {
	src, err1 := netip.ParseAddrPort(pc.Src)
	dst, err2 := netip.ParseAddrPort(pc.Dst)
	if err1 != nil || err2 != nil {
		return tcpConn{}, protocol.Errorf(protocol.StatusBadRequest, "invalid connection %q -> %q", pc.Src, pc.Dst)
	}
	src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
	dst = netip.AddrPortFrom(dst.Addr().Unmap(), dst.Port())
	if src.Addr().Is4() != dst.Addr().Is4() {
		return tcpConn{}, protocol.Errorf(protocol.StatusBadRequest, "connection %s -> %s mixes address families", src, dst)
	}
	return tcpConn{src: src, dst: dst}, nil
}

func tickleList(a netip.Addr, conns []tcpConn) protocol.TickleList {
	l := protocol.TickleList{Addr: a.String(), Conns: []protocol.Connection{}}
	for _, c := range conns {
		l.Conns = append(l.Conns, protocol.Connection{Src: c.src.String(), Dst: c.dst.String()})
	}
	return l
}

// isPublic reports whether a is one of this node's public addresses, and
// whether this node holds it now.
func (d *Daemon) isPublic(a netip.Addr) (public, held bool) {
	d.ip.mu.Lock()
	defer d.ip.mu.Unlock()
	_, public = d.ip.find(a)
	_, held = d.ip.held[a]
	return public, held
}

func (d *Daemon) ctlGetTickles(_ context.Context, _ protocol.Header, req any) (any, error) {
	q := req.(*protocol.TickleQuery)
	a, err := parseAddr(q.Addr)
	if err != nil {
		return nil, err
	}
	if public, _ := d.isPublic(a); !public {
		return nil, protocol.Errorf(protocol.StatusNotFound, "%s is not a public address of node %d", a, d.st.Self)
	}
	return tickleList(a, d.tk.get(a, q.Port)), nil
}

func (d *Daemon) ctlAddTickle(_ context.Context, _ protocol.Header, req any) (any, error) {
	c, err := parseConn(*req.(*protocol.Connection))
	if err != nil {
		return nil, err
	}
	public, held := d.isPublic(c.dst.Addr())
	if !public {
		return nil, protocol.Errorf(protocol.StatusNotFound, "%s is not a public address of node %d", c.dst.Addr(), d.st.Self)
	}
	if d.tk.add(c) {
		d.log.Debugf("Registered connection %s -> %s", c.src, c.dst)
		if held {
			d.pushTickles(protocol.PNNUnknown, c.dst.Addr())
		}
	}
	return nil, nil
}

// ctlDelTickle forgets a connection; like CTDB, an unknown connection or
// address is no error.
func (d *Daemon) ctlDelTickle(_ context.Context, _ protocol.Header, req any) (any, error) {
	c, err := parseConn(*req.(*protocol.Connection))
	if err != nil {
		return nil, err
	}
	if d.tk.del(c) {
		d.log.Debugf("Unregistered connection %s -> %s", c.src, c.dst)
		if _, held := d.isPublic(c.dst.Addr()); held {
			d.pushTickles(protocol.PNNUnknown, c.dst.Addr())
		}
	}
	return nil, nil
}

// pushTickles sends this node's list of a to node to (PNNUnknown: to every
// connected node).
func (d *Daemon) pushTickles(to uint32, a netip.Addr) {
	if d.cl.tr == nil {
		return
	}
	body, err := protocol.MarshalBody(tickleList(a, d.tk.get(a, 0)))
	if err != nil {
		return
	}
	h := protocol.Header{Kind: protocol.KindMessage, Op: protocol.MsgTickleList}
	if to == protocol.PNNUnknown {
		d.cl.tr.Broadcast(h, body)
		return
	}
	d.cl.tr.Send(to, h, body)
}

// pushAllTickles sends the lists of the addresses this node holds to a
// node that has just connected.
func (d *Daemon) pushAllTickles(to uint32) {
	for _, a := range d.heldAddrs() {
		d.pushTickles(to, a)
	}
}

// onTickleList takes another node's list for an address, unless this node
// holds the address (its own list is the authority then).
func (d *Daemon) onTickleList(from uint32, body []byte) {
	var l protocol.TickleList
	if err := protocol.UnmarshalBody(body, &l); err != nil {
		d.log.Warningf("Ignoring malformed tickle list from node %d: %v", from, err)
		return
	}
	a, err := netip.ParseAddr(l.Addr)
	if err != nil {
		d.log.Warningf("Ignoring tickle list from node %d: invalid address %q", from, l.Addr)
		return
	}
	a = a.Unmap()
	conns := make([]tcpConn, 0, len(l.Conns))
	for _, pc := range l.Conns {
		c, err := parseConn(pc)
		if err != nil || c.dst.Addr() != a {
			d.log.Warningf("Ignoring tickle list from node %d for %s: bad connection %q -> %q", from, a, pc.Src, pc.Dst)
			return
		}
		conns = append(conns, c)
	}
	if _, held := d.isPublic(a); held {
		d.log.Debugf("Ignoring tickle list for %s from node %d: this node holds it", a, from)
		return
	}
	d.tk.set(a, conns)
}

// tickleAfterTakeover sends a tickle ACK to every registered client of a,
// count rounds interval apart (with the gratuitous ARPs), then tells the
// other nodes the list this node now holds.
func (d *Daemon) tickleAfterTakeover(ctx context.Context, a netip.Addr, count int, interval time.Duration) {
	conns := d.tk.get(a, 0)
	d.pushTickles(protocol.PNNUnknown, a)
	if len(conns) == 0 {
		return
	}
	d.log.Infof("Sending tickle ACKs for %d connection(s) of %s", len(conns), a)
	for round := 0; round < count; round++ {
		if round > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(interval):
			}
		}
		failed := 0
		var last error
		for _, c := range conns {
			if err := netif.TickleACK(c.dst, c.src); err != nil {
				failed++
				last = err
			}
		}
		if failed > 0 {
			d.log.Warningf("Failed to send %d of %d tickle ACKs for %s: %v", failed, len(conns), a, last)
		}
	}
}
