package suite

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/ctdb-go/ctdb/tests/bench/procfs"
	"github.com/ctdb-go/ctdb/tests/bench/system"
	"github.com/ctdb-go/ctdb/tests/harness"
	"github.com/ctdb-go/ctdb/tests/netns"
)

// The failover scenarios' network: harness.IPNet with 3 nodes in network
// namespaces on one bridge (10.97.0.1-3), 6 public addresses, a client host
// at .200 of the public subnet, and on every node a label server.
const (
	publicPrefix = harness.PublicPrefix
	netNodes     = 3
)

var publicIPs = harness.PublicIPs

// netClu is a cluster in network namespaces with public addresses.
type netClu struct {
	*clu
	*harness.IPNet
}

// newNetClu builds the network and the cluster (not started). The returned
// function stops the cluster, then removes the namespaces; call it even
// when a later step fails.
func newNetClu(e *Env, sys system.System, label string, tunables map[string]uint32) (*netClu, func(), error) {
	ipn, closeNet, err := harness.NewIPNet(netNodes, netns.WithPrefix(nsPrefix))
	if errors.Is(err, netns.ErrUnavailable) {
		return nil, nil, skipf("%v", err)
	}
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() {
		if err := closeNet(); err != nil {
			e.Logf("%s: %v", label, err)
		}
	}
	ipn.Net.SetLogf(e.Logf)
	// Every node has its own namespace: the default port cannot clash.
	c, stop, err := newClu(e, sys, label, system.ClusterOptions{Nodes: netNodes, Addrs: ipn.NodeAddrs(), Port: 4379,
		Tunables: tunables, PublicAddresses: ipn.PublicAddresses(), Wrap: ipn.Wrap(nil)})
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	cleanup = func() {
		stop()
		if err := closeNet(); err != nil {
			e.Logf("%s: %v", label, err)
		}
	}
	if err := ipn.StartLabelServers(); err != nil {
		cleanup()
		return nil, nil, err
	}
	return &netClu{clu: c, IPNet: ipn}, cleanup, nil
}

// startedNetClu is newNetClu with every node started and settled: all OK,
// every address on one node, every node hosting one.
func startedNetClu(e *Env, sys system.System, label string, tunables map[string]uint32) (*netClu, func(), error) {
	nc, cleanup, err := newNetClu(e, sys, label, tunables)
	if err != nil {
		return nil, nil, err
	}
	if err := nc.startAll(seq(netNodes)); err != nil {
		cleanup()
		return nil, nil, err
	}
	if err := nc.restore(0, false, nil); err != nil {
		cleanup()
		return nil, nil, err
	}
	return nc, cleanup, nil
}

// placement says why the addresses are not each on exactly one node with
// every node of mustHost holding one ("" if they are).
func (nc *netClu) placement(mustHost []int) string {
	if why := nc.HostedOnceBy(seq(netNodes)); why != "" {
		return why
	}
	for _, i := range mustHost {
		if len(nc.OnlyOn(i)) == 0 {
			return fmt.Sprintf("node %d hosts no address", i)
		}
	}
	return ""
}

// waitPlaced waits until every address is on exactly one node, each node
// of mustHost has one, and the client reaches every address.
func (nc *netClu) waitPlaced(mustHost []int, timeout time.Duration) error {
	err := harness.Until(timeout, 100*time.Millisecond, func() string {
		if why := nc.placement(mustHost); why != "" {
			return why
		}
		if _, err := nc.ReachAll(time.Second); err != nil {
			return err.Error()
		}
		return ""
	})
	if err != nil {
		return fmt.Errorf("addresses not placed: %w", err)
	}
	return nil
}

// Reaching an address is tried every attemptEvery, each attempt with
// attemptTimeout, several at once: an attempt whose SYN went to the old
// holder waits for its timeout, while a later one succeeds as soon as the
// address answers elsewhere.
const (
	attemptEvery   = 20 * time.Millisecond
	attemptTimeout = 300 * time.Millisecond
)

// servedElsewhere returns how long after t0 the client first completed a
// connection to a that a node other than victim served.
func (nc *netClu) servedElsewhere(a netip.Addr, victim int, t0 time.Time, limit time.Duration) (time.Duration, error) {
	won := make(chan time.Duration, 1)
	tick := time.NewTicker(attemptEvery)
	defer tick.Stop()
	victimLabel := fmt.Sprintf("node%d", victim)
	for time.Since(t0) < limit {
		go func() {
			if l, err := nc.Reach(a, attemptTimeout); err == nil && l != victimLabel {
				select {
				case won <- time.Since(t0):
				default:
				}
			}
		}()
		select {
		case d := <-won:
			return d, nil
		case <-tick.C:
		}
	}
	return 0, fmt.Errorf("client not served on %s by another node within %v", a, limit)
}

// victimFor picks the node to act on: the leader, or else the first
// other node that alone holds an address; it returns the node and its
// addresses.
func (nc *netClu) victimFor(leader bool) (int, []netip.Addr, error) {
	l, err := nc.leader(0)
	if err != nil {
		return -1, nil, err
	}
	if leader {
		as := nc.OnlyOn(l)
		if len(as) == 0 {
			return -1, nil, fmt.Errorf("leader %d hosts no address", l)
		}
		return l, as, nil
	}
	for i := 0; i < netNodes; i++ {
		if as := nc.OnlyOn(i); i != l && len(as) > 0 {
			return i, as, nil
		}
	}
	return -1, nil, fmt.Errorf("no node but the leader %d hosts an address: %v", l, nc.Holders())
}

// restore brings victim back after a repetition: start it if needed
// (once the processes of its killed incarnation, old, are gone), and wait
// until all nodes are OK and it hosts addresses again.
func (nc *netClu) restore(victim int, start bool, old []int) error {
	if start {
		if left := harness.WaitGone(old, 30*time.Second); len(left) > 0 {
			return fmt.Errorf("processes of the killed node still live after 30 s: %s", procfs.Describe(left))
		}
		if err := nc.startRetry(victim, 30*time.Second); err != nil {
			return err
		}
	}
	if _, err := nc.waitConverged(seq(netNodes), allOK(seq(netNodes)), startTimeout); err != nil {
		return err
	}
	return nc.waitPlaced(seq(netNodes), 120*time.Second)
}

// startRetry starts node i, trying again every 500 ms for up to limit: a
// killed daemon's helpers may take a few seconds to notice and exit, and
// a system may refuse to start the node while they live.
func (c *clu) startRetry(i int, limit time.Duration) error {
	var err error
	harness.Until(limit, 500*time.Millisecond, func() string {
		if err = c.Start(i); err != nil {
			c.logf("start of node %d failed, retrying: %v", i, err)
			return err.Error()
		}
		return ""
	})
	return err
}
