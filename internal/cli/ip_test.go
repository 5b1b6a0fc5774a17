package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

func pip(addr string, node uint32, active string) protocol.PublicIP {
	return protocol.PublicIP{Addr: addr, Bits: 24, Node: node, Configured: []string{"eth1"},
		Available: []string{"eth1"}, Active: active}
}

func TestMergePublicIPs(t *testing.T) {
	const u = protocol.PNNUnknown
	lists := []protocol.PublicIPList{
		{PNN: 0, IPs: []protocol.PublicIP{
			pip("10.0.0.1", 2, ""),     // stale: node 1 holds it
			pip("10.0.0.2", 1, ""),     // nobody holds it: local view
			pip("10.0.0.3", u, ""),     // unassigned
			pip("10.0.0.4", 0, "eth1"), // claimed by 0 and 2: local's choice
		}},
		{PNN: 1, IPs: []protocol.PublicIP{
			pip("10.0.0.1", 1, "eth1"), pip("10.0.0.2", u, ""), pip("10.0.0.3", u, ""), pip("10.0.0.4", 0, ""),
			pip("10.0.0.5", 2, ""), // only remote nodes know it; its holder does not claim it
		}},
		{PNN: 2, IPs: []protocol.PublicIP{
			pip("10.0.0.1", 1, ""), pip("10.0.0.4", 2, "eth1"), pip("10.0.0.5", 2, ""),
			pip("::0:6", 2, "eth1"), // non-canonical text: merged under its canonical form
		}},
		{PNN: 3, IPs: []protocol.PublicIP{pip("::6", 2, "")}},
	}
	rows := mergePublicIPs(lists, 0)
	sortIPRows(rows)
	type want struct {
		addr       string
		node, from uint32 // from: whose entry gives the details (u: none)
	}
	wants := []want{
		{"10.0.0.1", 1, 1}, {"10.0.0.2", 1, 1}, {"10.0.0.3", u, u}, {"10.0.0.4", 0, 0}, {"10.0.0.5", u, u},
		{"::6", 2, 2},
	}
	if len(rows) != len(wants) {
		t.Fatalf("got %d rows, want %d: %+v", len(rows), len(wants), rows)
	}
	for i, w := range wants {
		r := rows[i]
		if r.addr != w.addr || r.node != w.node {
			t.Errorf("row %d: %s on %d, want %s on %d", i, r.addr, int32(r.node), w.addr, int32(w.node))
		}
		var wantInfo *protocol.PublicIP
		if w.from != u {
			for j := range lists[w.from].IPs {
				if addrString(lists[w.from].IPs[j].Addr) == w.addr {
					wantInfo = &lists[w.from].IPs[j]
				}
			}
		}
		if r.info != wantInfo {
			t.Errorf("row %d (%s): details from %+v, want from node %d", i, r.addr, r.info, int32(w.from))
		}
	}
	// Two claimants, neither named by the local node: the first one.
	two := []protocol.PublicIPList{
		{PNN: 0, IPs: []protocol.PublicIP{pip("10.0.0.9", u, "")}},
		{PNN: 1, IPs: []protocol.PublicIP{pip("10.0.0.9", 1, "eth1")}},
		{PNN: 2, IPs: []protocol.PublicIP{pip("10.0.0.9", 2, "eth1")}},
	}
	if r := mergePublicIPs(two, 0); len(r) != 1 || r[0].node != 1 {
		t.Errorf("two claimants: %+v, want node 1", r)
	}
	// ... and the one the local node names, whatever the order.
	two[0].IPs[0].Node = 2
	if r := mergePublicIPs(two, 0); len(r) != 1 || r[0].node != 2 || r[0].info != &two[2].IPs[0] {
		t.Errorf("two claimants, local names node 2: %+v", r)
	}
}

func TestCompareAddrs(t *testing.T) {
	got := []string{"fd00::1", "10.0.0.10", "junk", "2001:db8::1", "10.0.0.9", "9.255.255.255", "::ffff:1.2.3.4", "10.0.0.100"}
	sort.SliceStable(got, func(i, j int) bool { return compareAddrs(got[i], got[j]) < 0 })
	want := []string{"9.255.255.255", "10.0.0.9", "10.0.0.10", "10.0.0.100", "::ffff:1.2.3.4", "2001:db8::1", "fd00::1", "junk"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sorted %v, want %v", got, want)
	}
}

func TestParseIPMask(t *testing.T) {
	for _, c := range []struct {
		in   string
		addr string
		bits int
	}{
		{"10.1.2.3/24", "10.1.2.3", 24}, {"10.1.2.3/32", "10.1.2.3", 32}, {"10.1.2.3/1", "10.1.2.3", 1},
		{"fd00::1/64", "fd00::1", 64}, {"fd00::1/128", "fd00::1", 128}, {"10.1.2.3/024", "10.1.2.3", 24},
		{"10.1.2.3", "", 0}, {"10.1.2.3/0", "", 0}, {"10.1.2.3/33", "", 0}, {"fd00::1/129", "", 0},
		{"10.1.2.3/-1", "", 0}, {"10.1.2.3/+8", "", 0}, {"10.1.2/8", "", 0}, {"/8", "", 0}, {"10.1.2.3/8/8", "", 0},
		{"10.1.2.3/99999999999999999999", "", 0}, {"fe80::1%eth0/64", "", 0},
	} {
		a, bits, ok := parseIPMask(c.in)
		if ok != (c.addr != "") || (ok && (a.String() != c.addr || bits != c.bits)) {
			t.Errorf("parseIPMask(%q) = %v, %d, %v; want %q, %d", c.in, a, bits, ok, c.addr, c.bits)
		}
	}
}

// What the IP commands send: to which node, which control, what request.
// The leader is node 1 here, so that "to the leader" differs from "to the
// local node".
func TestIPRequests(t *testing.T) {
	f := newFakeCluster()
	f.leader = 1
	path := f.serve(t)
	for _, args := range []string{
		"moveip 10.97.1.101 0", "addip 10.97.1.200/24 eth2", "-n 2 addip fd00::0:7/64 eth1", "delip 10.97.1.200",
		"-n 2 delip fd00::7", "gratarp 10.97.1.102 eth1", "-n 2 gratarp 10.97.1.101 eth1", "reloadips",
		"reloadips 2,0", "reloadips all", "ipreallocate",
	} {
		if r := runTool(path, nil, strings.Fields(args)...); r.code != 0 || r.stdout != "" || r.stderr != "" {
			t.Fatalf("ctdb %s: exit %d stdout %q stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
	empty := &protocol.Empty{}
	want := []fakeCall{
		{1, protocol.OpMoveIP, &protocol.MoveIP{Addr: "10.97.1.101", PNN: 0}},
		{0, protocol.OpAddIP, &protocol.IPRequest{Addr: "10.97.1.200", Bits: 24, Iface: "eth2"}},
		{1, protocol.OpTakeoverRun, empty},
		{2, protocol.OpAddIP, &protocol.IPRequest{Addr: "fd00::7", Bits: 64, Iface: "eth1"}},
		{1, protocol.OpTakeoverRun, empty},
		{0, protocol.OpDelIP, &protocol.IPRequest{Addr: "10.97.1.200"}},
		{2, protocol.OpDelIP, &protocol.IPRequest{Addr: "fd00::7"}},
		{0, protocol.OpGratARP, &protocol.IPRequest{Addr: "10.97.1.102", Iface: "eth1"}},
		{2, protocol.OpGratARP, &protocol.IPRequest{Addr: "10.97.1.101", Iface: "eth1"}},
		{0, protocol.OpReloadIPs, empty}, {1, protocol.OpTakeoverRun, empty},
		{2, protocol.OpReloadIPs, empty}, {0, protocol.OpReloadIPs, empty}, {1, protocol.OpTakeoverRun, empty},
		{0, protocol.OpReloadIPs, empty}, {1, protocol.OpReloadIPs, empty}, {2, protocol.OpReloadIPs, empty},
		{1, protocol.OpTakeoverRun, empty},
		{1, protocol.OpTakeoverRun, empty},
	}
	var got []fakeCall
	for _, c := range f.allCalls() {
		switch c.op {
		case protocol.OpMoveIP, protocol.OpAddIP, protocol.OpDelIP, protocol.OpGratARP, protocol.OpReloadIPs,
			protocol.OpTakeoverRun:
			got = append(got, c)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("requests:\n got %s\nwant %s", callsString(got), callsString(want))
	}
	if n := f.node[0].ips[f.node[0].findIP("10.97.1.101")].Node; n != 0 {
		t.Errorf("after moveip node 0 sees 10.97.1.101 on %d", n)
	}
}

func callsString(calls []fakeCall) string {
	var b strings.Builder
	for _, c := range calls {
		fmt.Fprintf(&b, "\n  %s to %d: %+v", c.op, c.dst, c.req)
	}
	return b.String()
}

// `ip all` asks every node that can answer, and only those.
func TestIPAllAsksReachableNodes(t *testing.T) {
	for _, c := range []struct {
		name  string
		flags map[uint32]uint32
		want  []uint32
	}{
		{"healthy", nil, []uint32{0, 1, 2}},
		{"disconnected", map[uint32]uint32{2: protocol.FlagDisconnected}, []uint32{0, 1}},
		{"deleted", map[uint32]uint32{1: protocol.FlagDeleted}, []uint32{0, 2}},
		{"banned and stopped", map[uint32]uint32{1: protocol.FlagBanned, 2: protocol.FlagStopped}, []uint32{0, 1, 2}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeCluster()
			for p, fl := range c.flags {
				f.setFlags(p, fl)
			}
			path := f.serve(t)
			if r := runTool(path, nil, "ip", "all"); r.code != 0 || r.stderr != "" {
				t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
			}
			var got []uint32
			for _, call := range f.callsOf(protocol.OpGetPublicIPs) {
				got = append(got, call.dst)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("asked nodes %v, want %v", got, c.want)
			}
		})
	}
}

// A node that fails to answer fails `ip all`, as in CTDB.
func TestIPAllNodeFails(t *testing.T) {
	f := newFakeCluster()
	path := serveHandler(t, func(ctx context.Context, h protocol.Header, req any) (any, error) {
		if h.Op == protocol.OpGetPublicIPs && h.DstPNN == 1 {
			return nil, protocol.Errorf(protocol.StatusTimeout, "node 1 did not answer")
		}
		return f.handle(ctx, h, req)
	})
	r := runTool(path, nil, "ip", "all")
	want := "ctdb: Failed to get public IPs from node 1: GET_PUBLIC_IPS failed: node 1 did not answer\n"
	if r.code != 1 || r.stdout != "" || r.stderr != want {
		t.Errorf("exit %d stdout %q stderr %q, want stderr %q", r.code, r.stdout, r.stderr, want)
	}
}

// Bad arguments are refused before connecting: no daemon is needed.
func TestIPUsageWithoutDaemon(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ctdbd.socket")
	for _, c := range []struct{ args, stderr string }{
		{"ipinfo 10.1", "Invalid IP address 10.1\n"},
		{"moveip 10.97.1.101 x", "Invalid PNN x\n"},
		{"moveip 300.1.1.1 1", "Invalid IP address 300.1.1.1\n"},
		{"addip 10.97.1.200/40 eth1", "Invalid IP/Mask 10.97.1.200/40\n"},
		{"addip 10.97.1.200/24 eth1234567890123", "Interface name 'eth1234567890123' too long\n"},
		{"delip ::g", "Invalid IP address ::g\n"},
		{"gratarp 10.97.1.101 e\tth", "Invalid interface name 'e\tth'\n"},
		{"reloadips 1,x", "Invalid node x\n"},
		{"ip any", "  ip              [all]                        show public ips\n"},
	} {
		args := strings.Split(c.args, " ")
		r := runTool(path, nil, args...)
		if r.code != 1 || r.stdout != "" || !strings.HasSuffix(r.stderr, c.stderr) {
			t.Errorf("ctdb %s: exit %d stdout %q stderr %q, want stderr ending %q", c.args, r.code, r.stdout, r.stderr, c.stderr)
		}
	}
}
