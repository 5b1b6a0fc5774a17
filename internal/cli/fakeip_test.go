package cli

import (
	"fmt"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// referenceHolders is where the healthy capture has its public addresses:
// 10.97.1.(101+i) is on node referenceHolders[i].
var referenceHolders = []uint32{2, 0, 1, 1, 2, 0}

func publicAddr(i int) string { return fmt.Sprintf("10.97.1.%d", 101+i) }

// assignIPs gives every node the capture's public addresses, all on eth1,
// and the same view of where they are: holders[i] has 10.97.1.(101+i).
// The lists are stored in reverse order, so that the tool has to sort.
func (f *fakeCluster) assignIPs(holders ...uint32) *fakeCluster {
	for pnn, n := range f.node {
		n.ips = nil
		for i := len(holders) - 1; i >= 0; i-- {
			n.ips = append(n.ips, protocol.PublicIP{Addr: publicAddr(i), Bits: 24, Node: holders[i],
				Configured: []string{"eth1"}})
		}
		n.refreshIPs(pnn)
	}
	return f
}

// setLink sets the link state of an interface of node pnn.
func (f *fakeCluster) setLink(pnn uint32, iface string, up bool) *fakeCluster {
	n := f.node[pnn]
	n.linkDown[iface] = !up
	n.refreshIPs(pnn)
	return f
}

// refreshIPs derives, as a daemon does, the available interfaces of each
// address (configured, link up) and the active one (the first available
// interface of an address this node holds).
func (n *fakeNode) refreshIPs(self uint32) {
	for i := range n.ips {
		ip := &n.ips[i]
		ip.Available, ip.Active = nil, ""
		for _, c := range ip.Configured {
			if !n.linkDown[c] {
				ip.Available = append(ip.Available, c)
			}
		}
		if ip.Node == self && len(ip.Available) > 0 {
			ip.Active = ip.Available[0]
		}
	}
}

// ifaceList lists the node's interfaces in order of first mention, with
// the number of addresses active on each.
func (n *fakeNode) ifaceList() protocol.IfaceList {
	var l protocol.IfaceList
	for _, ip := range n.ips {
		for _, c := range ip.Configured {
			if findIface(l.Ifaces, c) == nil {
				l.Ifaces = append(l.Ifaces, protocol.Iface{Name: c, LinkUp: !n.linkDown[c]})
			}
		}
	}
	for _, ip := range n.ips {
		if i := findIface(l.Ifaces, ip.Active); i != nil {
			i.References++
		}
	}
	return l
}

func (n *fakeNode) findIP(addr string) int {
	for i := range n.ips {
		if n.ips[i].Addr == addr {
			return i
		}
	}
	return -1
}

func (f *fakeCluster) answerIP(dst uint32, n *fakeNode, op protocol.Op, req any) (any, error) {
	switch op {
	case protocol.OpGetPublicIPs:
		return protocol.PublicIPList{PNN: dst, IPs: append([]protocol.PublicIP(nil), n.ips...)}, nil
	case protocol.OpGetIfaces:
		return n.ifaceList(), nil
	case protocol.OpMoveIP:
		return nil, f.moveIP(dst, *req.(*protocol.MoveIP))
	case protocol.OpAddIP:
		r := req.(*protocol.IPRequest)
		if n.findIP(r.Addr) >= 0 {
			return nil, protocol.Errorf(protocol.StatusBadRequest, "%s is already a public address here", r.Addr)
		}
		n.ips = append(n.ips, protocol.PublicIP{Addr: r.Addr, Bits: r.Bits, Node: protocol.PNNUnknown,
			Configured: []string{r.Iface}})
		n.refreshIPs(dst)
		return nil, nil
	case protocol.OpDelIP:
		i := n.findIP(req.(*protocol.IPRequest).Addr)
		if i < 0 {
			return nil, protocol.Errorf(protocol.StatusNotFound, "no such public address")
		}
		n.ips = append(n.ips[:i], n.ips[i+1:]...)
		return nil, nil
	case protocol.OpReloadIPs:
		if n.reloadErr != "" {
			return nil, protocol.Errorf(protocol.StatusError, "%s", n.reloadErr)
		}
		return nil, nil
	case protocol.OpGratARP:
		if n.findIP(req.(*protocol.IPRequest).Addr) < 0 {
			return nil, protocol.Errorf(protocol.StatusNotFound, "%s is not a public address of node %d",
				req.(*protocol.IPRequest).Addr, dst)
		}
		return nil, nil
	case protocol.OpTakeoverRun:
		return nil, f.leaderOnly(dst)
	}
	return nil, protocol.Errorf(protocol.StatusUnknownOp, "not served by the fake")
}

func (f *fakeCluster) leaderOnly(dst uint32) error {
	if dst != f.leader {
		return protocol.Errorf(protocol.StatusNotPermitted, "node %d is not the leader", dst)
	}
	return nil
}

// moveIP is the leader moving an address: every node's view changes.
func (f *fakeCluster) moveIP(dst uint32, m protocol.MoveIP) error {
	if err := f.leaderOnly(dst); err != nil {
		return err
	}
	if t := f.node[m.PNN]; t == nil || t.findIP(m.Addr) < 0 {
		return protocol.Errorf(protocol.StatusBadRequest, "node %d cannot host %s", m.PNN, m.Addr)
	}
	for pnn, n := range f.node {
		if i := n.findIP(m.Addr); i >= 0 {
			n.ips[i].Node = m.PNN
			n.refreshIPs(pnn)
		}
	}
	return nil
}

// setView changes where node pnn believes addr is (holder) and so whether
// the node itself has it.
func (f *fakeCluster) setView(pnn uint32, addr string, holder uint32) *fakeCluster {
	n := f.node[pnn]
	n.ips[n.findIP(addr)].Node = holder
	n.refreshIPs(pnn)
	return f
}

// addPublicIP gives node pnn one more public address.
func (f *fakeCluster) addPublicIP(pnn uint32, addr string, holder uint32, ifaces ...string) *fakeCluster {
	n := f.node[pnn]
	n.ips = append(n.ips, protocol.PublicIP{Addr: addr, Bits: 64, Node: holder, Configured: ifaces})
	n.refreshIPs(pnn)
	return f
}
