package daemon

import (
	"fmt"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/config"
	"github.com/ctdb-go/ctdb/internal/logging"
	"github.com/ctdb-go/ctdb/internal/nodestate"
	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/internal/transport"
	"github.com/ctdb-go/ctdb/internal/tunables"
	"github.com/ctdb-go/ctdb/tests/harness/poll"
)

// memDaemon is node pnn of a cluster whose transport is net, built by New
// as ctdbd builds it.
func memDaemon(t *testing.T, net *transport.MemNetwork, pnn uint32, n int) *Daemon {
	t.Helper()
	cfg := config.Default(t.TempDir())
	cfg.Tunables = tunables.Defaults()
	for i := range n {
		cfg.Nodes = append(cfg.Nodes, config.Node{PNN: uint32(i), Addr: netip.AddrFrom4([4]byte{127, 0, 0, byte(i + 1)})})
	}
	cfg.Cluster.NodeAddress = cfg.Nodes[pnn].Addr.String()
	lg, err := logging.New(logging.Options{Output: io.Discard, Tag: "ctdbd"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(Options{Config: cfg, Logger: lg, Transport: net.Transport(pnn)})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A node lets its addresses go within half the lock helper's ping
// timeout of losing the leader, as the configured helper has it: with
// "cluster lock" setting a 2 s ping timeout, the hold bound is 1 s, not
// the default helper's 2.5 s.
func TestHoldBoundFollowsLockHelperPingTimeout(t *testing.T) {
	for _, c := range []struct {
		lock string
		want time.Duration
	}{
		{"", 2500 * time.Millisecond},
		{"/shared/.reclock", 2500 * time.Millisecond},
		{"!/usr/libexec/ctdb/ctdb_mutex_fcntl_helper /shared/.reclock 5 2", time.Second},
	} {
		net := transport.NewMemNetwork()
		d := memDaemon(t, net, 0, 1)
		d2, err := New(Options{Config: withLock(d.cfg, c.lock), Logger: d.logger, Transport: net.Transport(0)})
		if err != nil {
			t.Fatal(err)
		}
		if got := d2.params().HoldBound(); got != c.want {
			t.Errorf("cluster lock %q: hold bound %v, want %v", c.lock, got, c.want)
		}
	}
}

func withLock(cfg *config.Config, lock string) *config.Config {
	c := *cfg
	c.Cluster.ClusterLock = lock
	return &c
}

// The daemon serves the transport its options give: two daemons over the
// in-memory network see each other connect, learn each other's state and
// follow a leader claim, as they would over TCP.
func TestDaemonUsesTransportFromOptions(t *testing.T) {
	net := transport.NewMemNetwork()
	d0, d1 := memDaemon(t, net, 0, 2), memDaemon(t, net, 1, 2)
	for _, d := range []*Daemon{d0, d1} {
		if err := d.startTransport(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	d1.mu.Lock()
	d1.st.Leader, d1.st.LeaderEpoch, d1.st.MaxEpoch = 1, 3, 3
	d1.mu.Unlock()
	d1.do(t.Context(), d1.step(nodestate.Input{Kind: nodestate.PeerConnected, PNN: 0}))

	flags := func(d *Daemon, pnn uint32) uint32 {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.st.Nodes[pnn].Flags
	}
	if err := poll.Until(5*time.Second, 10*time.Millisecond, func() string {
		d0.mu.Lock()
		leader, epoch := d0.st.Leader, d0.st.MaxEpoch
		d0.mu.Unlock()
		if leader == 1 && epoch == 3 && flags(d0, 1)&protocol.FlagDisconnected == 0 &&
			flags(d1, 0)&protocol.FlagDisconnected == 0 {
			return ""
		}
		return fmt.Sprintf("node 0: leader %d epoch %d, flags of node 1 %#x; node 1: flags of node 0 %#x",
			leader, epoch, flags(d0, 1), flags(d1, 0))
	}); err != nil {
		t.Fatal(err)
	}

	net.Kill(1)
	if !poll.True(5*time.Second, 10*time.Millisecond, func() bool { return flags(d0, 1)&protocol.FlagDisconnected != 0 }) {
		t.Fatal("node 0 did not see node 1 disconnect")
	}
}

// A node tells every other node when its flags change, and only the
// leader when its recovery mode changes: the others keep only its flags
// and runstate (protocol.PeerSelf), and the leader checks every node's
// full state when told. Nodes 0 and 2 are bare transports here, so the
// frames node 1 sends them can be read; node 2 leads.
func TestNodeUpdatesGoToTheLeaderUnlessFlagsChange(t *testing.T) {
	net := transport.NewMemNetwork()
	t0, t2 := net.Transport(0), net.Transport(2)
	d1 := memDaemon(t, net, 1, 3)
	if err := d1.startTransport(t.Context()); err != nil {
		t.Fatal(err)
	}
	d1.mu.Lock()
	d1.st.Leader = 2
	d1.mu.Unlock()

	// update returns the next node update tr receives from node 1.
	update := func(tr transport.Transport, name string) protocol.PeerSelf {
		t.Helper()
		timeout := time.After(5 * time.Second)
		for {
			select {
			case f := <-tr.Recv():
				if f.Op != protocol.MsgNodeUpdate || f.SrcPNN != 1 {
					continue
				}
				var s protocol.PeerSelf
				if err := protocol.UnmarshalBody(f.Body, &s); err != nil {
					t.Fatalf("%s: node update: %v", name, err)
				}
				return s
			case <-timeout:
				t.Fatalf("%s: no node update from node 1", name)
			}
		}
	}
	// Each peer is told node 1's state when it connects.
	first0, first2 := update(t0, "node 0"), update(t2, "node 2")
	if first0.Flags != first2.Flags || first0.PNN != 1 {
		t.Fatalf("on connect: node 0 heard %+v, node 2 heard %+v", first0, first2)
	}

	d1.setRecMode(protocol.RecModeNormal)
	if s := update(t2, "leader"); s != first2 {
		t.Fatalf("leader told %+v after a change of recovery mode, want the unchanged %+v", s, first2)
	}

	// A flag change goes to every node; it is the next update node 0
	// hears, so the change of recovery mode never reached it.
	d1.do(t.Context(), d1.step(nodestate.Input{Kind: nodestate.ModifyFlags, Set: protocol.FlagPermanentlyDisabled}))
	for _, c := range []struct {
		tr   transport.Transport
		name string
	}{{t0, "node 0"}, {t2, "leader"}} {
		if s := update(c.tr, c.name); s.Flags&protocol.FlagPermanentlyDisabled == 0 {
			t.Fatalf("%s: next update %+v, want the DISABLED flag", c.name, s)
		}
	}
}
