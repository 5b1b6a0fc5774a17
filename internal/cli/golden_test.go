package cli

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestMain(m *testing.M) {
	// ctime output is in local time: make it stable.
	time.Local = time.UTC
	os.Exit(m.Run())
}

// scenario is a cluster state and the commands whose output is checked
// against testdata/NAME.golden, laid out like the reference capture:
// "### ctdb ARGS", stdout, "[stderr]" and stderr if any, "[exit=N]".
type scenario struct {
	name  string
	setup func(f *fakeCluster)
	cmds  []string
}

func (s scenario) transcript(t *testing.T) string {
	f := newFakeCluster()
	if s.setup != nil {
		s.setup(f)
	}
	path := f.serve(t)
	var b strings.Builder
	for _, c := range s.cmds {
		r := runTool(path, nil, strings.Fields(c)...)
		fmt.Fprintf(&b, "### ctdb %s\n%s", c, r.stdout)
		if r.stderr != "" {
			fmt.Fprintf(&b, "[stderr]\n%s", r.stderr)
		}
		fmt.Fprintf(&b, "[exit=%d]\n", r.code)
	}
	return b.String()
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cli -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

var scenarios = []scenario{
	{name: "healthy", cmds: []string{
		"status", "-X status", "-Y status", "nodestatus", "nodestatus all", "-X nodestatus all",
		"nodestatus 1", "nodestatus 0,2", "pnn", "listnodes", "-X listnodes", "leader", "recmaster",
		"getreclock", "uptime", "-X uptime", "listvars", "-X listvars", "getvar MonitorInterval",
		"getvar monitorinterval", "-X getvar MonitorInterval", "runstate", "runstate running",
		"runstate startup", "runstate startup running", "getcapabilities", "-X getcapabilities",
		"ping", "getpid", "getdebug", "version", "event status legacy monitor", "event status monitor",
		"event status legacy", "event status", "scriptstatus", "scriptstatus monitor",
		"event script list legacy", "event script list",
	}},
	{name: "remote", cmds: []string{
		"-n 1 status", "-n 1 nodestatus", "-n1 uptime", "--node=2 ping", "-n 1 getpid", "-n 0 pnn",
		"-n 1 pnn", "-n 5 ping", "-n all ping", "-n abc status",
	}},
	{name: "disabled", setup: func(f *fakeCluster) { f.setFlags(1, protocol.FlagPermanentlyDisabled) },
		cmds: []string{"status", "-X status", "nodestatus all", "-n 1 nodestatus", "-n 1 disable", "-n 1 enable", "status",
			"-n 2 disable", "-n 0 disable", "nodestatus all", "enable", "-n 2 stop", "-X nodestatus 2"}},
	{name: "stopped", setup: func(f *fakeCluster) {
		f.setFlags(2, protocol.FlagStopped)
		f.generation, f.vnnmap = 692112171, []uint32{0, 1}
	}, cmds: []string{"status", "-X status", "nodestatus all", "-X nodestatus all", "-n 2 nodestatus",
		"-n 2 stop", "-n 2 continue", "nodestatus all"}},
	{name: "banned", setup: func(f *fakeCluster) { f.setFlags(2, protocol.FlagBanned) },
		cmds: []string{"status", "-X status", "nodestatus all"}},
	{name: "unhealthy", setup: func(f *fakeCluster) {
		f.setFlags(2, protocol.FlagUnhealthy)
		f.node[2].events["monitor"] = unhealthyMonitor()
	}, cmds: []string{"status", "-X status", "nodestatus all", "-n 2 event status legacy monitor",
		"-n 2 scriptstatus", "-n 2 -X scriptstatus"}},
	{name: "disconnected", setup: func(f *fakeCluster) {
		f.setFlags(2, protocol.FlagDisconnected)
		f.vnnmap = []uint32{0, 1}
	}, cmds: []string{"status", "-X status", "nodestatus all", "-n 2 ping", "listnodes"}},
	{name: "deleted", setup: func(f *fakeCluster) { f.setFlags(1, protocol.FlagDeleted) },
		cmds: []string{"status", "-X status", "nodestatus all", "listnodes", "-X listnodes", "-n 1 ping"}},
	{name: "multiflag", setup: func(f *fakeCluster) {
		f.setFlags(1, protocol.FlagPermanentlyDisabled|protocol.FlagUnhealthy)
		f.setFlags(2, protocol.FlagBanned|protocol.FlagStopped|protocol.FlagUnhealthy|flagUnknown)
	}, cmds: []string{"status", "-X status", "-x : -X status", "nodestatus all"}},
	{name: "recovery", setup: func(f *fakeCluster) {
		f.generation, f.recmode, f.leader, f.vnnmap = invalidGeneration, protocol.RecModeActive, protocol.PNNUnknown, nil
		f.node[0].uptime.RecoveryStart = time.Time{}
		f.node[0].uptime.RecoveryEnd = time.Time{}
		f.node[0].reclock = ""
		f.node[0].caps.Leader = false
		f.node[0].runstate = "FIRST_RECOVERY"
	}, cmds: []string{"status", "leader", "uptime", "getreclock", "getcapabilities", "-X getcapabilities",
		"runstate", "runstate running"}},
	{name: "events", setup: setupEvents, cmds: []string{
		"event status startup", "-X event status startup", "event status takeip", "event status ipreallocated",
		"event status releaseip", "event status legacy shutdown", "scriptstatus shutdown", "scriptstatus startup",
		"event status cancelledone",
	}},
	{name: "event_run", setup: setupEventRuns, cmds: []string{
		"event run 10 legacy monitor", "event run monitor", "event run legacy monitor",
		"event run 10 legacy takeip", "event run 10 legacy startup", "event run releaseip", "event run updateip",
		"event run recovered", "event run startrecovery", "event run 5 bogus",
		"event script enable legacy 06.nfs", "event script list", "event script disable 00.ctdb",
		"event script disable legacy 99.nope", "event script list legacy",
	}},
	{name: "tunables_debug", cmds: []string{
		"setvar MonitorInterval 20", "getvar MonitorInterval", "setvar monitorinterval 0x10", "getvar MonitorInterval",
		"setvar NoSuchVar 1", "getvar NoSuchVar", "setdebug info", "getdebug", "setdebug 10", "getdebug",
		"setdebug ERR", "getdebug", "shutdown",
	}},
	{name: "usage_errors", cmds: []string{
		"getvar", "getvar a b", "setvar X notanumber", "setvar X -1", "setvar X 4294967296", "setdebug LOUD",
		"nodestatus abc", "nodestatus 7", "nodestatus 1 2", "status extra", "frobnicate", "event", "event frob",
		"event status legacy monitor extra", "event run", "event run 10 legacy", "event script",
		"event script enable", "-z status", "-n", "--node", "-t 0 status", "--bogus status", "-X -v -d DEBUG pnn",
	}},
}

func setupEvents(f *fakeCluster) {
	start := time.Date(2026, time.November, 22, 4, 16, 27, 0, time.UTC)
	n := f.node[0]
	n.events["startup"] = protocol.EventStatus{Event: "startup", Outcome: "TIMEDOUT", Scripts: []protocol.ScriptStatus{
		okScript("00.ctdb", start, 13),
		{Name: "01.disabled", State: "DISABLED"},
		{Name: "02.noexec", State: "CANNOT RUN", Error: "Exec format error", Start: start, End: start},
		{Name: "05.system", State: "TIMEDOUT", Start: start, End: start.Add(30 * time.Second),
			Output: "checking /clusterfs\n"},
	}, Hung: []protocol.HungScript{{Name: "05.system", Event: "startup", PID: 4321, Since: start}}}
	takeip := time.Date(2026, time.November, 22, 5, 13, 8, 0, time.UTC)
	n.events["takeip"] = protocol.EventStatus{Event: "takeip", Outcome: "ERROR", ExitCode: 1,
		Scripts: []protocol.ScriptStatus{{Name: "00.ctdb", State: "ERROR", ExitCode: 1, Start: takeip,
			End: takeip.Add(2 * time.Millisecond), Output: "ERROR: must supply interface, IP and maskbits\n"}}}
	// No outcome from the daemon: the exit code comes from the scripts.
	n.events["ipreallocated"] = protocol.EventStatus{Event: "ipreallocated", Scripts: []protocol.ScriptStatus{
		okScript("00.ctdb", takeip, 3),
		{Name: "01.reclock", State: "OK", Start: takeip, End: takeip.Add(time.Millisecond), StillRunning: true,
			Output: "still waiting for the lock\n"}}}
	n.events["releaseip"] = protocol.EventStatus{Event: "releaseip", Outcome: "ERROR", Scripts: []protocol.ScriptStatus{
		{Name: "10.interface", State: "ERROR", ExitCode: 3, Start: takeip, End: takeip.Add(5 * time.Millisecond)}}}
	n.events["cancelledone"] = protocol.EventStatus{Event: "cancelledone", Outcome: "CANCELLED",
		Scripts: []protocol.ScriptStatus{okScript("00.ctdb", takeip, 1)}}
	n.events["shutdown"] = protocol.EventStatus{Event: "shutdown", NeverRun: true,
		Hung: []protocol.HungScript{{Name: "05.system", Event: "startup", PID: 4321, Since: start}}}
}

func setupEventRuns(f *fakeCluster) {
	n := f.node[0]
	n.runs["monitor"] = fakeRun{reply: healthyMonitor(monitorStart)}
	failed := healthyMonitor(monitorStart)
	failed.Outcome = "ERROR"
	n.runs["takeip"] = fakeRun{reply: failed}
	timedout := healthyMonitor(monitorStart)
	timedout.Outcome = "TIMEDOUT"
	n.runs["startup"] = fakeRun{reply: timedout}
	n.runs["releaseip"] = fakeRun{status: protocol.StatusEventFailed}
	n.runs["updateip"] = fakeRun{status: protocol.StatusEventTimedOut}
	n.runs["recovered"] = fakeRun{status: protocol.StatusCancelled}
	cancelled := healthyMonitor(monitorStart)
	cancelled.Outcome = "CANCELLED"
	n.runs["startrecovery"] = fakeRun{reply: cancelled}
}

func TestGolden(t *testing.T) {
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			checkGolden(t, s.name, s.transcript(t))
		})
	}
}
