package transport

import (
	"context"
	"errors"
	"net/netip"
)

// SetNodes applies a reloaded nodes list without a restart: peers that were
// removed, deleted or changed address are disconnected and forgotten, new
// ones are connected. Our own entry cannot change (the listener is bound to
// it); a list that changes it, or is invalid, is logged and ignored.
func (t *TCP) SetNodes(nodes []Node) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	if err := checkNodes(nodes); err != nil {
		t.log.WithError(err).Error("Ignoring new nodes list")
		return
	}
	var me *Node
	for i := range nodes {
		if nodes[i].PNN == t.cfg.MyPNN {
			me = &nodes[i]
		}
	}
	if me == nil || me.Deleted || me.Addr.Unmap() != t.myAddr.Unmap() {
		t.log.WithField("pnn", t.cfg.MyPNN).Error("Ignoring new nodes list: it removes or changes this node (restart needed)")
		return
	}
	t.setNodesLocked(nodes)
}

func (t *TCP) setNodesLocked(nodes []Node) {
	want := map[uint32]Node{}
	for _, n := range nodes {
		if !n.Deleted && n.PNN != t.cfg.MyPNN {
			n.Addr = n.Addr.Unmap()
			want[n.PNN] = n
		}
	}
	for pnn, p := range t.peers {
		if n, ok := want[pnn]; !ok || n.Addr != p.node.Addr {
			t.removePeerLocked(p)
		}
	}
	for pnn, n := range want {
		if t.peers[pnn] == nil {
			t.addPeerLocked(n)
		}
	}
}

func (t *TCP) addPeerLocked(n Node) {
	p := &peer{node: n}
	p.ctx, p.cancel = context.WithCancel(t.ctx)
	t.peers[n.PNN] = p
	t.log.WithField("pnn", n.PNN).WithField("address", n.Addr).Debug("Added node")
	if n.PNN > t.cfg.MyPNN {
		t.goRun(func() { t.dialLoop(p) })
	}
}

func (t *TCP) removePeerLocked(p *peer) {
	delete(t.peers, p.node.PNN)
	p.cancel()
	if c := p.conn; c != nil {
		p.conn = nil
		c.shutdown()
		t.disconnectedLocked(p.node.PNN, errors.New("node removed from the nodes list"))
	}
	t.log.WithField("pnn", p.node.PNN).Info("Removed node")
}

// peerByAddr finds the active peer with address a.
func (t *TCP) peerByAddr(a netip.Addr) *peer {
	for _, p := range t.peers {
		if p.node.Addr == a {
			return p
		}
	}
	return nil
}
