package daemon

import (
	"bytes"
	"context"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/ctdb-go/ctdb/internal/config"
	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/sirupsen/logrus"
)

func tickleDaemon(held ...string) (*Daemon, *bytes.Buffer) {
	var logs bytes.Buffer
	lg := logrus.New()
	lg.SetOutput(&logs)
	lg.SetLevel(logrus.DebugLevel)
	d := &Daemon{log: logrus.NewEntry(lg)}
	d.ip.held = map[netip.Addr]string{}
	for _, p := range []string{"10.97.1.101/24", "10.97.1.102/24", "fd97::1/64"} {
		d.ip.list = append(d.ip.list, config.PublicAddress{Prefix: netip.MustParsePrefix(p), Ifaces: []string{"eth0"}})
	}
	for _, a := range held {
		d.ip.held[netip.MustParseAddr(a)] = "eth0"
	}
	return d, &logs
}

func conns(t *testing.T, d *Daemon, addr string, port uint16) []protocol.Connection {
	t.Helper()
	out, err := d.ctlGetTickles(context.Background(), protocol.Header{}, &protocol.TickleQuery{Addr: addr, Port: port})
	if err != nil {
		t.Fatal(err)
	}
	return out.(protocol.TickleList).Conns
}

func TestTickleControls(t *testing.T) {
	d, _ := tickleDaemon()
	ctx := context.Background()
	for _, c := range []protocol.Connection{
		{Src: "10.97.1.200:40001", Dst: "10.97.1.101:2049"},
		{Src: "10.97.1.200:40000", Dst: "10.97.1.101:445"},
		{Src: "10.97.1.200:40000", Dst: "10.97.1.101:445"}, // again: no duplicate
		{Src: "[::ffff:10.97.1.9]:5", Dst: "[::ffff:10.97.1.101]:445"},
		{Src: "[fd97::9]:7", Dst: "[fd97::1]:2049"},
	} {
		if _, err := d.ctlAddTickle(ctx, protocol.Header{}, &c); err != nil {
			t.Fatalf("add %v: %v", c, err)
		}
	}
	want := []protocol.Connection{{Src: "10.97.1.9:5", Dst: "10.97.1.101:445"}, {Src: "10.97.1.200:40000", Dst: "10.97.1.101:445"},
		{Src: "10.97.1.200:40001", Dst: "10.97.1.101:2049"}}
	if got := conns(t, d, "10.97.1.101", 0); !reflect.DeepEqual(got, want) {
		t.Errorf("all connections of 10.97.1.101: %v, want %v", got, want)
	}
	if got := conns(t, d, "10.97.1.101", 2049); !reflect.DeepEqual(got, want[2:]) {
		t.Errorf("port 2049: %v, want %v", got, want[2:])
	}
	if got := conns(t, d, "fd97::1", 0); len(got) != 1 || got[0].Dst != "[fd97::1]:2049" {
		t.Errorf("IPv6: %v", got)
	}
	if got := conns(t, d, "10.97.1.102", 0); got == nil || len(got) != 0 {
		t.Errorf("10.97.1.102: %#v, want an empty list", got)
	}
	d.ctlDelTickle(ctx, protocol.Header{}, &protocol.Connection{Src: "10.97.1.9:5", Dst: "10.97.1.101:445"})
	if got := conns(t, d, "10.97.1.101", 0); !reflect.DeepEqual(got, want[1:]) {
		t.Errorf("after deltickle: %v, want %v", got, want[1:])
	}

	// Bad requests are refused with a reason, and change nothing.
	for _, c := range []struct {
		op  func(context.Context, protocol.Header, any) (any, error)
		req any
		why string
	}{
		{d.ctlAddTickle, &protocol.Connection{Src: "10.97.1.200:1", Dst: "10.97.1.150:445"}, "not a public address"},
		{d.ctlAddTickle, &protocol.Connection{Src: "10.97.1.200", Dst: "10.97.1.101:445"}, "invalid connection"},
		{d.ctlAddTickle, &protocol.Connection{Src: "[fd97::9]:1", Dst: "10.97.1.101:445"}, "mixes address families"},
		{d.ctlDelTickle, &protocol.Connection{Src: "x", Dst: "y"}, "invalid connection"},
		{d.ctlGetTickles, &protocol.TickleQuery{Addr: "10.97.1.150"}, "not a public address"},
		{d.ctlGetTickles, &protocol.TickleQuery{Addr: "bogus"}, "invalid address"},
	} {
		if _, err := c.op(ctx, protocol.Header{}, c.req); err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%+v: error %v, want %q", c.req, err, c.why)
		}
	}
	if got := conns(t, d, "10.97.1.101", 0); !reflect.DeepEqual(got, want[1:]) {
		t.Errorf("after bad requests: %v, want %v", got, want[1:])
	}
}

// TestTickleListMessages: another node's list replaces ours unless we hold
// the address; malformed lists are logged and ignored.
func TestTickleListMessages(t *testing.T) {
	d, logs := tickleDaemon("10.97.1.102")
	body := func(l protocol.TickleList) []byte {
		b, _ := protocol.MarshalBody(l)
		return b
	}
	one := protocol.TickleList{Addr: "10.97.1.101", Conns: []protocol.Connection{{Src: "10.97.1.200:1", Dst: "10.97.1.101:445"}}}
	d.onTickleList(1, body(one))
	if got := conns(t, d, "10.97.1.101", 0); !reflect.DeepEqual(got, one.Conns) {
		t.Fatalf("after a peer's list: %v", got)
	}
	d.onTickleList(1, body(protocol.TickleList{Addr: "10.97.1.101"}))
	if got := conns(t, d, "10.97.1.101", 0); len(got) != 0 {
		t.Fatalf("an empty list from the holder did not replace ours: %v", got)
	}
	d.onTickleList(1, body(one))
	for _, bad := range [][]byte{
		[]byte(`{"addr":"10.97.1.101","conns":[`),
		[]byte(`{"addr":"10.97.1.101","conns":[],"extra":1}`),
		body(protocol.TickleList{Addr: "nonsense"}),
		body(protocol.TickleList{Addr: "10.97.1.101", Conns: []protocol.Connection{{Src: "10.97.1.200:2", Dst: "10.97.1.102:445"}}}),
		body(protocol.TickleList{Addr: "10.97.1.101", Conns: []protocol.Connection{{Src: "garbage", Dst: "10.97.1.101:445"}}}),
	} {
		d.onTickleList(1, bad)
	}
	if got := conns(t, d, "10.97.1.101", 0); !reflect.DeepEqual(got, one.Conns) {
		t.Errorf("a malformed list changed ours: %v", got)
	}
	if n := strings.Count(logs.String(), "Ignoring"); n != 5 {
		t.Errorf("%d malformed lists logged, want 5:\n%s", n, logs.String())
	}
	// This node holds 10.97.1.102: its own list stays.
	d.ctlAddTickle(context.Background(), protocol.Header{}, &protocol.Connection{Src: "10.97.1.200:3", Dst: "10.97.1.102:445"})
	d.onTickleList(1, body(protocol.TickleList{Addr: "10.97.1.102"}))
	if got := conns(t, d, "10.97.1.102", 0); len(got) != 1 {
		t.Errorf("a peer's list replaced the holder's: %v", got)
	}
}
