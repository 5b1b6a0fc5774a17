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
		"ping", "getpid", "getdebug", "event status legacy monitor", "event status monitor",
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
		// What ctdbd reports for a node it lost (as CTDB).
		f.setFlags(2, protocol.FlagDisconnected|protocol.FlagUnhealthy)
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
	{name: "script_layout", setup: func(f *fakeCluster) {
		// CTDB 4.x layout: packaged scripts (linked or not), then the
		// node's own scripts after a blank line; node 1 has only links.
		f.node[0].packaged = []protocol.Script{{Name: "00.ctdb", Enabled: true}, {Name: "05.system"},
			{Name: "10.interface", Enabled: true}}
		f.node[0].scripts = []protocol.Script{{Name: "50.local", Enabled: true}, {Name: "60.old"}}
		f.node[1].packaged = []protocol.Script{{Name: "00.ctdb", Enabled: true}, {Name: "01.reclock"}}
		f.node[1].scripts = nil
	}, cmds: []string{"event script list legacy", "-n 1 event script list legacy",
		"event script enable legacy 99.nope", "event script disable legacy 99.nope"}},
	{name: "tunables_debug", cmds: []string{
		"setvar MonitorInterval 20", "getvar MonitorInterval", "setvar monitorinterval 0x10", "getvar MonitorInterval",
		"setvar NoSuchVar 1", "getvar NoSuchVar", "setdebug info", "getdebug", "setdebug 10", "getdebug",
		"setdebug ERR", "getdebug", "shutdown",
	}},
	{name: "ips", cmds: []string{
		"ip", "ip all", "-X ip", "-X ip all", "ip -v", "-X ip -v", "ip all -v", "-X ip all -v", "ip -v all",
		"-x : -X ip -v", "-n 1 ip", "-n 2 -X ip -v", "ipinfo 10.97.1.101", "ipinfo 10.97.1.102",
		"-n 2 ipinfo 10.97.1.101", "ipinfo 10.97.1.250", "ifaces", "-X ifaces", "-n 1 ifaces",
	}},
	{name: "ip_views", setup: setupIPViews, cmds: []string{
		"ip all", "-X ip all", "ip all -v", "-X ip all -v", "ip", "-n 1 ip -v", "-n 2 ip -v",
		"-n 1 ipinfo fd00::10", "ipinfo 10.97.1.105", "-n 2 ipinfo 10.97.1.9", "ipinfo 2001:db8::5",
		"-n 1 ifaces", "-n 1 -X ifaces",
	}},
	{name: "ip_disconnected", setup: func(f *fakeCluster) {
		f.setFlags(2, protocol.FlagDisconnected)
		f.vnnmap = []uint32{0, 1}
	}, cmds: []string{"ip all", "ip all -v", "-n 2 ip", "moveip 10.97.1.101 2", "reloadips 2", "reloadips all"}},
	{name: "ip_admin", setup: func(f *fakeCluster) {
		f.node[2].reloadErr = "public_addresses line 3: invalid address 10.97.1.x"
	}, cmds: []string{
		"moveip 10.97.1.101 1", "ip", "-n 2 ip -v", "moveip 10.97.1.101 7", "moveip 10.97.1.250 1",
		"-n 1 moveip 10.97.1.101 0", "addip 10.97.1.200/24 eth2", "ip -v", "ifaces", "addip 10.97.1.200/24 eth2",
		"delip 10.97.1.200", "delip 10.97.1.200", "-n 1 addip fd00::7/64 eth1", "-n 1 ip -v",
		"gratarp 10.97.1.102 eth1", "gratarp 10.97.1.250 eth1", "reloadips", "reloadips 0,1,0", "reloadips all",
		"reloadips 5", "-n 1 reloadips", "ipreallocate", "-n 2 ipreallocate",
	}},
	{name: "ip_noleader", setup: func(f *fakeCluster) {
		f.leader = protocol.PNNUnknown
		f.node[1].ips = nil
	}, cmds: []string{
		"moveip 10.97.1.101 0", "ipreallocate", "reloadips", "addip 10.97.1.200/24 eth1", "-n 1 ifaces",
		"-n 1 ip", "-n 1 -X ip -v", "-n 1 ipinfo 10.97.1.101",
	}},
	{name: "scripts", setup: func(f *fakeCluster) {
		f.node[0].sc = fakeScriptState{tickles: map[string][]protocol.Connection{
			"10.97.1.102": {{Src: "10.97.0.9:40000", Dst: "10.97.1.102:445"}, {Src: "10.97.0.10:812", Dst: "10.97.1.102:2049"}}},
			links: map[string]bool{}, clients: map[int32]bool{4242: true}}
	}, cmds: []string{
		"gettickles", "gettickles a b c", "gettickles 10.97.1.200", "gettickles 10.97.1.101 70000",
		"gettickles 10.97.1.102", "-Y gettickles 10.97.1.102", "-x : -X gettickles 10.97.1.102 2049",
		"gettickles ::ffff:10.97.1.102 445", "addtickle 10.97.0.9:40000 10.97.1.200:445", "addtickle x",
		"addtickle [fd00::9]:1 [fd00::1]:445", "addtickle 10.97.0.9:1 10.97.1.101", "deltickle 10.97.0.9:1",
		"deltickle 10.97.0.9:40000 10.97.1.102:445", "gettickles 10.97.1.102", "tickle x", "tickle a b c",
		"process-exists", "process-exists 1 2 3", "process-exists 4242", "process-exists 4242 0",
		"process-exists 4242 0x10", "process-exists 4243", "-n 1 process-exists 4242",
		"setifacelink eth1", "setifacelink eth1 sideways", "setifacelink eth9 up", "setifacelink eth1 down",
		"ifaces", "ip -v", "setifacelink eth1 up", "ifaces",
		"setleaderrole", "setleaderrole yes", "setlmasterrole maybe", "setleaderrole off", "getcapabilities",
		"-n 1 setlmasterrole off", "-n 1 getcapabilities", "setleaderrole on",
		"recover now", "recover", "status", "sync extra", "sync", "dumpmemory", "rddumpmemory",
		"checktcpport", "checktcpport 1 2", "help", "help status",
	}},
	{name: "usage_errors", cmds: []string{
		"getvar", "getvar a b", "setvar X notanumber", "setvar X -1", "setvar X 4294967296", "setdebug LOUD",
		"nodestatus abc", "nodestatus 7", "nodestatus 1 2", "status extra", "frobnicate", "event", "event frob",
		"event status legacy monitor extra", "event run", "event run 10 legacy", "event script",
		"event script enable", "-z status", "-n", "--node", "-t 0 status", "--bogus status", "-X -v -d DEBUG pnn",
		"ip foo", "ip all extra", "ipinfo", "ipinfo 10.97.1", "ipinfo fe80::1%eth1", "ifaces extra",
		"moveip 10.97.1.101", "moveip 10.97.1.x 1", "moveip 10.97.1.101 one", "moveip 10.97.1.101 4294967295",
		"moveip 10.97.1.101 0x1", "addip 10.97.1.200 eth1", "addip 10.97.1.200/33 eth1", "addip 10.97.1.200/0 eth1",
		"addip 10.97.1.200/ eth1", "addip 10.97.1.200/24x eth1", "addip fd00::1/129 eth1", "addip 10.97.1.200/24",
		"addip 10.97.1.200/24 averyveryverylongname", "addip 10.97.1.200/24 eth1/2", "delip bogus", "delip",
		"gratarp 10.97.1.101", "gratarp x eth1", "gratarp 10.97.1.101 eth:1", "reloadips abc", "reloadips 1 2",
		"ipreallocate now",
	}},
}

// setupIPViews makes the nodes disagree about the public addresses, the
// way they do in the middle of a takeover run:
//   - 10.97.1.101: node 0 still thinks node 2 has it, node 1 holds it;
//   - 10.97.1.103: node 1 released it, node 0 still names node 1;
//   - 10.97.1.105: nobody holds it and node 0 knows it is unassigned;
//   - 10.97.1.104: nodes 1 and 2 both claim it, node 0 names node 2;
//   - 10.97.1.106: nodes 0 and 2 both claim it (node 0 names itself);
//   - 10.97.1.9 only node 2 lists (unassigned), fd00::10 and 2001:db8::1
//     only nodes 1 and 2 (each holding its own), 2001:DB8:0::5 only node 0
//     (written non-canonically, held).
func setupIPViews(f *fakeCluster) {
	f.setView(2, "10.97.1.101", 1).setView(1, "10.97.1.101", 1)
	f.setView(1, "10.97.1.103", protocol.PNNUnknown)
	f.setView(0, "10.97.1.105", protocol.PNNUnknown).setView(2, "10.97.1.105", protocol.PNNUnknown)
	f.setView(0, "10.97.1.104", 2).setView(2, "10.97.1.104", 2)
	f.setView(2, "10.97.1.106", 2)
	f.addPublicIP(2, "10.97.1.9", protocol.PNNUnknown, "eth2")
	f.addPublicIP(1, "fd00::10", 1, "eth2", "eth1").setLink(1, "eth2", false)
	f.addPublicIP(2, "2001:db8::1", 2, "eth1")
	f.addPublicIP(0, "2001:DB8:0::5", 0, "eth1")
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
