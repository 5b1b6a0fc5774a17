package cli

import (
	"net/netip"
	"sort"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// fakeScriptState is the fake daemon's state for the scripts' commands.
type fakeScriptState struct {
	tickles map[string][]protocol.Connection // by public address
	links   map[string]bool                  // set by setifacelink
	clients map[int32]bool                   // connected client PIDs
}

func (f *fakeCluster) answerScript(dst uint32, n *fakeNode, op protocol.Op, req any) (any, error) {
	if n.sc.tickles == nil {
		n.sc = fakeScriptState{tickles: map[string][]protocol.Connection{}, links: map[string]bool{}, clients: map[int32]bool{}}
	}
	switch op {
	case protocol.OpGetTickles:
		q := req.(*protocol.TickleQuery)
		if n.findIP(q.Addr) < 0 {
			return nil, protocol.Errorf(protocol.StatusNotFound, "%s is not a public address of node %d", q.Addr, dst)
		}
		l := protocol.TickleList{Addr: q.Addr, Conns: []protocol.Connection{}}
		for _, c := range n.sc.tickles[q.Addr] {
			if q.Port == 0 || netip.MustParseAddrPort(c.Dst).Port() == q.Port {
				l.Conns = append(l.Conns, c)
			}
		}
		return l, nil
	case protocol.OpAddTickle, protocol.OpDelTickle:
		c := *req.(*protocol.Connection)
		a := netip.MustParseAddrPort(c.Dst).Addr().String()
		if n.findIP(a) < 0 {
			if op == protocol.OpDelTickle {
				return nil, nil
			}
			return nil, protocol.Errorf(protocol.StatusNotFound, "%s is not a public address of node %d", a, dst)
		}
		var keep []protocol.Connection
		for _, x := range n.sc.tickles[a] {
			if x != c {
				keep = append(keep, x)
			}
		}
		if op == protocol.OpAddTickle {
			keep = append(keep, c)
		}
		sort.Slice(keep, func(i, j int) bool {
			x, y := netip.MustParseAddrPort(keep[i].Dst), netip.MustParseAddrPort(keep[j].Dst)
			if x.Port() != y.Port() {
				return x.Port() < y.Port()
			}
			return netip.MustParseAddrPort(keep[i].Src).Compare(netip.MustParseAddrPort(keep[j].Src)) < 0
		})
		n.sc.tickles[a] = keep
		return nil, nil
	case protocol.OpSetIfaceLink:
		r := req.(*protocol.IfaceLink)
		n.linkDown[r.Name] = !r.Up
		n.refreshIPs(dst)
		return nil, nil
	case protocol.OpProcessExists:
		q := req.(*protocol.ProcessQuery)
		return protocol.ProcessExists{Exists: !q.HasSRVID && n.sc.clients[q.PID]}, nil
	case protocol.OpSetCapabilities:
		r := req.(*protocol.SetCapabilities)
		if r.Leader != nil {
			n.caps.Leader = *r.Leader
		}
		if r.LMaster != nil {
			n.caps.LMaster = *r.LMaster
		}
		return nil, nil
	case protocol.OpRecover:
		// The recovery is instant here: a new generation, mode NORMAL.
		f.generation++
		f.recmode = protocol.RecModeNormal
		return nil, nil
	case protocol.OpDumpMemory:
		return protocol.MemoryReport{Text: "Memory of ctdbd (pid 12274) on node 0\n    VmRSS                        1234 kB\n"}, nil
	case protocol.OpRecdDumpMemory:
		return nil, protocol.Errorf(protocol.StatusNotFound, "the recovery daemon is not running on node %d", dst)
	}
	return nil, protocol.Errorf(protocol.StatusUnknownOp, "not served by the fake")
}
