package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// ipRow is one line of `ctdb ip`: an address, the node it is on and, for
// -v, the address as the node the details come from knows it (nil: no
// details, as for an unassigned address in `ip all`).
type ipRow struct {
	addr string
	node uint32
	info *protocol.PublicIP
}

func checkIP(args []string) error {
	if len(args) == 1 && args[0] != "all" {
		return &usageError{"ip"}
	}
	return nil
}

// runIP: `ctdb ip [all]`, with -v the interfaces of each address. Without
// "all" it is the view of one node (-n, default this one): where that node
// believes each address is, and the interface details it has for it.
func runIP(e *env, args []string) error {
	all := len(args) == 1
	var rows []ipRow
	if all {
		lists, err := e.allPublicIPs()
		if err != nil {
			return err
		}
		rows = mergePublicIPs(lists, e.pnn)
	} else {
		l, err := e.publicIPs(e.cmdPNN)
		if err != nil {
			return err
		}
		for i := range l.IPs {
			rows = append(rows, ipRow{addr: addrString(l.IPs[i].Addr), node: l.IPs[i].Node, info: &l.IPs[i]})
		}
	}
	sortIPRows(rows)
	writeIPs(e.out, rows, ipFormat{all: all, pnn: e.cmdPNN, machine: e.opts.machine,
		verbose: e.opts.verbose, sep: e.sep()})
	return nil
}

// dstOf is the destination for a control about node pnn: the local daemon
// directly when pnn is this node.
func (e *env) dstOf(pnn uint32) uint32 {
	if pnn == e.pnn {
		return protocol.PNNCurrent
	}
	return pnn
}

// publicIPs fetches the public address list of node pnn.
func (e *env) publicIPs(pnn uint32) (protocol.PublicIPList, error) {
	var l protocol.PublicIPList
	if err := e.callTo(e.dstOf(pnn), protocol.OpGetPublicIPs, nil, &l); err != nil {
		return l, fmt.Errorf("Failed to get public IPs from node %d: %w", pnn, err)
	}
	l.PNN = pnn
	return l, nil
}

// allPublicIPs fetches the lists of every node that can answer: all but
// the disconnected and deleted nodes of the local nodemap. Like CTDB, a
// node that fails to answer fails the command.
func (e *env) allPublicIPs() ([]protocol.PublicIPList, error) {
	nodes, err := e.localNodemap()
	if err != nil {
		return nil, err
	}
	var lists []protocol.PublicIPList
	for _, n := range nodes {
		if n.Flags&(protocol.FlagDisconnected|protocol.FlagDeleted) != 0 {
			continue
		}
		l, err := e.publicIPs(n.PNN)
		if err != nil {
			return nil, err
		}
		lists = append(lists, l)
	}
	return lists, nil
}

// ipClaims gathers what the nodes say about one address.
type ipClaims struct {
	hosts     []uint32 // nodes whose own list shows it active here, in list order
	localView uint32   // the holder according to the local node's list
	localKnew bool
	entries   map[uint32]*protocol.PublicIP // each node's entry for it
}

// mergePublicIPs builds `ctdb ip all` from the nodes' lists. A node is
// believed about itself only: an address is on the node whose own list
// shows it active on an interface (CTDB's rule that only the node's own
// claim counts). Where no node claims an address, the local node's view
// stands; an address the local node does not know either is unassigned.
// Details (-v) come from the holder's own entry.
func mergePublicIPs(lists []protocol.PublicIPList, local uint32) []ipRow {
	claims := map[string]*ipClaims{}
	var order []string
	for li := range lists {
		l := &lists[li]
		for i := range l.IPs {
			ip := &l.IPs[i]
			key := addrString(ip.Addr)
			c := claims[key]
			if c == nil {
				c = &ipClaims{entries: map[uint32]*protocol.PublicIP{}}
				claims[key] = c
				order = append(order, key)
			}
			c.entries[l.PNN] = ip
			if ip.Active != "" {
				c.hosts = append(c.hosts, l.PNN)
			}
			if l.PNN == local {
				c.localView, c.localKnew = ip.Node, true
			}
		}
	}
	rows := make([]ipRow, 0, len(order))
	for _, key := range order {
		c := claims[key]
		node := c.holder()
		rows = append(rows, ipRow{addr: key, node: node, info: c.entries[node]})
	}
	return rows
}

// holder picks the node an address is on. Two nodes claiming it at once
// (in the middle of a move) resolve to the one the local node names, else
// to the first claimant.
func (c *ipClaims) holder() uint32 {
	if len(c.hosts) > 0 {
		for _, h := range c.hosts {
			if c.localKnew && h == c.localView {
				return h
			}
		}
		return c.hosts[0]
	}
	if c.localKnew {
		return c.localView
	}
	return protocol.PNNUnknown
}

// ipFormat says how `ctdb ip` prints.
type ipFormat struct {
	all, machine, verbose bool
	pnn                   uint32
	sep                   string
}

var (
	ipHeader        = []string{"Public IP", "Node"}
	ipVerboseHeader = []string{"Public IP", "Node", "ActiveInterfaces", "AvailableInterfaces", "ConfiguredInterfaces"}
)

// writeIPs prints `ctdb ip` as CTDB does. The node is printed signed, so
// an unassigned address shows -1.
func writeIPs(w io.Writer, rows []ipRow, f ipFormat) {
	switch {
	case f.machine && f.verbose:
		writeRow(w, f.sep, ipVerboseHeader...)
	case f.machine:
		writeRow(w, f.sep, ipHeader...)
	case f.all:
		printf(w, "Public IPs on ALL nodes\n")
	default:
		printf(w, "Public IPs on node %d\n", f.pnn)
	}
	for _, r := range rows {
		node := fmt.Sprint(int32(r.node))
		if !f.verbose {
			if f.machine {
				writeRow(w, f.sep, r.addr, node)
			} else {
				printf(w, "%s %s\n", r.addr, node)
			}
			continue
		}
		active, avail, conf := r.ifaces()
		if f.machine {
			writeRow(w, f.sep, r.addr, node, active, avail, conf)
		} else {
			printf(w, "%s node[%s] active[%s] available[%s] configured[%s]\n", r.addr, node, active, avail, conf)
		}
	}
}

// ifaces returns the active interface and the comma-separated available
// and configured ones.
func (r ipRow) ifaces() (active, avail, conf string) {
	if r.info == nil {
		return "", "", ""
	}
	return r.info.Active, strings.Join(r.info.Available, ","), strings.Join(r.info.Configured, ",")
}
