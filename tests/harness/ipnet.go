package harness

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/ctdb-go/ctdb/tests/labelsrv"
	"github.com/ctdb-go/ctdb/tests/netns"
)

// The public side of the namespace IP cluster: addresses 10.97.1.101-106
// on every node's eth0, a client host at 10.97.1.200, and on every node a
// label server on ServicePort answering with "node<i>".
const (
	PublicPrefix = "10.97.1."
	ServicePort  = 8445
)

// PublicIPs are the cluster's public addresses.
var PublicIPs = func() []netip.Addr {
	var out []netip.Addr
	for i := 101; i <= 106; i++ {
		out = append(out, netip.MustParseAddr(fmt.Sprintf("%s%d", PublicPrefix, i)))
	}
	return out
}()

// IPNet is the network of the namespace IP cluster: one namespace per
// node and a client on one bridge, the public addresses, and the label
// servers. The cluster itself (ctdb-go through localcluster, or the
// benchmark's systems) runs its daemons through Wrap.
type IPNet struct {
	Net    *netns.Net
	Hosts  []*netns.Host // the nodes
	Client *netns.Host
}

// NewIPNet builds the network for n nodes; cleanup stops what runs in it
// and deletes the namespaces. An error wrapping netns.ErrUnavailable means
// this machine cannot build it at all.
func NewIPNet(n int, opts ...netns.Option) (*IPNet, func() error, error) {
	nw, cleanup, err := netns.Create(n, opts...)
	if err != nil {
		return nil, nil, err
	}
	ipn, err := setUpIPNet(nw)
	if err != nil {
		return nil, nil, errors.Join(err, cleanup())
	}
	return ipn, cleanup, nil
}

// IPNetOn builds the network on nw (from netns.New, say).
func IPNetOn(nw *netns.Net) (*IPNet, error) { return setUpIPNet(nw) }

func setUpIPNet(nw *netns.Net) (*IPNet, error) {
	client, err := nw.NewHost("client")
	if err != nil {
		return nil, err
	}
	if _, err := client.Output("ip", "addr", "add", PublicPrefix+"200/24", "dev", client.Iface); err != nil {
		return nil, err
	}
	return &IPNet{Net: nw, Hosts: nw.Hosts()[:len(nw.Hosts())-1], Client: client}, nil
}

// NodeAddrs are the nodes' private addresses, for the nodes file.
func (n *IPNet) NodeAddrs() []string {
	var out []string
	for _, h := range n.Hosts {
		out = append(out, h.Addr.String())
	}
	return out
}

// PublicAddresses is the public_addresses file every node gets.
func (n *IPNet) PublicAddresses() string {
	var b strings.Builder
	for _, a := range PublicIPs {
		fmt.Fprintf(&b, "%s/24 eth0\n", a)
	}
	return b.String()
}

// Wrap runs node i's daemon inside its namespace, with extra environment
// ("NAME=value") if any.
func (n *IPNet) Wrap(env []string) func(i int, argv []string) []string {
	return func(i int, argv []string) []string {
		if len(env) > 0 {
			argv = append(append([]string{"env"}, env...), argv...)
		}
		return n.Hosts[i].Command(argv[0], argv[1:]...).Args
	}
}

// StartLabelServers starts, on every node, this binary as a label server
// (its main or TestMain must call labelsrv.ServeIfAsked).
func (n *IPNet) StartLabelServers() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	for i, h := range n.Hosts {
		cmd := h.Command(exe)
		cmd.Env = append(os.Environ(), labelsrv.Env(fmt.Sprintf("0.0.0.0:%d", ServicePort), fmt.Sprintf("node%d", i))...)
		if _, err := h.StartProc(cmd); err != nil {
			return err
		}
	}
	return nil
}

// Holders samples which nodes have each public address on eth0.
func (n *IPNet) Holders() map[netip.Addr][]int { return HoldersOf(n.Hosts, PublicPrefix) }

// HoldersOf samples which of hosts (by index) have each address starting
// with prefix on eth0.
func HoldersOf(hosts []*netns.Host, prefix string) map[netip.Addr][]int {
	out := map[netip.Addr][]int{}
	for i, h := range hosts {
		ps, _ := h.Addrs("eth0")
		for _, p := range ps {
			if strings.HasPrefix(p.Addr().String(), prefix) {
				out[p.Addr()] = append(out[p.Addr()], i)
			}
		}
	}
	return out
}

// AddrsOf lists the public addresses node i has, sorted.
func (n *IPNet) AddrsOf(i int) []netip.Addr {
	var out []netip.Addr
	for a, ns := range n.Holders() {
		for _, x := range ns {
			if x == i {
				out = append(out, a)
			}
		}
	}
	sort.Slice(out, func(x, y int) bool { return out[x].Less(out[y]) })
	return out
}

// OnlyOn lists the public addresses node i has and no other node has.
func (n *IPNet) OnlyOn(i int) []netip.Addr {
	var out []netip.Addr
	for a, ns := range n.Holders() {
		if len(ns) == 1 && ns[0] == i {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(x, y int) bool { return out[x].Less(out[y]) })
	return out
}

// HostedOnceBy says why the addresses are not each on exactly one node of
// ok ("" if they are).
func (n *IPNet) HostedOnceBy(ok []int) string {
	h := n.Holders()
	for _, a := range PublicIPs {
		nodes := h[a]
		if len(nodes) != 1 {
			return fmt.Sprintf("%s on nodes %v", a, nodes)
		}
		good := false
		for _, o := range ok {
			good = good || o == nodes[0]
		}
		if !good {
			return fmt.Sprintf("%s on node %d, not one of %v", a, nodes[0], ok)
		}
	}
	return ""
}

// Reach connects from the client to a and returns the serving node's label.
func (n *IPNet) Reach(a netip.Addr, timeout time.Duration) (string, error) {
	var label string
	err := n.Client.Do(func() error {
		c, err := net.DialTimeout("tcp", netip.AddrPortFrom(a, ServicePort).String(), timeout)
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

// ReachAll reaches every public address and returns which node serves each.
func (n *IPNet) ReachAll(timeout time.Duration) (map[netip.Addr]string, error) {
	out := map[netip.Addr]string{}
	for _, a := range PublicIPs {
		l, err := n.Reach(a, timeout)
		if err != nil {
			return out, fmt.Errorf("client cannot reach %s: %w", a, err)
		}
		out[a] = l
	}
	return out, nil
}

// HoldOpen opens a client connection to a and reads from it; the channel
// gets the error that ends it (a reset when the address is released), or
// a timeout error after 30 s.
func (n *IPNet) HoldOpen(a netip.Addr) (<-chan error, error) {
	var c net.Conn
	err := n.Client.Do(func() error {
		var err error
		c, err = net.DialTimeout("tcp", netip.AddrPortFrom(a, ServicePort).String(), 2*time.Second)
		return err
	})
	if err != nil {
		return nil, err
	}
	ch := make(chan error, 1)
	go func() {
		defer c.Close()
		r := bufio.NewReader(c)
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		if _, err := r.ReadString('\n'); err != nil { // the label
			ch <- err
			return
		}
		_, err := r.ReadString('\n')
		ch <- err
	}()
	return ch, nil
}
