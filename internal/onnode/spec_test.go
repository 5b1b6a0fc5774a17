package onnode

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

var testNodes = []Node{{PNN: 0, Addr: "10.0.0.1"}, {PNN: 1, Addr: "10.0.0.2"}, {PNN: 2, Deleted: true}, {PNN: 3, Addr: "10.0.0.4"}}

// Node 1 is disabled, node 3 disconnected.
const nodestatusX = `|Node|IP|Disconnected|Unknown|Banned|Disabled|Unhealthy|Stopped|Inactive|PartiallyOnline|ThisNode|
|0|10.0.0.1|0|0|0|0|0|0|0|0|Y|
|1|10.0.0.2|0|0|0|1|0|0|0|0|N|
|3|10.0.0.4|1|0|0|0|0|0|1|0|N|
`

func TestResolveSpec(t *testing.T) {
	states := func() ([]NodeState, error) { return parseNodeStatus(nodestatusX) }
	for _, tt := range []struct{ spec, want string }{
		{"all", "0,1,3"},
		{"0", "0"},
		{"3,0", "3,0"},
		{"0-1,0", "0,1,0"},
		{"ok", "0"},
		{"healthy", "0"},
		{"con", "0,1"},
		{"connected", "0,1"},
		{"any", "0"},
		{"1,ok", "1,0"},
		{"2", "error: node 2 is deleted"},
		{"0-3", "error: node 2 is deleted"},
		{"4", "error: node 4 does not exist"},
		{"2-1", "error: invalid node range"},
		{"0,", "error: empty item"},
		{"host", "error: invalid node specification"},
	} {
		ts, err := resolveSpec(tt.spec, testNodes, false, states)
		got := ""
		if err != nil {
			got = "error: " + err.Error()
		} else {
			var p []string
			for _, x := range ts {
				p = append(p, fmt.Sprint(x.PNN))
			}
			got = strings.Join(p, ",")
		}
		if !strings.HasPrefix(got, tt.want) {
			t.Errorf("resolveSpec(%q) = %q, want %q", tt.spec, got, tt.want)
		}
	}
}

func TestResolveSpecAsksStatesOnlyWhenNeeded(t *testing.T) {
	calls := 0
	failing := func() ([]NodeState, error) { calls++; return nil, errors.New("no daemon") }
	if _, err := resolveSpec("0,1-1,all", testNodes, false, failing); err != nil || calls != 0 {
		t.Errorf("numbers and all: err %v, %d state queries", err, calls)
	}
	if _, err := resolveSpec("ok", testNodes, false, failing); err == nil || !strings.Contains(err.Error(), "no daemon") {
		t.Errorf("ok without a daemon: err %v", err)
	}
	ts, err := resolveSpec("0,somehost", testNodes, true, failing)
	if err != nil || len(ts) != 2 || ts[1].Addr != "somehost" || ts[1].PNN != -1 {
		t.Errorf("-n 0,somehost: %v %v", ts, err)
	}
}

func TestParseNodeStatusErrors(t *testing.T) {
	for _, in := range []string{"", "|Node|IP|\n|0|x|\n", nodestatusX + "|x|10.0.0.9|0|0|0|0|0|0|0|0|N|\n", nodestatusX + "|5|\n"} {
		if _, err := parseNodeStatus(in); err == nil {
			t.Errorf("parseNodeStatus(%q) succeeded", in)
		}
	}
}

func TestParseArgs(t *testing.T) {
	o, rest, err := parseArgs([]string{"-pq", "-f", "nodesfile", "-t5", "all", "ctdb", "status"})
	if err != nil || !o.parallel || !o.quiet || o.nodesFile != "nodesfile" || o.timeout != 5 || strings.Join(rest, " ") != "all ctdb status" {
		t.Errorf("parseArgs: %+v %v %v", o, rest, err)
	}
	for _, bad := range [][]string{{"all"}, {"-x", "all", "true"}, {"-f"}, {"-t", "0", "all", "true"}} {
		if _, _, err := parseArgs(bad); err == nil {
			t.Errorf("parseArgs(%q) succeeded", bad)
		}
	}
}
