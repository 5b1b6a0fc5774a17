package cli

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/internal/version"
)

func TestExitCodes(t *testing.T) {
	f := newFakeCluster().setFlags(2, protocol.FlagStopped)
	f.node[0].events["monitor"] = unhealthyMonitor()
	path := f.serve(t)
	for _, c := range []struct {
		args string
		code int
	}{
		{"nodestatus all", 32},
		{"-n 2 nodestatus", 32},
		{"nodestatus", 0},
		{"nodestatus 0,1", 0},
		{"event status", 1},
		{"event status legacy monitor", 1},
		{"scriptstatus", 0},
		{"scriptstatus monitor", 0},
		{"event status never", exitEINVAL},
	} {
		if r := runTool(path, nil, strings.Fields(c.args)...); r.code != c.code {
			t.Errorf("ctdb %s: exit %d, want %d (stdout %q stderr %q)", c.args, r.code, c.code, r.stdout, r.stderr)
		}
	}
}

func TestDaemonNotRunning(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no", "ctdbd.socket")
	for name, path := range map[string]string{"missing": missing, "stale": staleSocket(t)} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			r := runTool(path, nil, "status")
			want := "ctdb: cannot connect to ctdbd at " + path + ": "
			if r.code != 1 || r.stdout != "" || !strings.HasPrefix(r.stderr, want) ||
				!strings.HasSuffix(r.stderr, " (is ctdbd running?)\n") {
				t.Fatalf("got exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v to notice there is no daemon", d)
			}
		})
	}
}

// Usage problems are found before connecting: they need no daemon.
func TestUsageWithoutDaemon(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ctdbd.socket")
	for _, c := range []struct {
		args, stderrHas string
		code            int
		stdoutHas       string
	}{
		{"", "Usage: ctdb", 1, ""},
		{"frobnicate", "Unknown command 'frobnicate'\n", 1, ""},
		{"getvar", "  getvar          <name>", 1, ""},
		{"setvar X notanumber", "Invalid value 'notanumber'", 1, ""},
		{"-n abc status", "Invalid option abc: invalid numeric value", 1, ""},
		{"-n all ping", "Invalid option all: invalid numeric value", 1, ""},
		{"event status a b c", "event status [legacy] [<event>]", 1, ""},
		{"-h", "", 0, "Commands:\n  version"},
		{"help", "Unknown command 'help'\n", 1, ""},
		{"--help status", "", 0, "Commands:\n  version"},
	} {
		r := runTool(path, nil, strings.Fields(c.args)...)
		if r.code != c.code || !strings.Contains(r.stderr, c.stderrHas) || !strings.Contains(r.stdout, c.stdoutHas) ||
			(c.stdoutHas == "" && r.stdout != "") || (c.stderrHas == "" && r.stderr != "") {
			t.Errorf("ctdb %s: exit %d stdout %q stderr %q", c.args, r.code, r.stdout, r.stderr)
		}
	}
}

// TestRequests checks what the tool sends, not only what it prints.
func TestRequests(t *testing.T) {
	f := newFakeCluster()
	f.node[1].runs["takeip"] = fakeRun{reply: protocol.EventStatus{Event: "takeip", Outcome: "OK"}}
	path := f.serve(t)
	for _, args := range []string{
		"setvar monitorinterval 0x20", "-n 1 event run 7 legacy takeip eth1 10.0.0.1 24", "-n 2 disable",
		"-n 2 enable", "setdebug 3", "event status legacy startup", "event script disable legacy 05.system",
		"-n 1 stop",
	} {
		if r := runTool(path, nil, strings.Fields(args)...); r.code != 0 || r.stderr != "" {
			t.Fatalf("ctdb %s: exit %d stdout %q stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
	want := []fakeCall{
		{0, protocol.OpSetTunable, &protocol.Tunable{Name: "MonitorInterval", Value: 32}},
		{1, protocol.OpEventRun, &protocol.EventRun{Event: "takeip", Args: []string{"eth1", "10.0.0.1", "24"}, Timeout: 7}},
		{2, protocol.OpModifyFlags, &protocol.ModifyFlags{Set: protocol.FlagPermanentlyDisabled}},
		{2, protocol.OpModifyFlags, &protocol.ModifyFlags{Clear: protocol.FlagPermanentlyDisabled}},
		{0, protocol.OpSetDebug, &protocol.DebugLevel{Level: "NOTICE"}},
		{0, protocol.OpEventStatus, &protocol.EventName{Event: "startup"}},
		{0, protocol.OpEventScriptSet, &protocol.ScriptSet{Name: "05.system", Enable: false}},
		{1, protocol.OpModifyFlags, &protocol.ModifyFlags{Set: protocol.FlagStopped}},
	}
	var got []fakeCall
	for _, c := range f.allCalls() {
		switch c.op {
		case protocol.OpSetTunable, protocol.OpEventRun, protocol.OpModifyFlags, protocol.OpSetDebug,
			protocol.OpEventStatus, protocol.OpEventScriptSet:
			got = append(got, c)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("requests:\n got %+v\nwant %+v", got, want)
	}
	if fl := f.flags(); fl[1] != protocol.FlagStopped || fl[2] != 0 {
		t.Errorf("flags after the commands: %v", fl)
	}
}

// status without -n sends one control: its reply names the local node,
// so the tool does not ask for the PNN first. When it fails, the error
// still names the node.
func TestStatusIsOneRoundTrip(t *testing.T) {
	f := newFakeCluster()
	f.local = 1
	path := f.serve(t)
	r := runTool(path, nil, "status")
	if r.code != 0 || !strings.Contains(r.stdout, "pnn:1 10.97.0.2        OK (THIS NODE)") {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	var ops []protocol.Op
	for _, c := range f.allCalls() {
		ops = append(ops, c.op)
	}
	if !reflect.DeepEqual(ops, []protocol.Op{protocol.OpGetStatus}) {
		t.Errorf("controls sent: %v, want only OpGetStatus", ops)
	}
	f.failOp = protocol.OpGetStatus
	r = runTool(path, nil, "status")
	if r.code == 0 || !strings.Contains(r.stderr, "Failed to get status from node 1:") {
		t.Errorf("failing status: exit %d stderr %q", r.code, r.stderr)
	}
	r = runTool(path, nil, "-n", "2", "status")
	if r.code == 0 || !strings.Contains(r.stderr, "Failed to get status from node 2:") {
		t.Errorf("failing status -n 2: exit %d stderr %q", r.code, r.stderr)
	}
}

// disable returns only once the local nodemap shows the change.
func TestFlagChangeWaits(t *testing.T) {
	f := newFakeCluster()
	f.flagDelay = 3
	path := f.serve(t)
	before := len(f.callsOf(protocol.OpGetNodemap))
	r := runTool(path, nil, "-n", "1", "disable")
	if r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	if fl := f.flags(); fl[1] != protocol.FlagPermanentlyDisabled {
		t.Fatalf("node 1 flags %#x", fl[1])
	}
	// verify -n, check, then polls until the change shows.
	if n := len(f.callsOf(protocol.OpGetNodemap)) - before; n < 5 {
		t.Errorf("nodemap read %d times, want at least 5", n)
	}
}

// A flag change that never shows ends at the max runtime, as CTDB's alarm.
func TestMaxRuntime(t *testing.T) {
	f := newFakeCluster()
	f.flagDelay = -1
	path := f.serve(t)
	start := time.Now()
	r := runTool(path, map[string]string{"CTDB_TIMEOUT": "1"}, "-n", "2", "stop")
	if r.code != 1 || r.stderr != "Maximum runtime exceeded - exiting\n" {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	if d := time.Since(start); d < time.Second || d > 5*time.Second {
		t.Errorf("stopped after %v, want about 1s", d)
	}
	r = runTool(path, map[string]string{"CTDB_TIMEOUT": "soon"}, "pnn")
	if r.code != 1 || r.stderr != "Invalid value CTDB_TIMEOUT\n" {
		t.Errorf("bad CTDB_TIMEOUT: exit %d stderr %q", r.code, r.stderr)
	}
}

// A daemon that does not answer: the control fails after -t seconds.
func TestControlTimeout(t *testing.T) {
	f := newFakeCluster()
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	hangPath := serveHandler(t, func(ctx context.Context, h protocol.Header, req any) (any, error) {
		if h.Op == protocol.OpPing {
			select {
			case <-block:
			case <-ctx.Done():
			}
		}
		return f.handle(ctx, h, req)
	})
	start := time.Now()
	r := runTool(hangPath, nil, "-t", "1", "ping")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "ctdb: Failed to ping node 0: ") || !strings.Contains(r.stderr, "timed out") {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	if d := time.Since(start); d < time.Second || d > 5*time.Second {
		t.Errorf("gave up after %v, want about 1s", d)
	}
}

// The dependency rule of the style guide: the tool links the protocol,
// client and config packages, never the daemon's.
func TestToolDependencies(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found")
	}
	out, err := exec.Command(gobin, "list", "-deps", "../../tools/ctdb").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !contains(deps, "github.com/ctdb-go/ctdb/internal/cli") {
		t.Fatalf("tools/ctdb does not use internal/cli: %v", deps)
	}
	for _, bad := range []string{"/internal/daemon", "/internal/eventd", "/internal/ctrlsock", "/internal/logging",
		"/internal/probe", "github.com/sirupsen/logrus", "github.com/hanwen/go-fuse"} {
		for _, d := range deps {
			if strings.HasSuffix(d, bad) || strings.HasPrefix(d, bad) {
				t.Errorf("tools/ctdb depends on %s", d)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestBinary runs the real tools/ctdb binary: the exit code must reach
// the shell (nodestatus 32) and output must be the same as in-process.
func TestBinary(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found")
	}
	bin := filepath.Join(t.TempDir(), "ctdb")
	if out, err := exec.Command(gobin, "build", "-o", bin, "../../tools/ctdb").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	path := newFakeCluster().setFlags(2, protocol.FlagStopped).serve(t)
	cmd := exec.Command(bin, "nodestatus", "all")
	cmd.Env = append(os.Environ(), "CTDB_SOCKET="+path, "TZ=UTC")
	out, err := cmd.Output()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 32 {
		t.Fatalf("exit: %v, output %q", err, out)
	}
	want := "Number of nodes:3\npnn:0 10.97.0.1        OK (THIS NODE)\npnn:1 10.97.0.2        OK\n" +
		"pnn:2 10.97.0.3        STOPPED|INACTIVE\n"
	if string(out) != want {
		t.Errorf("output %q, want %q", out, want)
	}
}

// shutdown of the local node returns once the daemon has dropped the
// connection; of another node, at once.
func TestShutdownWaits(t *testing.T) {
	f := newFakeCluster()
	path := f.serve(t)
	if r := runTool(path, nil, "-n", "1", "shutdown"); r.code != 0 || r.stdout+r.stderr != "" {
		t.Fatalf("remote shutdown: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	if n := len(f.callsOf(protocol.OpPing)); n != 0 {
		t.Errorf("remote shutdown waited: %d pings", n)
	}
	if r := runTool(path, nil, "shutdown"); r.code != 0 || r.stdout+r.stderr != "" {
		t.Fatalf("shutdown: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	if n := len(f.callsOf(protocol.OpPing)); n != 1 {
		t.Errorf("shutdown: %d pings before the connection dropped, want 1", n)
	}
}

// TestScriptCommandsWithoutDaemon: version, checktcpport and tickle answer
// with no daemon running, as CTDB's do.
func TestScriptCommandsWithoutDaemon(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ctdbd.socket")
	if r := runTool(path, nil, "version"); r.code != 0 || r.stdout != version.Version+"\n" || r.stderr != "" {
		t.Errorf("ctdb version: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	l, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	r := runTool(path, nil, "checktcpport", port)
	if r.code != 98 || r.stderr != "Failed to bind to TCP port "+port+"\n" || r.stdout != "" {
		t.Errorf("ctdb checktcpport %s (listening): exit %d stdout %q stderr %q, want 98", port, r.code, r.stdout, r.stderr)
	}
	l.Close()
	if r := runTool(path, nil, "checktcpport", port); r.code != 0 || r.stderr != "" {
		t.Errorf("ctdb checktcpport %s (free): exit %d stderr %q, want 0", port, r.code, r.stderr)
	}
	// Bad lines on standard input: EINVAL, naming the line.
	r = runTool(path, map[string]string{stdinKey: "\n10.0.0.1:1 10.0.0.2:2 extra\n"}, "tickle")
	if r.code != 22 || !strings.Contains(r.stderr, "line 2 of standard input") {
		t.Errorf("ctdb tickle with a bad line: exit %d stderr %q, want 22", r.code, r.stderr)
	}
	if r := runTool(path, map[string]string{stdinKey: "\n"}, "tickle"); r.code != 0 || r.stderr != "" {
		t.Errorf("ctdb tickle with no connection: exit %d stderr %q", r.code, r.stderr)
	}
	if r := runTool(path, nil, "tickle", "10.0.0.1:1", "[fd00::1]:2"); r.code != 1 ||
		!strings.HasSuffix(r.stderr, "Failed to send tickle ack\n") {
		t.Errorf("ctdb tickle across families: exit %d stderr %q", r.code, r.stderr)
	}
	if r := runTool(path, nil, "addtickle", "10.0.0.1:1", "10.0.0.2:2"); r.code != 1 {
		t.Errorf("ctdb addtickle without a daemon: exit %d, want 1", r.code)
	}
}

// TestTickleListsFromStdin: addtickle and deltickle read connections from
// standard input (update_tickles pipes `comm` output into them).
func TestTickleListsFromStdin(t *testing.T) {
	f := newFakeCluster()
	path := f.serve(t)
	in := "10.97.0.9:40000 10.97.1.102:445\n\n10.97.0.10:812 10.97.1.102:2049\n"
	if r := runTool(path, map[string]string{stdinKey: in}, "addtickle"); r.code != 0 || r.stderr != "" {
		t.Fatalf("addtickle from stdin: exit %d stderr %q", r.code, r.stderr)
	}
	r := runTool(path, nil, "-X", "gettickles", "10.97.1.102")
	want := "|Source IP|Port|Destiation IP|Port|\n|10.97.0.9|40000|10.97.1.102|445|\n|10.97.0.10|812|10.97.1.102|2049|\n"
	if r.code != 0 || r.stdout != want {
		t.Fatalf("gettickles after addtickle: exit %d stdout %q, want %q", r.code, r.stdout, want)
	}
	if r := runTool(path, map[string]string{stdinKey: "10.97.0.9:40000 10.97.1.102:445\n"}, "deltickle"); r.code != 0 {
		t.Fatalf("deltickle from stdin: exit %d stderr %q", r.code, r.stderr)
	}
	r = runTool(path, nil, "-X", "gettickles", "10.97.1.102")
	if want := "|Source IP|Port|Destiation IP|Port|\n|10.97.0.10|812|10.97.1.102|2049|\n"; r.stdout != want {
		t.Fatalf("gettickles after deltickle: %q, want %q", r.stdout, want)
	}
	r = runTool(path, map[string]string{stdinKey: "10.97.0.9:40000\n"}, "addtickle")
	if r.code != 22 || !strings.Contains(r.stderr, "line 1 of standard input") {
		t.Fatalf("addtickle with a bad line: exit %d stderr %q", r.code, r.stderr)
	}
	if n := len(f.callsOf(protocol.OpAddTickle)); n != 2 {
		t.Fatalf("%d ADD_TICKLE calls, want 2 (none for the bad input)", n)
	}
}
