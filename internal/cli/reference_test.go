package cli

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// unhealthyMonitor is node 2's failed monitor event of the capture.
func unhealthyMonitor() protocol.EventStatus {
	start := time.Date(2026, time.November, 22, 4, 28, 16, 0, time.UTC)
	st := protocol.EventStatus{Event: "monitor", Outcome: "ERROR", ExitCode: 1, Scripts: []protocol.ScriptStatus{
		okScript("00.ctdb", start, 2), okScript("01.reclock", start, 3), okScript("05.system", start, 14),
		{Name: "10.interface", State: "ERROR", ExitCode: 1, Start: start, End: start.Add(31 * time.Millisecond),
			Output: "ERROR: No link on the public network interface eth1\n"}}}
	return st
}

// linkDownOn2 is the capture's state once node 2's eth1 has no link: its
// addresses have moved to nodes 0 and 1.
func linkDownOn2(f *fakeCluster) {
	f.assignIPs(0, 1, 1, 0, 1, 0).setLink(2, "eth1", false)
}

// referenceSetups are the cluster states of the capture's scenarios.
var referenceSetups = map[string]func(f *fakeCluster){
	"healthy": func(f *fakeCluster) {},
	"admin":   func(f *fakeCluster) {},
	"stopped": func(f *fakeCluster) {
		f.setFlags(2, protocol.FlagStopped)
		f.generation, f.vnnmap = 692112171, []uint32{0, 1}
	},
	"banned": func(f *fakeCluster) {
		f.setFlags(2, protocol.FlagBanned)
		f.generation = 1111038132
	},
	"disabled-ips": func(f *fakeCluster) {
		f.setFlags(1, protocol.FlagPermanentlyDisabled)
		f.assignIPs(2, 0, 2, 0, 2, 0)
	},
	"unhealthy": func(f *fakeCluster) {
		f.setFlags(2, protocol.FlagUnhealthy)
		f.generation = 1251944799
		linkDownOn2(f)
	},
	"unhealthy-on-pnn2": func(f *fakeCluster) {
		f.local = 2
		f.setFlags(2, protocol.FlagUnhealthy)
		f.node[2].events["monitor"] = unhealthyMonitor()
		linkDownOn2(f)
	},
	"on-pnn1": func(f *fakeCluster) { f.local = 1 },
	// The scripts' capture (reference-4.17-scripts.txt).
	"scripts": func(f *fakeCluster) {},
	"process-exists": func(f *fakeCluster) {
		f.node[0].sc = fakeScriptState{tickles: map[string][]protocol.Connection{}, links: map[string]bool{},
			clients: map[int32]bool{23815: true}}
	},
	"disconnected-2": func(f *fakeCluster) {
		f.nodes = f.nodes[:2]
		f.setFlags(1, protocol.FlagDisconnected|protocol.FlagUnhealthy)
		f.generation, f.vnnmap = 1442839573, []uint32{0, 1}
	},
	"event-run": func(f *fakeCluster) {
		n := f.node[0]
		at := time.Date(2026, time.November, 22, 5, 13, 8, 0, time.UTC)
		n.runs["monitor"] = fakeRun{reply: referenceEvent("monitor")}
		foobar := protocol.EventStatus{Event: "foobar", Outcome: "OK"}
		for i, ms := range []int{2, 2, 3, 2} {
			foobar.Scripts = append(foobar.Scripts, okScript(referenceScriptNames[i], at, ms))
		}
		n.runs["foobar"] = fakeRun{reply: foobar}
		n.runs["takeip"] = fakeRun{reply: protocol.EventStatus{Event: "takeip", Outcome: "ERROR", ExitCode: 1,
			Scripts: []protocol.ScriptStatus{{Name: "00.ctdb", State: "ERROR", ExitCode: 1, Start: at,
				End: at.Add(2 * time.Millisecond), Output: "ERROR: must supply interface, IP and maskbits\n"}}}}
	},
}

// notCTDBs are the commands whose output is deliberately ours.
var notCTDBs = map[string]string{"version": "prints ctdb-go's release"}

// refBlock is one command of the capture and what it printed.
type refBlock struct {
	scenario, cmd, want string
}

func readReference(t *testing.T, name string) []refBlock {
	t.Helper()
	fh, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out []refBlock
	var scenario string
	var cur *refBlock
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			scenario = line[3:]
		case strings.HasPrefix(line, "### ctdb "):
			out = append(out, refBlock{scenario: scenario, cmd: line[len("### ctdb "):]})
			cur = &out[len(out)-1]
		case cur != nil:
			cur.want += line + "\n"
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReferenceCapture replays the commands of the real CTDB capture
// against a fake daemon in the same state and requires the same bytes and
// exit code.
func TestReferenceCapture(t *testing.T) {
	blocks := readReference(t, "testdata/reference-4.17.txt")
	if len(blocks) < 40 {
		t.Fatalf("only %d blocks read from the reference", len(blocks))
	}
	scripts := readReference(t, "testdata/reference-4.17-scripts.txt")
	if len(scripts) < 40 {
		t.Fatalf("only %d blocks read from the scripts' reference", len(scripts))
	}
	blocks = append(blocks, scripts...)
	paths := map[string]string{}
	for _, b := range blocks {
		if why, skip := notCTDBs[b.cmd]; skip {
			t.Logf("%s: ctdb %s: not compared: %s", b.scenario, b.cmd, why)
			continue
		}
		path, ok := paths[b.scenario]
		if !ok {
			setup := referenceSetups[b.scenario]
			if setup == nil {
				t.Fatalf("no setup for scenario %q", b.scenario)
			}
			f := newFakeCluster()
			setup(f)
			path = f.serve(t)
			paths[b.scenario] = path
		}
		r := runTool(path, nil, strings.Fields(b.cmd)...)
		got := r.stdout + r.stderr + "[exit=" + strconv.Itoa(r.code) + "]\n"
		if got != b.want {
			t.Errorf("%s: ctdb %s:\n--- got\n%s--- want (CTDB 4.17)\n%s", b.scenario, b.cmd, got, b.want)
		}
	}
}
