package netns

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sync"
	"testing"

	"github.com/ctdb-go/ctdb/tests/harness/suite"
)

// Net is a set of host namespaces joined by a bridge in a switch namespace.
// Its methods may be called from several goroutines.
type Net struct {
	// Switch is the name of the namespace holding the bridges.
	Switch string
	// Subnet is the subnet host addresses are taken from.
	Subnet netip.Prefix

	t     testing.TB // New's test; nil for Create
	logf  func(format string, args ...any)
	names nameSet

	mu       sync.Mutex
	hosts    []*Host
	procs    []*Proc
	bridges  map[string]bool // bridges that exist in Switch
	nsLive   []string        // namespaces created, for cleanup
	isClosed bool
}

// mainBridge is the bridge every host's port starts on (and returns to on Heal).
const mainBridge = "br0"

// New builds a network of n hosts (labels n0..n<n-1>) on one bridge; see the
// package documentation. It skips the test when Check fails (one line
// "SKIP: netns: ..."), and fails it when building the network fails.
// Everything is removed by t.Cleanup. It is Create for tests.
func New(t testing.TB, n int, opts ...Option) *Net {
	t.Helper()
	if err := Check(); err != nil {
		suite.Skip(t, suite.Netns, err.Error())
	}
	nw, cleanup, err := Create(n, opts...)
	if err != nil {
		t.Fatal(err)
	}
	nw.t = t
	nw.logf = t.Logf
	t.Cleanup(func() {
		if err := cleanup(); err != nil {
			t.Error(err)
		}
	})
	return nw
}

// ErrUnavailable marks Create's error when Check fails: namespace networks
// cannot be built on this machine at all.
var ErrUnavailable = errors.New("network namespaces unavailable")

// Create builds a network of n hosts like New, for callers without a
// testing.TB (the benchmark suite). It returns the network and the
// function that removes everything again (stops the processes started in
// it, kills what else runs inside, deletes the namespaces) and reports what
// it could not remove. On error, what was built is removed already. An
// error wrapping ErrUnavailable means Check failed.
func Create(n int, opts ...Option) (*Net, func() error, error) {
	if err := Check(); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, nil, err
	}
	if n < 0 {
		return nil, nil, fmt.Errorf("netns: negative host count %d", n)
	}
	names, err := newNameSet(cfg.prefix, os.Getpid())
	if err != nil {
		return nil, nil, err
	}
	nw := &Net{Switch: names.name("sw"), Subnet: cfg.subnet, names: names,
		bridges: map[string]bool{}, logf: func(string, ...any) {}}
	fail := func(err error) (*Net, func() error, error) {
		if cerr := nw.close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
		return nil, nil, err
	}
	if err := nw.createSwitch(); err != nil {
		return fail(err)
	}
	for i := range n {
		if _, err := nw.addHost(fmt.Sprintf("n%d", i)); err != nil {
			return fail(err)
		}
	}
	return nw, nw.close, nil
}

// SetLogf sets where cleanup reports leftover processes it killed (New
// sets the test's Logf; Create's default says nothing).
func (n *Net) SetLogf(logf func(format string, args ...any)) { n.logf = logf }

// createSwitch makes the switch namespace with its main bridge. Multicast
// snooping is off so IPv6 neighbour discovery is simply flooded.
func (n *Net) createSwitch() error {
	if err := n.addNamespace(n.Switch); err != nil {
		return err
	}
	return n.addBridge(mainBridge)
}

// addBridge creates and brings up a bridge in the switch namespace.
func (n *Net) addBridge(name string) error {
	err := ipBatch(n.Switch, []string{
		"link set lo up",
		"link add " + name + " type bridge stp_state 0 mcast_snooping 0",
		"link set " + name + " up",
	})
	if err != nil {
		return fmt.Errorf("netns: bridge %s: %w", name, err)
	}
	n.bridges[name] = true
	return nil
}

// addNamespace creates a namespace and records it for cleanup first, so a
// half-built network is still removed.
func (n *Net) addNamespace(name string) error {
	n.mu.Lock()
	n.nsLive = append(n.nsLive, name)
	n.mu.Unlock()
	_, err := ip("netns", "add", name)
	return err
}

// AddHost adds a host (a client, say) on the main bridge with the next free
// address. label (1-12 of [a-z0-9], starting with a letter) ends the
// namespace name and must be unique in this Net. It fails the test on error
// (a Net from Create: use NewHost).
// The new host is connected even if a partition is in force: use Partition
// again to place it.
func (n *Net) AddHost(label string) *Host {
	h, err := n.addHost(label)
	if err != nil {
		n.fatal(err)
	}
	return h
}

// fatal fails New's test, or panics on a Net from Create (a caller's bug:
// it must use the error-returning methods).
func (n *Net) fatal(err error) {
	if n.t == nil {
		panic(err)
	}
	n.t.Helper()
	n.t.Fatal(err)
}

// NewHost is AddHost returning its error.
func (n *Net) NewHost(label string) (*Host, error) { return n.addHost(label) }

func (n *Net) addHost(label string) (*Host, error) {
	if !validLabel.MatchString(label) || label == "sw" || label == "probe" {
		return nil, fmt.Errorf("netns: bad host label %q: want 1-12 of [a-z0-9], starting with a letter, not sw/probe", label)
	}
	n.mu.Lock()
	idx := len(n.hosts)
	for _, h := range n.hosts {
		if h.Label == label {
			n.mu.Unlock()
			return nil, fmt.Errorf("netns: host label %q used twice", label)
		}
	}
	n.mu.Unlock()
	addr, err := hostAddr(n.Subnet, idx)
	if err != nil {
		return nil, err
	}
	h := &Host{Name: n.names.name(label), Label: label, Index: idx, Addr: addr,
		Prefix: netip.PrefixFrom(addr, n.Subnet.Bits()), Iface: "eth0",
		port: fmt.Sprintf("p%d", idx), bridge: mainBridge, net: n}
	if err := n.addNamespace(h.Name); err != nil {
		return nil, err
	}
	if err := n.wire(h); err != nil {
		return nil, err
	}
	n.mu.Lock()
	n.hosts = append(n.hosts, h)
	n.mu.Unlock()
	return h, nil
}

// wire creates h's veth pair (switch end on the main bridge) and configures
// the host end.
func (n *Net) wire(h *Host) error {
	err := ipBatch(n.Switch, []string{
		"link add " + h.port + " type veth peer name " + h.Iface + " netns " + h.Name,
		"link set " + h.port + " master " + mainBridge,
		"link set " + h.port + " up",
	})
	if err != nil {
		return fmt.Errorf("netns: wiring host %s: %w", h.Label, err)
	}
	err = ipBatch(h.Name, []string{
		"link set lo up",
		"addr add " + h.Prefix.String() + " dev " + h.Iface,
		"link set " + h.Iface + " up",
	})
	if err != nil {
		return fmt.Errorf("netns: configuring host %s: %w", h.Label, err)
	}
	return nil
}

// Host returns host i (in creation order: New's hosts, then AddHost's). It
// fails the test if there is no such host.
func (n *Net) Host(i int) *Host {
	n.mu.Lock()
	defer n.mu.Unlock()
	if i < 0 || i >= len(n.hosts) {
		n.fatal(fmt.Errorf("netns: no host %d (have %d)", i, len(n.hosts)))
	}
	return n.hosts[i]
}

// Hosts returns all hosts in index order.
func (n *Net) Hosts() []*Host {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]*Host(nil), n.hosts...)
}
