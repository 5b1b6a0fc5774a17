package ipalloc

import (
	"testing"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

const (
	unhealthy = protocol.FlagUnhealthy
	disabled  = protocol.FlagPermanentlyDisabled
)

// Six addresses of one subnet. Their last octets 1..6 share 29 to 31 bits;
// expected results below were worked out by hand from the LCP2 rules.
const six = `
10.0.0.1 -
10.0.0.2 -
10.0.0.3 -
10.0.0.4 -
10.0.0.5 -
10.0.0.6 -`

// sixSpread is the allocation of six over three healthy nodes.
const sixSpread = `
10.0.0.1 0
10.0.0.2 1
10.0.0.3 2
10.0.0.4 0
10.0.0.5 1
10.0.0.6 2`

// sixNode2Gone is sixSpread after node 2 failed.
const sixNode2Gone = `
10.0.0.1 0
10.0.0.2 1
10.0.0.3 0
10.0.0.4 0
10.0.0.5 1
10.0.0.6 1`

// allocCase is one CTDB UNIT/takeover style scenario: the addresses with
// their holders, per-node flags (index = PNN), optional per-node available
// addresses (default: all), options, and the whole expected allocation.
type allocCase struct {
	name     string
	ips      string
	flags    []uint32
	avail    map[uint32]string
	starting []uint32 // PNNs whose runstate is not yet RUNNING
	opt      Options
	want     string
}

func TestAllocate(t *testing.T) {
	cases := []allocCase{
		{
			name: "3 nodes 6 ips from empty: 2 each, subnet spread",
			ips:  six, flags: []uint32{0, 0, 0},
			want: sixSpread,
		},
		{
			name: "stable: balanced input stays as it is",
			ips:  sixSpread, flags: []uint32{0, 0, 0},
			want: sixSpread,
		},
		{
			name: "node 2 unhealthy: its ips spread, others untouched",
			ips:  sixSpread, flags: []uint32{0, 0, unhealthy},
			want: sixNode2Gone,
		},
		{
			name: "node 2 returns: rebalanced onto it",
			ips:  sixNode2Gone, flags: []uint32{0, 0, 0},
			want: `
10.0.0.1 2
10.0.0.2 1
10.0.0.3 0
10.0.0.4 0
10.0.0.5 2
10.0.0.6 1`,
		},
		{
			name: "node 2 returns with NoIPFailback: nothing moves",
			ips:  sixNode2Gone, flags: []uint32{0, 0, 0},
			opt:  Options{NoIPFailback: true},
			want: sixNode2Gone,
		},
		{
			name: "serving nodes are not rebalance targets",
			ips: `
10.0.0.1 0
10.0.0.2 0
10.0.0.3 0
10.0.0.4 0
10.0.0.5 1
10.0.0.6 2`,
			flags: []uint32{0, 0, 0},
			want: `
10.0.0.1 0
10.0.0.2 0
10.0.0.3 0
10.0.0.4 0
10.0.0.5 1
10.0.0.6 2`,
		},
		{
			name: "ForceRebalance makes a serving node a target",
			ips: `
10.0.0.1 0
10.0.0.2 0
10.0.0.3 0
10.0.0.4 0
10.0.0.5 1
10.0.0.6 2`,
			flags: []uint32{0, 0, 0},
			opt:   Options{ForceRebalance: []uint32{1, 77}},
			want: `
10.0.0.1 0
10.0.0.2 1
10.0.0.3 0
10.0.0.4 0
10.0.0.5 1
10.0.0.6 2`,
		},
		{
			name: "no move that leaves the target dearer than the source was",
			ips: `
10.0.0.2 0
10.0.0.3 0
fd00::1 1
fd00::2 1`,
			flags: []uint32{0, 0},
			opt:   Options{ForceRebalance: []uint32{1}},
			want: `
10.0.0.2 0
10.0.0.3 0
fd00::1 1
fd00::2 1`,
		},
		{
			name: "rebalance ties go to the target with fewer addresses",
			ips: `
10.0.0.1 0
10.0.0.2 0
fd00::1 1`,
			flags: []uint32{0, 0, 0},
			opt:   Options{ForceRebalance: []uint32{1}},
			want: `
10.0.0.1 2
10.0.0.2 0
fd00::1 1`,
		},
		{
			name: "empty node is a target: 4+0 becomes 2+2",
			ips: `
10.0.0.1 0
10.0.0.2 0
10.0.0.3 0
10.0.0.4 0`,
			flags: []uint32{0, 0},
			want: `
10.0.0.1 1
10.0.0.2 1
10.0.0.3 0
10.0.0.4 0`,
		},
		{
			name: "node 2 can host only .5 and .6",
			ips:  six, flags: []uint32{0, 0, 0},
			avail: map[uint32]string{2: "10.0.0.5 10.0.0.6"},
			want: `
10.0.0.1 0
10.0.0.2 1
10.0.0.3 0
10.0.0.4 0
10.0.0.5 2
10.0.0.6 1`,
		},
		{
			name: "holder lost the address (link down): it moves",
			ips:  sixSpread, flags: []uint32{0, 0, 0},
			avail: map[uint32]string{2: "10.0.0.6"},
			want: `
10.0.0.1 0
10.0.0.2 1
10.0.0.3 0
10.0.0.4 0
10.0.0.5 1
10.0.0.6 2`,
		},
		{
			name: "all unhealthy: nothing hosted",
			ips:  sixSpread, flags: []uint32{unhealthy, unhealthy, unhealthy},
			want: unassigned6,
		},
		{
			name: "all permanently disabled from empty: nothing hosted",
			ips:  six, flags: []uint32{disabled, disabled, disabled},
			want: unassigned6,
		},
		{
			name: "no nodes at all",
			ips:  sixSpread, flags: nil,
			want: unassigned6,
		},
		{
			name: "NoIPTakeover: failed node's ips become unhosted",
			ips:  sixSpread, flags: []uint32{0, 0, unhealthy},
			opt: Options{NoIPTakeover: true},
			want: `
10.0.0.1 0
10.0.0.2 1
10.0.0.3 -
10.0.0.4 0
10.0.0.5 1
10.0.0.6 -`,
		},
		{
			name: "NoIPTakeover: unhosted ips stay unhosted",
			ips:  six, flags: []uint32{0, 0, 0},
			opt:  Options{NoIPTakeover: true},
			want: unassigned6,
		},
		{
			name: "NoIPTakeover: no rebalance onto a returning node",
			ips:  sixNode2Gone, flags: []uint32{0, 0, 0},
			opt:  Options{NoIPTakeover: true},
			want: sixNode2Gone,
		},
		{
			name: "failover disabled: everything unassigned",
			ips:  sixSpread, flags: []uint32{0, 0, 0},
			opt:  Options{Disabled: true},
			want: unassigned6,
		},
		{
			name: "two subnets on 2 nodes: 2 of each per node",
			ips: `
10.0.1.1 -
10.0.1.2 -
10.0.1.3 -
10.0.1.4 -
10.0.2.1 -
10.0.2.2 -
10.0.2.3 -
10.0.2.4 -`,
			flags: []uint32{0, 0},
			want: `
10.0.1.1 0
10.0.1.2 1
10.0.1.3 1
10.0.1.4 0
10.0.2.1 0
10.0.2.2 1
10.0.2.3 0
10.0.2.4 1`,
		},
		{
			name: "ipv6: subnets spread",
			ips: `
fd00:1::1 -
fd00:1::2 -
fd00:2::1 -
fd00:2::2 -`,
			flags: []uint32{0, 0},
			want: `
fd00:1::1 0
fd00:1::2 1
fd00:2::1 0
fd00:2::2 1`,
		},
		{
			name: "mixed families: each node gets one of each",
			ips: `
10.0.0.1 -
10.0.0.2 -
fd00::1 -
fd00::2 -`,
			flags: []uint32{0, 0},
			want: `
10.0.0.1 0
10.0.0.2 1
fd00::1 0
fd00::2 1`,
		},
		{
			name: "unrelated addresses (zero cost) spread by count",
			ips: `
10.0.0.1 -
138.0.0.1 -
7d00::1 -
fd00::1 -`,
			flags: []uint32{0, 0},
			want: `
10.0.0.1 0
138.0.0.1 1
7d00::1 0
fd00::1 1`,
		},
		{
			name: "address available nowhere stays unassigned",
			ips: `
10.0.0.1 -
10.0.0.2 -
10.0.0.9 1`,
			flags: []uint32{0, 0},
			avail: map[uint32]string{0: "10.0.0.1 10.0.0.2", 1: "10.0.0.1 10.0.0.2"},
			want: `
10.0.0.1 0
10.0.0.2 1
10.0.0.9 -`,
		},
		{
			name: "holder unknown to the node map: reassigned",
			ips: `
10.0.0.1 7
10.0.0.2 1`,
			flags: []uint32{0, 0},
			want: `
10.0.0.1 0
10.0.0.2 1`,
		},
		{
			name:     "node not yet RUNNING may not host",
			ips:      sixSpread,
			flags:    []uint32{0, 0, 0},
			starting: []uint32{2},
			want:     sixNode2Gone,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runAllocCase(t, c) })
	}
}

const unassigned6 = `
10.0.0.1 -
10.0.0.2 -
10.0.0.3 -
10.0.0.4 -
10.0.0.5 -
10.0.0.6 -`

// runAllocCase builds the input of c, allocates and compares everything.
func runAllocCase(t *testing.T, c allocCase) {
	t.Helper()
	ips := parseIPs(t, c.ips)
	nodes := makeNodes(addrsOf(ips), c.flags, c.avail)
	for _, pnn := range c.starting {
		nodes[pnn].Runnable = false
	}
	got := format(Allocate(ips, nodes, c.opt))
	want := format(resultOf(parseIPs(t, c.want)))
	if got != want {
		t.Errorf("allocation mismatch\n got:\n%s want:\n%s", got, want)
	}
}
