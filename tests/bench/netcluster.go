package main

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/ctdb-go/ctdb/tests/bench/procfs"
	"github.com/ctdb-go/ctdb/tests/bench/system"
	"github.com/ctdb-go/ctdb/tests/netns"
)

// The failover scenarios' network: 3 nodes in network namespaces on one
// bridge (10.97.0.1-3), 6 public addresses, a client host at .200 of the
// public subnet, and on every node a label server on servicePort.
const (
	publicPrefix = "10.97.1."
	servicePort  = 8445
	netNodes     = 3
)

var publicIPs = func() []netip.Addr {
	var out []netip.Addr
	for i := 101; i <= 106; i++ {
		out = append(out, netip.MustParseAddr(fmt.Sprintf("%s%d", publicPrefix, i)))
	}
	return out
}()

// netClu is a cluster in network namespaces with public addresses.
type netClu struct {
	*clu
	hosts  []*netns.Host
	client *netns.Host
}

// newNetClu builds the network and the cluster (not started). Everything
// is removed by t's cleanups: the cluster is stopped before the
// namespaces go.
func newNetClu(t *tb, e *Env, sys system.System, label string, tunables map[string]uint32) (*netClu, error) {
	if err := netns.Check(); err != nil {
		return nil, skipf("%v", err)
	}
	nw := netns.New(t, netNodes, netns.WithPrefix(nsPrefix))
	hosts := nw.Hosts()
	client := nw.AddHost("client")
	client.Run(t, "ip", "addr", "add", publicPrefix+"200/24", "dev", client.Iface)
	var addrs []string
	for _, h := range hosts {
		addrs = append(addrs, h.Addr.String())
	}
	var pub strings.Builder
	for _, a := range publicIPs {
		fmt.Fprintf(&pub, "%s/24 eth0\n", a)
	}
	// Every node has its own namespace: the default port cannot clash.
	c, stop, err := newClu(e, sys, label, system.ClusterOptions{Nodes: netNodes, Addrs: addrs, Port: 4379,
		Tunables: tunables, PublicAddresses: pub.String(),
		Wrap: func(i int, argv []string) []string { return hosts[i].Command(argv[0], argv[1:]...).Args }})
	if err != nil {
		return nil, err
	}
	t.Cleanup(stop)
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	for i, h := range hosts {
		cmd := h.Command(exe)
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=0.0.0.0:%d", listenEnv, servicePort), fmt.Sprintf("%s=node%d", labelEnv, i))
		h.Start(t, cmd)
	}
	return &netClu{clu: c, hosts: hosts, client: client}, nil
}

// holders samples which nodes have each public address on eth0.
func (nc *netClu) holders() map[netip.Addr][]int {
	out := map[netip.Addr][]int{}
	for i, h := range nc.hosts {
		ps, _ := h.Addrs("eth0")
		for _, p := range ps {
			if strings.HasPrefix(p.Addr().String(), publicPrefix) {
				out[p.Addr()] = append(out[p.Addr()], i)
			}
		}
	}
	return out
}

// onlyOn lists the addresses node i holds and no other node does.
func (nc *netClu) onlyOn(i int) []netip.Addr {
	var out []netip.Addr
	for a, ns := range nc.holders() {
		if len(ns) == 1 && ns[0] == i {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(x, y int) bool { return out[x].Less(out[y]) })
	return out
}

// placement says why the addresses are not each on exactly one node with
// every node of mustHost holding one ("" if they are).
func (nc *netClu) placement(mustHost []int) string {
	h := nc.holders()
	for _, a := range publicIPs {
		if len(h[a]) != 1 {
			return fmt.Sprintf("%s on nodes %v", a, h[a])
		}
	}
	for _, i := range mustHost {
		if len(nc.onlyOn(i)) == 0 {
			return fmt.Sprintf("node %d hosts no address", i)
		}
	}
	return ""
}

// waitPlaced waits until every address is on exactly one node, each node
// of mustHost has one, and the client reaches every address.
func (nc *netClu) waitPlaced(mustHost []int, timeout time.Duration) error {
	t0 := time.Now()
	why := ""
	for time.Since(t0) < timeout {
		if why = nc.placement(mustHost); why == "" {
			if why = nc.reachAll(); why == "" {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("addresses not placed after %v: %s", timeout, why)
}

func (nc *netClu) reachAll() string {
	for _, a := range publicIPs {
		if _, err := nc.reach(a, time.Second); err != nil {
			return fmt.Sprintf("client cannot reach %s: %v", a, err)
		}
	}
	return ""
}

// reach connects from the client to a and returns the serving node's label.
func (nc *netClu) reach(a netip.Addr, timeout time.Duration) (string, error) {
	var label string
	err := nc.client.Do(func() error {
		c, err := net.DialTimeout("tcp", netip.AddrPortFrom(a, servicePort).String(), timeout)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(timeout))
		label, err = bufio.NewReader(c).ReadString('\n')
		label = strings.TrimSpace(label)
		return err
	})
	return label, err
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
			if l, err := nc.reach(a, attemptTimeout); err == nil && l != victimLabel {
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
		as := nc.onlyOn(l)
		if len(as) == 0 {
			return -1, nil, fmt.Errorf("leader %d hosts no address", l)
		}
		return l, as, nil
	}
	for i := 0; i < netNodes; i++ {
		if as := nc.onlyOn(i); i != l && len(as) > 0 {
			return i, as, nil
		}
	}
	return -1, nil, fmt.Errorf("no node but the leader %d hosts an address: %v", l, nc.holders())
}

// restore brings victim back after a repetition: start it if needed
// (once the processes of its killed incarnation, old, are gone), and wait
// until all nodes are OK and it hosts addresses again.
func (nc *netClu) restore(victim int, start bool, old []int) error {
	if start {
		if left := waitGone(old, 30*time.Second); len(left) > 0 {
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

// startRetry starts node i, trying again for up to limit: a killed
// daemon's helpers may take a few seconds to notice and exit, and a
// system may refuse to start the node while they live.
func (c *clu) startRetry(i int, limit time.Duration) error {
	t0 := time.Now()
	for {
		err := c.Start(i)
		if err == nil || time.Since(t0) > limit {
			return err
		}
		c.logf("start of node %d failed, retrying: %v", i, err)
		time.Sleep(500 * time.Millisecond)
	}
}

// waitGone waits until none of pids is alive and returns those still alive
// after limit.
func waitGone(pids []int, limit time.Duration) []int {
	var left []int
	for deadline := time.Now().Add(limit); ; time.Sleep(50 * time.Millisecond) {
		left = left[:0]
		for _, p := range pids {
			if procfs.Alive(p) {
				left = append(left, p)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
	}
}
