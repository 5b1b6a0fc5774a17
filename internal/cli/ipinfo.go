package cli

import (
	"fmt"
	"io"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// runIpinfo: `ctdb ipinfo ADDR`, the node's details of one public address
// and of each interface it may be on. An address the node does not know
// is reported on stdout with exit 1, as CTDB does.
func runIpinfo(e *env, args []string) error {
	want, _ := parseIP(args[0])
	l, err := e.publicIPs(e.cmdPNN)
	if err != nil {
		return err
	}
	ip := findPublicIP(l.IPs, want)
	if ip == nil {
		printf(e.out, "Node %d does not know about IP %s\n", e.cmdPNN, args[0])
		return exitCode(1)
	}
	ifaces, err := e.ifaces(e.cmdPNN)
	if err != nil {
		return err
	}
	writeIpinfo(e.out, e.cmdPNN, *ip, ifaces.Ifaces)
	return nil
}

// writeIpinfo prints CTDB's ipinfo layout. CurrentNode is unsigned there
// (an unassigned address shows 4294967295). The link state and reference
// count of an interface come from the node's interface list; an interface
// missing from it counts as up if the address lists it as available.
func writeIpinfo(w io.Writer, pnn uint32, ip protocol.PublicIP, ifaces []protocol.Iface) {
	addr := addrString(ip.Addr)
	printf(w, "Public IP[%s] info on node %d\n", addr, pnn)
	printf(w, "IP:%s\nCurrentNode:%d\nNumInterfaces:%d\n", addr, ip.Node, len(ip.Configured))
	for i, name := range ip.Configured {
		up, refs := listHas(ip.Available, name), 0
		if iface := findIface(ifaces, name); iface != nil {
			up, refs = iface.LinkUp, iface.References
		}
		active := ""
		if name == ip.Active {
			active = " (active)"
		}
		printf(w, "Interface[%d]: Name:%s Link:%s References:%d%s\n", i+1, name, linkWord(up), refs, active)
	}
}

func findIface(ifaces []protocol.Iface, name string) *protocol.Iface {
	for i := range ifaces {
		if ifaces[i].Name == name {
			return &ifaces[i]
		}
	}
	return nil
}

func listHas(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func linkWord(up bool) string {
	if up {
		return "up"
	}
	return "down"
}

// ifaces fetches the interface list of node pnn.
func (e *env) ifaces(pnn uint32) (protocol.IfaceList, error) {
	var l protocol.IfaceList
	if err := e.callTo(e.dstOf(pnn), protocol.OpGetIfaces, nil, &l); err != nil {
		return l, fmt.Errorf("Failed to get interfaces from node %d: %w", pnn, err)
	}
	return l, nil
}

// runIfaces: `ctdb ifaces`, the public interfaces of a node with their
// link state and how many public addresses the node holds on each.
func runIfaces(e *env, args []string) error {
	l, err := e.ifaces(e.cmdPNN)
	if err != nil {
		return err
	}
	writeIfaces(e.out, e.cmdPNN, l.Ifaces, e.opts.machine, e.sep())
	return nil
}

func writeIfaces(w io.Writer, pnn uint32, ifaces []protocol.Iface, machine bool, sep string) {
	if len(ifaces) == 0 {
		printf(w, "No interfaces configured on node %d\n", pnn)
		return
	}
	if machine {
		writeRow(w, sep, "Name", "LinkStatus", "References")
	} else {
		printf(w, "Interfaces on node %d\n", pnn)
	}
	for _, i := range ifaces {
		if machine {
			writeRow(w, sep, i.Name, boolDigit(i.LinkUp), fmt.Sprint(i.References))
		} else {
			printf(w, "name:%s link:%s references:%d\n", i.Name, linkWord(i.LinkUp), i.References)
		}
	}
}
