package takeover

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// A transcript describes the cluster as the leader sees it, then, after
// "---", the run it must plan (or the findings of Misplaced), one line each:
//
//	nodes 0=ok 1=banned 2=starting   (flags: ok banned stopped deleted
//	                                  unhealthy disabled disconnected;
//	                                  starting = not RUNNING)
//	options nofailback notakeover disabled
//	move 10.0.0.1 1
//	on 0 10.0.0.1 avail=eth0 active=eth0 node=0
//
// "on N" lines give node N's public address list (the leader is node 0);
// a node with no "on" line did not answer. Expected lines:
//
//	release 10.0.0.1 on 1 eth0
//	take 10.0.0.1 on 0 eth0
//	assign 10.0.0.1=0 10.0.0.2=-
//	nodes 0 1
//	move rejected
func parse(t *testing.T, text string) (Input, string) {
	t.Helper()
	in, want, _ := strings.Cut(text, "---")
	inp := Input{Self: 0, Lists: map[uint32]protocol.PublicIPList{}}
	flagNames := map[string]uint32{"ok": 0, "banned": protocol.FlagBanned, "stopped": protocol.FlagStopped,
		"deleted": protocol.FlagDeleted, "unhealthy": protocol.FlagUnhealthy,
		"disabled": protocol.FlagPermanentlyDisabled, "disconnected": protocol.FlagDisconnected, "starting": 0}
	for _, line := range strings.Split(in, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "nodes":
			for _, spec := range f[1:] {
				pnn, flags, _ := strings.Cut(spec, "=")
				n := Node{PNN: num(t, pnn), Runnable: true}
				for _, name := range strings.Split(flags, ",") {
					v, ok := flagNames[name]
					if !ok {
						t.Fatalf("unknown flag %q", name)
					}
					n.Flags |= v
					if name == "starting" {
						n.Runnable = false
					}
				}
				inp.Nodes = append(inp.Nodes, n)
			}
		case "options":
			for _, o := range f[1:] {
				switch o {
				case "nofailback":
					inp.Options.NoIPFailback = true
				case "notakeover":
					inp.Options.NoIPTakeover = true
				case "disabled":
					inp.Options.Disabled = true
				default:
					t.Fatalf("unknown option %q", o)
				}
			}
		case "move":
			inp.Move = &protocol.MoveIP{Addr: f[1], PNN: num(t, f[2])}
		case "on":
			pnn := num(t, f[1])
			ip := protocol.PublicIP{Addr: f[2], Bits: 24, Node: protocol.PNNUnknown}
			for _, kv := range f[3:] {
				k, v, _ := strings.Cut(kv, "=")
				switch k {
				case "avail":
					ip.Available = strings.Split(v, ",")
				case "active":
					ip.Active = v
				case "node":
					ip.Node = num(t, v)
				default:
					t.Fatalf("unknown field %q", kv)
				}
			}
			l := inp.Lists[pnn]
			l.PNN = pnn
			l.IPs = append(l.IPs, ip)
			inp.Lists[pnn] = l
		default:
			t.Fatalf("unknown line %q", line)
		}
	}
	return inp, strings.TrimSpace(want)
}

func num(t *testing.T, s string) uint32 {
	t.Helper()
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		t.Fatal(err)
	}
	return uint32(v)
}

func pnnString(p uint32) string {
	if p == protocol.PNNUnknown {
		return "-"
	}
	return strconv.Itoa(int(p))
}

func render(r Result) string {
	var b strings.Builder
	for _, o := range r.Releases {
		fmt.Fprintf(&b, "release %s on %d %s\n", o.Req.Addr, o.PNN, o.Req.Iface)
	}
	for _, o := range r.Takes {
		fmt.Fprintf(&b, "take %s on %d %s\n", o.Req.Addr, o.PNN, o.Req.Iface)
	}
	b.WriteString("assign")
	for _, h := range r.Assignment {
		fmt.Fprintf(&b, " %s=%s", h.Addr, pnnString(h.Node))
	}
	b.WriteString("\nnodes")
	for _, n := range r.Nodes {
		fmt.Fprintf(&b, " %d", n)
	}
	if r.MoveRejected {
		b.WriteString("\nmove rejected")
	}
	return b.String()
}

func TestPlanTranscripts(t *testing.T) {
	cases := []struct{ name, text string }{
		{"fresh cluster spreads the addresses", `
nodes 0=ok 1=ok
on 0 10.0.0.1 avail=eth0
on 0 10.0.0.2 avail=eth0
on 1 10.0.0.1 avail=eth1
on 1 10.0.0.2 avail=eth1
---
take 10.0.0.1 on 0 eth0
take 10.0.0.2 on 1 eth1
assign 10.0.0.1=0 10.0.0.2=1
nodes 0 1`},
		{"settled cluster: nothing to do", `
nodes 0=ok 1=ok
on 0 10.0.0.1 avail=eth0 active=eth0 node=0
on 0 10.0.0.2 avail=eth0 node=1
on 1 10.0.0.1 avail=eth0 node=0
on 1 10.0.0.2 avail=eth0 active=eth0 node=1
---
assign 10.0.0.1=0 10.0.0.2=1
nodes 0 1`},
		{"banned node releases, the other takes", `
nodes 0=ok 1=banned
on 0 10.0.0.1 avail=eth0 active=eth0 node=0
on 0 10.0.0.2 avail=eth0 node=1
on 1 10.0.0.1 avail=eth0 node=0
on 1 10.0.0.2 avail=eth0 active=eth0 node=1
---
release 10.0.0.2 on 1 eth0
take 10.0.0.2 on 0 eth0
assign 10.0.0.1=0 10.0.0.2=0
nodes 0 1`},
		{"stopped and unhealthy nodes host nothing", `
nodes 0=ok 1=stopped 2=unhealthy
on 0 10.0.0.1 avail=eth0
on 1 10.0.0.1 avail=eth0 active=eth0
on 2 10.0.0.2 avail=eth0 active=eth0
on 0 10.0.0.2 avail=eth0
---
release 10.0.0.1 on 1 eth0
release 10.0.0.2 on 2 eth0
take 10.0.0.1 on 0 eth0
take 10.0.0.2 on 0 eth0
assign 10.0.0.1=0 10.0.0.2=0
nodes 0 1 2`},
		{"node still starting up takes nothing", `
nodes 0=ok 1=starting
on 0 10.0.0.1 avail=eth0
on 1 10.0.0.1 avail=eth0
on 1 10.0.0.2 avail=eth0
---
take 10.0.0.1 on 0 eth0
assign 10.0.0.1=0 10.0.0.2=-
nodes 0 1`},
		{"node without a list counts as disconnected", `
nodes 0=ok 1=ok
on 0 10.0.0.1 avail=eth0 node=1
on 0 10.0.0.2 avail=eth0 active=eth0 node=0
---
take 10.0.0.1 on 0 eth0
assign 10.0.0.1=0 10.0.0.2=0
nodes 0`},
		{"deleted node: its address moves, it gets no assignment", `
nodes 0=ok 1=ok 2=deleted
on 0 10.0.0.1 avail=eth0 active=eth0 node=0
on 0 10.0.0.3 avail=eth0 node=2
on 1 10.0.0.3 avail=eth0
---
take 10.0.0.3 on 1 eth0
assign 10.0.0.1=0 10.0.0.3=1
nodes 0 1`},
		{"returning node gets addresses back (failback)", `
nodes 0=ok 1=ok
on 0 10.0.0.1 avail=eth0 active=eth0 node=0
on 0 10.0.0.2 avail=eth0 active=eth0 node=0
on 1 10.0.0.1 avail=eth0
on 1 10.0.0.2 avail=eth0
---
release 10.0.0.1 on 0 eth0
take 10.0.0.1 on 1 eth0
assign 10.0.0.1=1 10.0.0.2=0
nodes 0 1`},
		{"NoIPFailback: the returning node gets nothing", `
nodes 0=ok 1=ok
options nofailback
on 0 10.0.0.1 avail=eth0 active=eth0 node=0
on 0 10.0.0.2 avail=eth0 active=eth0 node=0
on 1 10.0.0.1 avail=eth0
on 1 10.0.0.2 avail=eth0
---
assign 10.0.0.1=0 10.0.0.2=0
nodes 0 1`},
		{"NoIPTakeover: a banned node's address is left unhosted", `
nodes 0=ok 1=banned
options notakeover
on 0 10.0.0.1 avail=eth0 active=eth0 node=0
on 0 10.0.0.2 avail=eth0 node=1
on 1 10.0.0.2 avail=eth0 active=eth0 node=1
---
release 10.0.0.2 on 1 eth0
assign 10.0.0.1=0 10.0.0.2=-
nodes 0 1`},
		{"failover disabled: every address released", `
nodes 0=ok 1=ok
options disabled
on 0 10.0.0.1 avail=eth0 active=eth0 node=0
on 1 10.0.0.2 avail=eth0 active=eth0 node=1
---
release 10.0.0.1 on 0 eth0
release 10.0.0.2 on 1 eth0
assign 10.0.0.1=- 10.0.0.2=-
nodes 0 1`},
		{"address on a node it is not assigned to: released there", `
nodes 0=ok 1=ok
on 0 10.0.0.1 avail=eth0 active=eth0 node=0
on 1 10.0.0.1 avail=eth0 active=eth1 node=0
---
release 10.0.0.1 on 1 eth1
assign 10.0.0.1=0
nodes 0 1`},
		{"address on a second node with no assignment: the lower PNN keeps it", `
nodes 0=ok 1=ok 2=ok
on 0 10.0.0.1 avail=eth0
on 1 10.0.0.1 avail=eth0 active=eth0
on 2 10.0.0.1 avail=eth0 active=eth0
---
release 10.0.0.1 on 2 eth0
assign 10.0.0.1=1
nodes 0 1 2`},
		{"only the leader's list says what is assigned", `
nodes 0=ok 1=ok
on 0 10.0.0.1 avail=eth0 node=1
on 1 10.0.0.1 avail=eth0 active=eth0 node=0
on 2 10.0.0.1 avail=eth0 active=eth0 node=0
---
release 10.0.0.1 on 2 eth0
assign 10.0.0.1=1
nodes 0 1 2`},
		{"take on the first available interface", `
nodes 0=ok
on 0 10.0.0.1 avail=eth1,eth2
---
take 10.0.0.1 on 0 eth1
assign 10.0.0.1=0
nodes 0`},
		{"address with no available interface is not hosted there", `
nodes 0=ok 1=ok
on 0 10.0.0.1 active=eth0 node=0
on 1 10.0.0.1 avail=eth0
---
release 10.0.0.1 on 0 eth0
take 10.0.0.1 on 1 eth0
assign 10.0.0.1=1
nodes 0 1`},
		{"moveip moves an address", `
nodes 0=ok 1=ok
move 10.0.0.1 1
on 0 10.0.0.1 avail=eth0 active=eth0 node=0
on 1 10.0.0.1 avail=eth0
---
release 10.0.0.1 on 0 eth0
take 10.0.0.1 on 1 eth0
assign 10.0.0.1=1
nodes 0 1`},
		{"moveip to a node that cannot host it is rejected", `
nodes 0=ok 1=ok
move 10.0.0.1 1
on 0 10.0.0.1 avail=eth0 active=eth0 node=0
on 1 10.0.0.2 avail=eth0 active=eth0 node=1
---
assign 10.0.0.1=0 10.0.0.2=1
nodes 0 1
move rejected`},
		{"IPv6 and IPv4 together", `
nodes 0=ok
on 0 fd00::1 avail=eth0
on 0 10.0.0.1 avail=eth0
---
take 10.0.0.1 on 0 eth0
take fd00::1 on 0 eth0
assign 10.0.0.1=0 fd00::1=0
nodes 0`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, want := parse(t, c.text)
			if got := render(Plan(in)); got != want {
				t.Errorf("plan:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// No plan ever takes an address on a node while another node keeps it:
// every address is held by at most one node once releases and takes are done.
func TestPlanNeverDoubleHosts(t *testing.T) {
	in, _ := parse(t, `
nodes 0=ok 1=ok 2=banned 3=ok
on 0 10.0.0.1 avail=eth0 active=eth0 node=1
on 0 10.0.0.2 avail=eth0 active=eth0
on 1 10.0.0.1 avail=eth0 active=eth0
on 1 10.0.0.2 avail=eth0 active=eth0
on 2 10.0.0.3 avail=eth0 active=eth0
on 3 10.0.0.1 avail=eth0
on 3 10.0.0.2 avail=eth0
on 3 10.0.0.3 avail=eth0 active=eth0
`)
	r := Plan(in)
	held := map[string]map[uint32]bool{}
	for pnn, l := range in.Lists {
		for _, ip := range l.IPs {
			if ip.Active != "" {
				if held[ip.Addr] == nil {
					held[ip.Addr] = map[uint32]bool{}
				}
				held[ip.Addr][pnn] = true
			}
		}
	}
	for _, o := range r.Releases {
		delete(held[o.Req.Addr], o.PNN)
	}
	for _, o := range r.Takes {
		if held[o.Req.Addr] == nil {
			held[o.Req.Addr] = map[uint32]bool{}
		}
		held[o.Req.Addr][o.PNN] = true
	}
	for addr, hs := range held {
		if len(hs) > 1 {
			t.Errorf("%s on %v after the run:\n%s", addr, hs, render(r))
		}
	}
	for _, h := range r.Assignment {
		if h.Node != protocol.PNNUnknown && !held[h.Addr][h.Node] {
			t.Errorf("%s assigned to %d but not held there after the run:\n%s", h.Addr, h.Node, render(r))
		}
	}
}

func renderFindings(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		if f.Unhosted {
			fmt.Fprintf(&b, "unhosted %s assigned %d\n", f.Addr, f.Node)
			continue
		}
		fmt.Fprintf(&b, "misplaced %s on %d assigned %s held %v\n", f.Addr, f.Node, pnnString(f.Assigned), f.Holders)
	}
	return strings.TrimSpace(b.String())
}

func TestMisplacedTranscripts(t *testing.T) {
	cases := []struct{ name, text string }{
		{"all in place", `
on 0 10.0.0.1 active=eth0 node=0
on 0 10.0.0.2 node=1
on 1 10.0.0.1 node=0
on 1 10.0.0.2 active=eth0 node=1
---
`},
		{"held by a node it is not assigned to", `
on 0 10.0.0.1 node=1
on 1 10.0.0.1 node=1
on 2 10.0.0.1 active=eth0 node=1
---
misplaced 10.0.0.1 on 2 assigned 1 held [2]`},
		{"held by two nodes: both reported", `
on 0 10.0.0.1 active=eth0 node=0
on 1 10.0.0.1 active=eth0 node=0
---
misplaced 10.0.0.1 on 0 assigned 0 held [0 1]
misplaced 10.0.0.1 on 1 assigned 0 held [0 1]`},
		{"held but assigned to nobody", `
on 0 10.0.0.1 active=eth0
---
misplaced 10.0.0.1 on 0 assigned - held [0]`},
		{"assigned to an answering node that does not hold it", `
on 0 10.0.0.1 node=1
on 1 10.0.0.1 node=1
---
unhosted 10.0.0.1 assigned 1`},
		{"assigned to a node that did not answer: not reported", `
on 0 10.0.0.1 node=1
---
`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, want := parse(t, c.text)
			if got := renderFindings(Misplaced(in.Lists)); got != want {
				t.Errorf("findings:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
