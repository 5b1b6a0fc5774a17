package cli

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

func TestFlagsString(t *testing.T) {
	for _, c := range []struct {
		flags uint32
		want  string
	}{
		{0, "OK"},
		{protocol.FlagPermanentlyDisabled, "DISABLED"},
		{protocol.FlagUnhealthy, "UNHEALTHY"},
		{protocol.FlagStopped, "STOPPED|INACTIVE"},
		{protocol.FlagBanned, "BANNED|INACTIVE"},
		{protocol.FlagDisconnected, "DISCONNECTED|INACTIVE"},
		{protocol.FlagDeleted, "DELETED|INACTIVE"},
		{flagUnknown, "UNKNOWN"},
		{protocol.FlagStopped | protocol.FlagUnhealthy | protocol.FlagPermanentlyDisabled | protocol.FlagDisconnected,
			"DISCONNECTED|DISABLED|UNHEALTHY|STOPPED|INACTIVE"},
	} {
		if got := flagsString(c.flags); got != c.want {
			t.Errorf("flagsString(%#x) = %q, want %q", c.flags, got, c.want)
		}
	}
}

func TestParseOptions(t *testing.T) {
	def := options{node: -1, timelimit: defaultTimelimit, sep: "|"}
	for _, c := range []struct {
		args    string
		want    func(o *options)
		pos     string
		wantErr string
	}{
		{"status", nil, "status", ""},
		{"-n 2 status", func(o *options) { o.node = 2 }, "status", ""},
		{"-n2 -X status", func(o *options) { o.node, o.machine = 2, true }, "status", ""},
		{"--node=0x1 status", func(o *options) { o.node = 1 }, "status", ""},
		{"--node 3 -Y -t 5 status", func(o *options) { o.node, o.machine, o.timelimit = 3, true, 5*time.Second }, "status", ""},
		{"status -X", func(o *options) { o.machine = true }, "status", ""},
		{"-Xv -d INFO status", func(o *options) { o.machine, o.verbose, o.debug = true, true, "INFO" }, "status", ""},
		{"-x : -T 30 status", func(o *options) { o.sep, o.maxRuntime = ":", 30*time.Second }, "status", ""},
		{"-n -1 status", nil, "status", ""},
		{"event run 10 -- takeip -x", nil, "event run 10 takeip -x", ""},
		{"-n all ping", nil, "", "Invalid option all: invalid numeric value"},
		{"-n 1x ping", nil, "", "Invalid option 1x: invalid numeric value"},
		{"-n -2 ping", nil, "", "Invalid option -2: invalid numeric value"},
		{"-t abc ping", nil, "", "Invalid option abc: invalid numeric value"},
		{"-q ping", nil, "", "Invalid option -q: unknown option"},
		{"--nodes=1 ping", nil, "", "Invalid option --nodes: unknown option"},
		{"--verbose=1 ping", nil, "", "Invalid option --verbose: option does not take an argument"},
		{"ping -n", nil, "", "Invalid option -n: missing argument"},
	} {
		o, pos, err := parseOptions(strings.Fields(c.args))
		if c.wantErr != "" {
			if err == nil || err.Error() != c.wantErr {
				t.Errorf("%q: error %v, want %q", c.args, err, c.wantErr)
			}
			continue
		}
		want := def
		if c.want != nil {
			c.want(&want)
		}
		if err != nil || !reflect.DeepEqual(o, want) || strings.Join(pos, " ") != c.pos {
			t.Errorf("%q: got %+v %q %v, want %+v %q", c.args, o, pos, err, want, c.pos)
		}
	}
}

func TestParseEventArgs(t *testing.T) {
	for _, c := range []struct {
		args string
		want eventCmd
	}{
		{"status", eventCmd{sub: "status", event: "monitor"}},
		{"status legacy", eventCmd{sub: "status", event: "monitor"}},
		{"status legacy startup", eventCmd{sub: "status", event: "startup"}},
		{"status startup", eventCmd{sub: "status", event: "startup"}},
		{"run 10 legacy monitor", eventCmd{sub: "run", event: "monitor", args: []string{}, timeout: 10}},
		{"run monitor", eventCmd{sub: "run", event: "monitor", args: []string{}}},
		{"run 2.5 takeip eth1 10.0.0.1 24", eventCmd{sub: "run", event: "takeip", args: []string{"eth1", "10.0.0.1", "24"}, timeout: 2.5}},
		{"script list", eventCmd{sub: "script list"}},
		{"script list legacy", eventCmd{sub: "script list"}},
		{"script enable legacy 06.nfs", eventCmd{sub: "script enable", script: "06.nfs"}},
		{"script disable 06.nfs", eventCmd{sub: "script disable", script: "06.nfs"}},
	} {
		got, err := parseEventArgs(strings.Fields(c.args))
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: got %+v %v, want %+v", c.args, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "frob", "status legacy a b", "status a b", "run", "run 10", "run 10 legacy",
		"script", "script frob", "script list extra", "script enable", "script enable a b"} {
		var ue *usageError
		if _, err := parseEventArgs(strings.Fields(bad)); !errors.As(err, &ue) || ue.cmd != "event" {
			t.Errorf("%q: error %v, want event usage", bad, err)
		}
	}
}

func TestParseDebugLevel(t *testing.T) {
	for in, want := range map[string]string{"ERROR": "ERROR", "err": "ERROR", "warn": "WARNING", "Notice": "NOTICE",
		"info": "INFO", "DEBUG": "DEBUG", "0": "ERROR", "2": "WARNING", "3": "NOTICE", "5": "INFO", "10": "DEBUG"} {
		if got, ok := parseDebugLevel(in); !ok || got != want {
			t.Errorf("parseDebugLevel(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "LOUD", "11", "-1", "DEBUGX"} {
		if got, ok := parseDebugLevel(bad); ok {
			t.Errorf("parseDebugLevel(%q) = %q, want failure", bad, got)
		}
	}
}

func TestCtimeAndInterval(t *testing.T) {
	at := time.Date(2026, time.November, 2, 4, 6, 8, 0, time.UTC)
	if got := ctime(at); got != "Mon Nov  2 04:06:08 2026" {
		t.Errorf("ctime = %q", got)
	}
	from := at.Add(-(3*24*time.Hour + 5*time.Hour + 7*time.Minute + 9*time.Second + 500*time.Millisecond))
	if got := interval(from, at); got != "003 05:07:10" {
		// whole seconds are subtracted, as CTDB subtracts tv_sec
		t.Errorf("interval = %q", got)
	}
	if got := interval(at, at.Add(400*24*time.Hour)); got != "400 00:00:00" {
		t.Errorf("interval = %q", got)
	}
}

func TestEventStatusCode(t *testing.T) {
	errScript := protocol.ScriptStatus{Name: "a", State: "ERROR", ExitCode: 3}
	for _, c := range []struct {
		name string
		st   protocol.EventStatus
		want int
	}{
		{"ok", protocol.EventStatus{Outcome: "OK", Scripts: []protocol.ScriptStatus{errScript}}, 0},
		{"error outcome code", protocol.EventStatus{Outcome: "ERROR", ExitCode: 7}, 7},
		{"error from script", protocol.EventStatus{Outcome: "ERROR", Scripts: []protocol.ScriptStatus{{State: "OK"}, errScript}}, 3},
		{"error unexplained", protocol.EventStatus{Outcome: "ERROR"}, 1},
		{"timedout", protocol.EventStatus{Outcome: "TIMEDOUT"}, 110},
		{"cancelled", protocol.EventStatus{Outcome: "CANCELLED"}, 125},
		{"no outcome, ok", protocol.EventStatus{Scripts: []protocol.ScriptStatus{{State: "OK"}, {State: "DISABLED"}}}, 0},
		{"no outcome, still running", protocol.EventStatus{Scripts: []protocol.ScriptStatus{{State: "OK", StillRunning: true}}}, 110},
		{"no outcome, cannot run", protocol.EventStatus{Scripts: []protocol.ScriptStatus{{State: "CANNOT RUN"}}}, 1},
	} {
		if got := eventStatusCode(c.st); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

func TestAddrPortOf(t *testing.T) {
	for _, c := range []struct {
		in, want string // want "" = invalid
	}{
		{"10.0.0.1:445", "10.0.0.1:445"},
		{"[fd00::1]:445", "[fd00::1]:445"},
		{"fd00::1:445", "[fd00::1]:445"}, // brackets stripped, as update_tickles does
		{"[::ffff:10.0.0.1]:2049", "10.0.0.1:2049"},
		{"10.0.0.1", ""},
		{"10.0.0.1:70000", ""},
		{"fd00::1", ""}, // "fd00:" is no address: no port given
		{"host:445", ""},
		{"", ""},
	} {
		ap, ok := addrPortOf(c.in)
		got := ""
		if ok {
			got = ap.String()
		}
		if got != c.want {
			t.Errorf("addrPortOf(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
