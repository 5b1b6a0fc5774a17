// Package takeover holds the recovery daemon's takeover decisions as plain
// functions over plain data: where each public address goes (Plan) and
// which addresses are found where they should not be (Misplaced).
//
// Nothing here sends controls, sleeps or reads the clock. The leader
// (internal/recoverd) fetches every node's public address list, calls these
// functions and carries out the result: every release first, then every
// take, then the new assignment and ipreallocated on every node.
package takeover

import (
	"net/netip"
	"sort"

	"github.com/ctdb-go/ctdb/internal/ipalloc"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

// Node is one node of the nodemap as the leader sees it.
type Node struct {
	PNN   uint32
	Flags uint32 // protocol node flags (the leader's own from its node info)
	// Runnable is runstate RUNNING.
	Runnable bool
}

// Input is what one takeover run is planned from.
type Input struct {
	// Self is the leader's PNN: the assignment in force is read from its
	// own list (the one it pushed last).
	Self  uint32
	Nodes []Node
	// Lists are the public address lists of the nodes that answered; a
	// node without one counts as disconnected.
	Lists   map[uint32]protocol.PublicIPList
	Options ipalloc.Options
	// Move is a `ctdb moveip` request, or nil.
	Move *protocol.MoveIP
}

// Op is one release or take on one node.
type Op struct {
	PNN uint32
	Req protocol.IPRequest
}

// Result is one planned takeover run.
type Result struct {
	// Releases come before Takes: no address is ever on two nodes.
	// Both are sorted by address, then node.
	Releases, Takes []Op
	// Assignment is every address's node (PNNUnknown: none), sorted by
	// address as a string.
	Assignment []protocol.IPHolder
	// Nodes are the nodes that get the assignment and ipreallocated: those
	// with a list, sorted.
	Nodes []uint32
	// MoveRejected: Move named an address its node cannot host.
	MoveRejected bool
}

// Plan computes the allocation (ipalloc.Allocate over the nodes' lists) and
// the operations that get from what the nodes hold to it: an address held
// where it is not assigned is released there; an address assigned to a
// node that does not hold it is taken there, on its first available
// interface.
func Plan(in Input) Result {
	alloc, ifaces := allocate(in)
	var res Result
	if m := in.Move; m != nil {
		a, err := netip.ParseAddr(m.Addr)
		if err == nil && canTake(in.Lists[m.PNN], m.Addr) {
			alloc[a.Unmap()] = m.PNN
		} else {
			res.MoveRejected = true
		}
	}
	res.Nodes = sortedPNNs(in.Lists)
	for _, pnn := range res.Nodes {
		for _, ip := range in.Lists[pnn].IPs {
			a, _ := netip.ParseAddr(ip.Addr)
			owner, ok := alloc[a]
			switch {
			case ip.Active != "" && (!ok || owner != pnn):
				res.Releases = append(res.Releases, Op{pnn, protocol.IPRequest{Addr: ip.Addr, Bits: ip.Bits, Iface: ip.Active}})
			case ip.Active == "" && ok && owner == pnn:
				res.Takes = append(res.Takes, Op{pnn, protocol.IPRequest{Addr: ip.Addr, Bits: ip.Bits, Iface: ifaces[pnn][ip.Addr]}})
			}
		}
	}
	sortOps(res.Releases)
	sortOps(res.Takes)
	for a, n := range alloc {
		res.Assignment = append(res.Assignment, protocol.IPHolder{Addr: a.String(), Node: n})
	}
	sort.Slice(res.Assignment, func(i, j int) bool { return res.Assignment[i].Addr < res.Assignment[j].Addr })
	return res
}

func sortOps(ops []Op) {
	sort.SliceStable(ops, func(i, j int) bool {
		if ops[i].Req.Addr != ops[j].Req.Addr {
			return ops[i].Req.Addr < ops[j].Req.Addr
		}
		return ops[i].PNN < ops[j].PNN
	})
}

func sortedPNNs(lists map[uint32]protocol.PublicIPList) []uint32 {
	out := make([]uint32, 0, len(lists))
	for pnn := range lists {
		out = append(out, pnn)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
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
func allocate(in Input) (map[netip.Addr]uint32, map[uint32]map[string]string) {
	holders := map[netip.Addr][]uint32{}
	assigned := map[netip.Addr]uint32{}
	avail := map[uint32][]netip.Addr{}
	ifaces := map[uint32]map[string]string{}
	for _, pnn := range sortedPNNs(in.Lists) {
		ifaces[pnn] = map[string]string{}
		for _, ip := range in.Lists[pnn].IPs {
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
			if ip.Node != protocol.PNNUnknown && pnn == in.Self {
				assigned[a] = ip.Node
			}
			if len(ip.Available) > 0 {
				avail[pnn] = append(avail[pnn], a)
				ifaces[pnn][ip.Addr] = ip.Available[0]
			}
		}
	}
	var ips []ipalloc.IP
	for a, hs := range holders {
		ips = append(ips, ipalloc.IP{Addr: a, Current: currentHolder(hs, assigned[a], len(assigned) > 0)})
	}
	sort.Slice(ips, func(i, j int) bool { return ips[i].Addr.Less(ips[j].Addr) })
	var nodes []ipalloc.Node
	for _, n := range in.Nodes {
		flags := n.Flags
		if _, ok := in.Lists[n.PNN]; !ok {
			flags |= protocol.FlagDisconnected
		}
		nodes = append(nodes, ipalloc.Node{PNN: n.PNN, Flags: flags, Available: avail[n.PNN], Runnable: n.Runnable})
	}
	return ipalloc.Allocate(ips, nodes, in.Options), ifaces
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

// Finding is one address out of place.
type Finding struct {
	Addr string
	// Node is where the address was found (Unhosted: the node it is
	// assigned to).
	Node uint32
	// Assigned is the node the lists assign it to (PNNUnknown: none).
	Assigned uint32
	// Holders are all the nodes it was found on, sorted.
	Holders []uint32
	// Unhosted: the address is assigned to a node that answered but is
	// held nowhere. Otherwise it is held where it is not assigned, or on
	// more than one node, and Node is one of those nodes.
	Unhosted bool
}

// Misplaced checks that each address is on its assigned node and nowhere
// else. It returns one finding for each node an address is wrongly found
// on, and one for each assigned address that no node holds although its
// node answered; findings are sorted by address, then node. The assignment
// is what the lists say (a node's Node field; a later PNN's word wins).
func Misplaced(lists map[uint32]protocol.PublicIPList) []Finding {
	holders := map[string][]uint32{}
	assigned := map[string]uint32{}
	for _, pnn := range sortedPNNs(lists) {
		for _, ip := range lists[pnn].IPs {
			if ip.Active != "" {
				holders[ip.Addr] = append(holders[ip.Addr], pnn)
			}
			if ip.Node != protocol.PNNUnknown {
				assigned[ip.Addr] = ip.Node
			}
		}
	}
	var out []Finding
	for addr, hs := range holders {
		want, ok := assigned[addr]
		if !ok {
			want = protocol.PNNUnknown
		}
		for _, h := range hs {
			if !ok || h != want || len(hs) > 1 {
				out = append(out, Finding{Addr: addr, Node: h, Assigned: want, Holders: hs})
			}
		}
	}
	for addr, want := range assigned {
		if _, held := holders[addr]; held {
			continue
		}
		if _, up := lists[want]; up {
			out = append(out, Finding{Addr: addr, Node: want, Assigned: want, Unhosted: true})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Addr != out[j].Addr {
			return out[i].Addr < out[j].Addr
		}
		return out[i].Node < out[j].Node
	})
	return out
}
