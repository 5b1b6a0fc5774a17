package tests

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/tests/harness"
	"github.com/ctdb-go/ctdb/tests/netns"
	sniffpkg "github.com/ctdb-go/ctdb/tests/sniff"
)

const (
	publicPrefix = harness.PublicPrefix
	servicePort  = harness.ServicePort
)

var publicIPs = harness.PublicIPs

// ipCluster is a cluster whose nodes run in network namespaces on one
// bridge, with public addresses and a client host (harness.IPNet).
type ipCluster struct {
	*localcluster.Cluster
	ipn    *harness.IPNet
	net    *netns.Net
	hosts  []*netns.Host
	client *netns.Host
	flag   string // a file that makes node i's monitor fail: flag+".<i>"
}

func newIPCluster(t *testing.T, n int, tunables map[string]uint32, mods ...func(*netns.Net, *localcluster.Options)) *ipCluster {
	t.Helper()
	return newIPClusterEnv(t, n, tunables, nil, mods...)
}

// newIPClusterEnv is newIPCluster with extra environment ("NAME=value") for
// every ctdbd, and so for its eventscripts.
func newIPClusterEnv(t *testing.T, n int, tunables map[string]uint32, env []string, mods ...func(*netns.Net, *localcluster.Options)) *ipCluster {
	t.Helper()
	ipn, err := harness.IPNetOn(netns.New(t, n))
	if err != nil {
		t.Fatal(err)
	}
	if tunables == nil {
		tunables = map[string]uint32{}
	}
	for k, v := range map[string]uint32{"KeepaliveInterval": 1, "KeepaliveLimit": 3, "MonitorInterval": 1} {
		if _, set := tunables[k]; !set {
			tunables[k] = v
		}
	}
	o := localcluster.Options{Nodes: n, Addrs: ipn.NodeAddrs(), Scripts: []string{"00.ctdb", "10.interface"},
		Tunables: tunables, PublicAddresses: ipn.PublicAddresses(), Wrap: ipn.Wrap(env)}
	for _, m := range mods {
		m(ipn.Net, &o)
	}
	c := cluster(t, o)
	ic := &ipCluster{Cluster: c, ipn: ipn, net: ipn.Net, hosts: ipn.Hosts, client: ipn.Client, flag: filepath.Join(c.Base, "fail")}
	for i := 0; i < n; i++ {
		addScript(t, c, i, "50.service", fmt.Sprintf("[ \"$1\" = monitor ] && [ -e %s.%d ] && { echo \"ERROR: service down\"; exit 1; }; exit 0\n", ic.flag, i), 0o755)
	}
	if err := ipn.StartLabelServers(); err != nil {
		t.Fatal(err)
	}
	return ic
}

// startSettled starts every node and waits until all are OK, every
// address is on exactly one node and every node hosts one.
func (ic *ipCluster) startSettled(t *testing.T) {
	t.Helper()
	startAll(t, ic.Cluster)
	waitConverged(t, ic.Cluster, seq(ic.Nodes), allOK(ic.Nodes), 30*time.Second)
	eventually(t, 20*time.Second, func() string { return ic.hostedOnceBy(seq(ic.Nodes)) })
	ic.waitBalanced(t)
}

// holders samples which nodes have each public address on an interface.
func (ic *ipCluster) holders() map[netip.Addr][]int { return ic.ipn.Holders() }

// hostedOnceBy reports why the addresses are not each on exactly one node
// of ok ("" if they are).
func (ic *ipCluster) hostedOnceBy(ok []int) string { return ic.ipn.HostedOnceBy(ok) }

// waitBalanced waits until every node hosts at least one address (the
// leader rebalances onto nodes as they become RUNNING).
func (ic *ipCluster) waitBalanced(t *testing.T) {
	t.Helper()
	eventually(t, 20*time.Second, func() string {
		for i := range ic.hosts {
			if len(ic.addrsOf(i)) == 0 {
				return fmt.Sprintf("node %d hosts no address yet", i)
			}
		}
		return ""
	})
}

// reach connects from the client to addr and returns the serving node's label.
func (ic *ipCluster) reach(a netip.Addr, timeout time.Duration) (string, error) {
	return ic.ipn.Reach(a, timeout)
}

// reachAll checks that every public address answers, and returns which
// node serves each.
// reachAll connects to every public address and returns who served each.
// A takeover run that is still moving an address (a rebalance after a node
// came back) can make one try time out, so it tries for up to 10 s.
func (ic *ipCluster) reachAll(t *testing.T) map[netip.Addr]string {
	t.Helper()
	var out map[netip.Addr]string
	if err := harness.Until(10*time.Second, 100*time.Millisecond, func() string {
		var err error
		if out, err = ic.ipn.ReachAll(2 * time.Second); err != nil {
			return err.Error()
		}
		return ""
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func (ic *ipCluster) addrsOf(i int) []netip.Addr { return ic.ipn.AddrsOf(i) }

// cutOff measures how long until the client is served on a by a node
// other than victim: from now until such a connection succeeds, trying
// every 50 ms.
func (ic *ipCluster) cutOff(t *testing.T, a netip.Addr, victim int, limit time.Duration) time.Duration {
	t.Helper()
	t0 := time.Now()
	err := harness.Until(limit, 50*time.Millisecond, func() string {
		l, err := ic.reach(a, 200*time.Millisecond)
		if err == nil && l != fmt.Sprintf("node%d", victim) {
			return ""
		}
		return fmt.Sprintf("served by %q (%v)", l, err)
	})
	if err != nil {
		t.Fatalf("client could not reach %s on another node: %v", a, err)
	}
	return time.Since(t0)
}

// TestPublicIPFailover: 3 nodes and 6 addresses; a node is killed, made
// UNHEALTHY, disabled and banned in turn; each time every address ends up
// on exactly one healthy node, the client reaches every address again, and
// the client saw a gratuitous ARP for the moved ones.
func TestPublicIPFailover(t *testing.T) {
	ic := newIPCluster(t, 3, nil)
	ic.startSettled(t)
	ic.reachAll(t)
	if out := ctdb(t, ic.Cluster, 0, "ip"); strings.Count(out, publicPrefix) != 6 || strings.Contains(out, " -1\n") {
		t.Fatalf("ctdb ip:\n%s", out)
	}

	scenarios := []struct {
		name    string
		do      func(victim int)
		undo    func(victim int)
		healthy func(victim int) map[int]string
	}{
		{"kill -9", func(v int) { ic.Kill(v, syscall.SIGKILL) }, func(v int) { start(t, ic.Cluster, v) },
			func(v int) map[int]string { m := allOK(3); m[v] = "DISCONNECTED|UNHEALTHY|INACTIVE"; return m }},
		{"unhealthy", func(v int) { os.WriteFile(fmt.Sprintf("%s.%d", ic.flag, v), nil, 0o644) },
			func(v int) { os.Remove(fmt.Sprintf("%s.%d", ic.flag, v)) },
			func(v int) map[int]string { m := allOK(3); m[v] = "UNHEALTHY"; return m }},
		{"disable", func(v int) { ctdb(t, ic.Cluster, (v+1)%3, "-n", fmt.Sprint(v), "disable") },
			func(v int) { ctdb(t, ic.Cluster, (v+1)%3, "-n", fmt.Sprint(v), "enable") },
			func(v int) map[int]string { m := allOK(3); m[v] = "DISABLED"; return m }},
		{"ban", func(v int) { ctdb(t, ic.Cluster, (v+1)%3, "-n", fmt.Sprint(v), "ban", "300") },
			func(v int) { ctdb(t, ic.Cluster, (v+1)%3, "-n", fmt.Sprint(v), "unban") },
			func(v int) map[int]string { m := allOK(3); m[v] = "BANNED|INACTIVE"; return m }},
	}
	for k, sc := range scenarios {
		victim := k % 3
		moved := ic.addrsOf(victim)
		if len(moved) == 0 {
			t.Fatalf("%s: node %d hosts no address before the test", sc.name, victim)
		}
		sniffer, err := sniffIn(ic.client)
		if err != nil {
			t.Fatal(err)
		}
		others := without(seq(3), victim)
		held, err := ic.holdOpen(moved[len(moved)-1])
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		sc.do(victim)
		cut := ic.cutOff(t, moved[0], victim, 30*time.Second)
		eventually(t, 15*time.Second, func() string { return ic.hostedOnceBy(others) })
		settled := time.Since(t0)
		waitConverged(t, ic.Cluster, others, sc.healthy(victim), 15*time.Second)
		served := ic.reachAll(t)
		// Every moved address is announced (three times, 1.1 s apart)
		// once it is taken: wait for the client to see each.
		harness.Until(5*time.Second, 50*time.Millisecond, func() string {
			seen := sniffer.seen()
			for _, a := range moved {
				if !seen[a] {
					return "no announcement of " + a.String()
				}
			}
			return ""
		})
		seen := sniffer.stop()
		// The reset goes out when the address is released, before any
		// node takes it: the client being served elsewhere proves it was
		// sent by now; 5 s only bound the wait for its delivery.
		select {
		case err := <-held:
			if !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("%s: open connection to %s ended with %v, want a reset", sc.name, moved[len(moved)-1], err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("%s: open connection to %s was not reset", sc.name, moved[len(moved)-1])
		}
		for _, a := range moved {
			if !seen[a] {
				t.Errorf("%s: no gratuitous ARP seen by the client for %s", sc.name, a)
			}
			if served[a] == fmt.Sprintf("node%d", victim) {
				t.Errorf("%s: %s still served by node %d", sc.name, a, victim)
			}
		}
		t.Logf("%s of node %d: %d addresses moved; client cut off from %s for %.2f s; all addresses on healthy nodes after %.2f s",
			sc.name, victim, len(moved), moved[0], cut.Seconds(), settled.Seconds())
		sc.undo(victim)
		waitConverged(t, ic.Cluster, seq(3), allOK(3), 30*time.Second)
		eventually(t, 20*time.Second, func() string { return ic.hostedOnceBy(seq(3)) })
		eventually(t, 20*time.Second, func() string {
			if len(ic.addrsOf(victim)) == 0 {
				return fmt.Sprintf("node %d got no address back", victim)
			}
			return ""
		})
		// The next scenario starts from a cluster that serves every address.
		ic.reachAll(t)
	}
}

// holdOpen opens a client connection to a and reads from it; the channel
// gets the error that ends it (a reset when the address is released).
func (ic *ipCluster) holdOpen(a netip.Addr) (<-chan error, error) { return ic.ipn.HoldOpen(a) }

type sniff struct {
	s *sniffpkg.Sniffer
}

// sniffIn captures gratuitous ARPs seen by host h until stop.
func sniffIn(h *netns.Host) (*sniff, error) {
	var s *sniffpkg.Sniffer
	err := h.Do(func() error {
		var err error
		s, err = sniffpkg.NewSniffer(h.Iface)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &sniff{s: s}, nil
}

// seen is the set of addresses announced so far.
func (s *sniff) seen() map[netip.Addr]bool {
	seen := map[netip.Addr]bool{}
	for _, a := range s.s.Addrs() {
		seen[a] = true
	}
	return seen
}

func (s *sniff) stop() map[netip.Addr]bool {
	s.s.Close()
	seen := map[netip.Addr]bool{}
	for _, a := range s.s.Addrs() {
		seen[a] = true
	}
	return seen
}

// An address found on a second node (a stray) is released there by the
// leader's check and counted; a node that starts with an address on its
// interface releases it at startup.
func TestStrayAddressesAreReleased(t *testing.T) {
	ic := newIPCluster(t, 3, nil)
	ic.startSettled(t)

	a := ic.addrsOf(0)[0]
	ic.hosts[1].Run(t, "ip", "addr", "add", a.String()+"/24", "dev", "eth0")
	t0 := time.Now()
	eventually(t, 10*time.Second, func() string { return ic.hostedOnceBy(seq(3)) })
	if h := ic.holders()[a]; len(h) != 1 || h[0] != 0 {
		t.Fatalf("%s now on %v, want only on node 0 (its assigned node)", a, h)
	}
	t.Logf("stray %s on node 1 released %.2f s after it appeared", a, time.Since(t0).Seconds())
	eventually(t, 5*time.Second, func() string {
		if out := ctdb(t, ic.Cluster, 2, "status"); !strings.Contains(out, "Public IPs misplaced:") {
			return "status does not count the misplaced address:\n" + out
		}
		return ""
	})

	// Startup: node 2, stopped, is given an address assigned elsewhere.
	if err := ic.Stop(2, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	eventually(t, 15*time.Second, func() string { return ic.hostedOnceBy([]int{0, 1}) })
	b := ic.addrsOf(1)[0]
	ic.hosts[2].Run(t, "ip", "addr", "add", b.String()+"/24", "dev", "eth0")
	start(t, ic.Cluster, 2)
	waitRunning(t, ic.Cluster, 2)
	eventually(t, 10*time.Second, func() string { return ic.hostedOnceBy(seq(3)) })
	if !strings.Contains(ic.Log(2), "removing unassigned public address "+b.String()) {
		t.Errorf("node 2 did not release %s at startup:\n%s", b, tail(ic.Log(2), 30))
	}
}

// An address that vanishes from its node's interface (an operator's `ip
// addr del`, or a deleted primary taking its secondaries with it) is put
// back by that node at the leader's next check, and the leader's takeover
// runs for it stop: the node checks its interface, not only its books.
func TestVanishedAddressIsTakenAgain(t *testing.T) {
	ic := newIPCluster(t, 2, nil)
	ic.startSettled(t)

	leader := leaderOf(t, ic.Cluster, 0)
	victim := 1 - leader
	a := ic.addrsOf(victim)[0]
	fixing := func() int {
		return strings.Count(ic.Log(leader), "Public address "+a.String()+" is assigned to node")
	}
	before := fixing()
	ic.hosts[victim].Run(t, "ip", "addr", "del", a.String()+"/24", "dev", "eth0")
	t0 := time.Now()
	eventually(t, 10*time.Second, func() string {
		if h := ic.holders()[a]; len(h) != 1 || h[0] != victim {
			return fmt.Sprintf("%s on %v, want it back on node %d", a, h, victim)
		}
		return ""
	})
	back := time.Since(t0)
	if !strings.Contains(ic.Log(victim), "Public address "+a.String()+" is held but no longer on eth0: taking it again") {
		t.Errorf("node %d did not say it took %s again:\n%s", victim, a, tail(ic.Log(victim), 30))
	}
	if _, err := ic.reach(a, 2*time.Second); err != nil {
		t.Errorf("client cannot reach %s after it was put back: %v", a, err)
	}
	// The leader checks every few seconds: over three of its checks, it
	// must find nothing more to fix for a.
	after := fixing()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if n := fixing(); n != after {
			t.Fatalf("leader still fixing %s after it was back (%d more runs):\n%s", a, n-after, tail(ic.Log(leader), 30))
		}
		time.Sleep(200 * time.Millisecond) // Deliberate pause: sampling period of a window spanning three of the leader's checks
	}
	if after == before {
		t.Errorf("leader never noticed %s was gone: the test did not exercise the fix", a)
	}
	t.Logf("%s back on node %d %.2f s after it was deleted; leader fixed it in %d run(s)", a, victim, back.Seconds(), after-before)
}
