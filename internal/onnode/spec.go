package onnode

import (
	"fmt"
	"strconv"
	"strings"
)

// NodeState is what `ctdb -X nodestatus all` says about one node.
type NodeState struct {
	PNN          int
	Disconnected bool
	OK           bool // no flag at all: not disconnected, banned, disabled, unhealthy or stopped
}

// Target is a node a command runs on.
type Target struct {
	PNN  int    // -1 when given by name (-n)
	Addr string // what ssh connects to
}

// resolveSpec turns a node specification into targets, in the order given;
// a node named twice gets the command twice, as in CTDB. The spec is a
// comma-separated list of PNNs, ranges A-B, and the words all, any, ok
// (healthy) and con (connected). states is called at most once, and only
// when a word needs node states. byName (-n) lets a list item that is not a
// PNN name a host directly.
func resolveSpec(spec string, nodes []Node, byName bool, states func() ([]NodeState, error)) ([]Target, error) {
	var cached []NodeState
	getStates := func() ([]NodeState, error) {
		if cached != nil {
			return cached, nil
		}
		s, err := states()
		if err != nil {
			return nil, fmt.Errorf("cannot get the nodes' states: %w", err)
		}
		cached = s
		return s, nil
	}
	var out []Target
	for _, item := range strings.Split(spec, ",") {
		ts, err := resolveItem(item, nodes, byName, getStates)
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no nodes match %q", spec)
	}
	return out, nil
}

func resolveItem(item string, nodes []Node, byName bool, states func() ([]NodeState, error)) ([]Target, error) {
	switch item {
	case "all":
		return filterNodes(nodes, func(Node) bool { return true }), nil
	case "ok", "healthy", "con", "connected", "any":
		st, err := states()
		if err != nil {
			return nil, err
		}
		want := map[int]bool{}
		for _, s := range st {
			if (item == "ok" || item == "healthy") && s.OK ||
				item != "ok" && item != "healthy" && !s.Disconnected {
				want[s.PNN] = true
			}
		}
		ts := filterNodes(nodes, func(n Node) bool { return want[n.PNN] })
		if item == "any" {
			if len(ts) == 0 {
				return nil, fmt.Errorf("no node is connected")
			}
			ts = ts[:1] // the lowest connected node
		}
		return ts, nil
	case "":
		return nil, fmt.Errorf("empty item in node specification")
	}
	if lo, hi, ok := parseRange(item); ok {
		if lo > hi {
			return nil, fmt.Errorf("invalid node range %q", item)
		}
		var ts []Target
		for p := lo; p <= hi; p++ {
			t, err := nodeByPNN(nodes, p)
			if err != nil {
				return nil, err
			}
			ts = append(ts, t)
		}
		return ts, nil
	}
	if byName {
		return []Target{{PNN: -1, Addr: item}}, nil
	}
	return nil, fmt.Errorf("invalid node specification %q", item)
}

// parseRange parses "N" or "A-B".
func parseRange(s string) (int, int, bool) {
	a, b, isRange := strings.Cut(s, "-")
	lo, err := strconv.Atoi(a)
	if err != nil || lo < 0 {
		return 0, 0, false
	}
	if !isRange {
		return lo, lo, true
	}
	hi, err := strconv.Atoi(b)
	if err != nil || hi < 0 {
		return 0, 0, false
	}
	return lo, hi, true
}

func nodeByPNN(nodes []Node, pnn int) (Target, error) {
	if pnn >= len(nodes) {
		return Target{}, fmt.Errorf("node %d does not exist (the nodes file has %d nodes)", pnn, len(nodes))
	}
	if nodes[pnn].Deleted {
		return Target{}, fmt.Errorf("node %d is deleted in the nodes file", pnn)
	}
	return Target{PNN: pnn, Addr: nodes[pnn].Addr}, nil
}

func filterNodes(nodes []Node, keep func(Node) bool) []Target {
	var ts []Target
	for _, n := range nodes {
		if !n.Deleted && keep(n) {
			ts = append(ts, Target{PNN: n.PNN, Addr: n.Addr})
		}
	}
	return ts
}

// parseNodeStatus parses `ctdb -X nodestatus all`: a header line naming the
// columns, then one |-separated line per node.
func parseNodeStatus(out string) ([]NodeState, error) {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 {
		return nil, fmt.Errorf("unexpected output of ctdb -X nodestatus all: %q", out)
	}
	col := map[string]int{}
	for i, h := range strings.Split(lines[0], "|") {
		col[h] = i
	}
	for _, need := range []string{"Node", "Disconnected", "Banned", "Disabled", "Unhealthy", "Stopped"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("ctdb -X nodestatus all: no column %q in %q", need, lines[0])
		}
	}
	var st []NodeState
	for _, l := range lines[1:] {
		f := strings.Split(l, "|")
		if len(f) < len(col) {
			return nil, fmt.Errorf("ctdb -X nodestatus all: short line %q", l)
		}
		pnn, err := strconv.Atoi(f[col["Node"]])
		if err != nil {
			return nil, fmt.Errorf("ctdb -X nodestatus all: bad node number in %q", l)
		}
		flag := func(name string) bool { return f[col[name]] == "1" }
		s := NodeState{PNN: pnn, Disconnected: flag("Disconnected")}
		s.OK = !s.Disconnected && !flag("Banned") && !flag("Disabled") && !flag("Unhealthy") && !flag("Stopped")
		st = append(st, s)
	}
	return st, nil
}
