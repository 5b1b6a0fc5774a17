package eventscripts_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestCounterHelpers(t *testing.T) {
	n := newNode(t)
	expectEmpty(t, "init", n.fn("42.demo", "ctdb_counter_init svc"))
	if got := n.counterSize("svc"); got != 0 {
		t.Fatalf("after init: size %d, want 0", got)
	}
	for i := 1; i <= 3; i++ {
		expectEmpty(t, "incr", n.fn("42.demo", "ctdb_counter_incr svc"))
		if got := n.counterSize("svc"); got != int64(i) {
			t.Fatalf("after %d incr: size %d, want %d (one byte each)", i, got, i)
		}
	}
	if got := n.fn("42.demo", "ctdb_counter_get svc"); got.rc != 0 || got.out != "3\n" {
		t.Fatalf("get: %+v, want 3", got)
	}
	expect(t, "below limit", n.fn("42.demo", "ctdb_check_counter_limit 5 '' svc"), 0,
		"WARNING: 3 consecutive failures for svc\n")
	expectEmpty(t, "below limit, quiet", n.fn("42.demo", "ctdb_check_counter_limit 5 quiet svc"))
	expect(t, "at limit", n.fn("42.demo", "ctdb_check_counter_limit 3 '' svc"), 1,
		"ERROR: 3 consecutive failures for svc, marking node unhealthy\n")
	expect(t, "past limit, quiet", n.fn("42.demo", "ctdb_check_counter_limit 2 quiet svc"), 1,
		"ERROR: 3 consecutive failures for svc, marking node unhealthy\n")

	expectEmpty(t, "reset", n.fn("42.demo", "ctdb_counter_init svc"))
	if got := n.counterSize("svc"); got != 0 {
		t.Fatalf("after re-init: size %d, want 0", got)
	}
	expectEmpty(t, "zero count", n.fn("42.demo", "ctdb_check_counter_limit 1 '' svc"))
	if got := n.fn("42.demo", "ctdb_counter_get never-used"); got.out != "0\n" {
		t.Fatalf("get of a missing counter: %+v, want 0", got)
	}
}

// NAME defaults to the script name without its "NN." prefix.
func TestCounterDefaultName(t *testing.T) {
	n := newNode(t)
	expect(t, "default name", n.fn("42.demo", "ctdb_counter_incr; ctdb_counter_incr; ctdb_check_counter_limit 3"), 0,
		"WARNING: 2 consecutive failures for demo\n")
	if got := n.counterSize("demo"); got != 2 {
		t.Fatalf("failcount/demo size %d, want 2", got)
	}
	expect(t, "service_name override", n.fn("42.demo", "service_name=other; ctdb_counter_incr; ctdb_counter_get"), 0, "1\n")
	if got := n.counterSize("other"); got != 1 {
		t.Fatalf("failcount/other size %d, want 1", got)
	}
}

func TestCounterBadInput(t *testing.T) {
	n := newNode(t)
	expect(t, "slash in name", n.fn("42.demo", "ctdb_counter_incr ../x"), 1, `invalid failure counter name "../x"`)
	expect(t, "bad limit", n.fn("42.demo", "ctdb_check_counter_limit many"), 1,
		`failure limit for demo must be a positive integer, not "many"`)
}

func TestGetPNNCached(t *testing.T) {
	n := newNode(t)
	n.env["STUB_PNN"] = "2"
	for i := 0; i < 3; i++ {
		expect(t, "ctdb_get_pnn", n.fn("42.demo", "ctdb_get_pnn"), 0, "2\n")
	}
	if calls := n.calls(); len(calls) != 1 || calls[0] != "pnn" {
		t.Fatalf("ctdb calls %q, want one \"pnn\" (cached afterwards)", calls)
	}
	cache := filepath.Join(n.vardir, "scripts", "my-pnn")
	if data, err := os.ReadFile(cache); err != nil || string(data) != "2\n" {
		t.Fatalf("cache %s = %q, %v", cache, data, err)
	}

	// 00.ctdb init drops the stale cache; the next call asks ctdb again.
	expectEmpty(t, "00.ctdb init", n.script("00.ctdb", "init"))
	if _, err := os.Stat(cache); !os.IsNotExist(err) {
		t.Fatalf("my-pnn still present after init: %v", err)
	}
	n.env["STUB_PNN"] = "5"
	expect(t, "after init", n.fn("42.demo", "ctdb_get_pnn"), 0, "5\n")
}

func TestGetPNNBadAnswer(t *testing.T) {
	n := newNode(t)
	n.env["STUB_PNN"] = "banana"
	expect(t, "bad pnn", n.fn("42.demo", "ctdb_get_pnn"), 1, `"ctdb pnn" printed "banana"`)
	if _, err := os.Stat(filepath.Join(n.vardir, "scripts", "my-pnn")); !os.IsNotExist(err) {
		t.Fatalf("a bad answer was cached: %v", err)
	}
}

func TestGetReclock(t *testing.T) {
	n := newNode(t)
	n.env["STUB_RECLOCK"] = "/from/ctdb/lock"
	expect(t, "unset: ask ctdb", n.fn("42.demo", "ctdb_get_reclock"), 0, "/from/ctdb/lock\n")
	n.env["CTDB_RECOVERY_LOCK"] = "/from/env/lock"
	expect(t, "from env", n.fn("42.demo", "ctdb_get_reclock"), 0, "/from/env/lock\n")
	n.env["CTDB_RECOVERY_LOCK"] = ""
	if got := n.fn("42.demo", "ctdb_get_reclock"); got.rc != 0 || got.out != "\n" {
		t.Fatalf("set but empty: %+v, want an empty line", got)
	}
	if calls := n.calls(); len(calls) != 1 || calls[0] != "getreclock" {
		t.Fatalf("ctdb calls %q, want exactly one getreclock", calls)
	}
}

func TestCheckArgs(t *testing.T) {
	n := newNode(t)
	expectEmpty(t, "takeip ok", n.fn("42.demo", "ctdb_check_args takeip eth0 10.0.0.1 24"))
	expectEmpty(t, "releaseip ok", n.fn("42.demo", "ctdb_check_args releaseip eth0 10.0.0.1 24"))
	expectEmpty(t, "updateip ok", n.fn("42.demo", "ctdb_check_args updateip eth0 eth1 10.0.0.1 24"))
	expectEmpty(t, "monitor takes none", n.fn("42.demo", "ctdb_check_args monitor"))
	expect(t, "takeip short", n.fn("42.demo", "ctdb_check_args takeip eth0 10.0.0.1"), 1,
		"ERROR: must supply interface, IP and maskbits (takeip got 2 arguments: eth0 10.0.0.1)\n")
	expect(t, "releaseip bad bits", n.fn("42.demo", "ctdb_check_args releaseip eth0 10.0.0.1 x"), 1,
		`ERROR: releaseip: maskbits "x" is not a number`)
	expect(t, "updateip short", n.fn("42.demo", "ctdb_check_args updateip eth0 10.0.0.1 24"), 1,
		"ERROR: must supply old interface, new interface, IP and maskbits (updateip got 3 arguments: eth0 10.0.0.1 24)\n")
	expectEmpty(t, "ipv6 ok", n.fn("42.demo", "ctdb_check_args takeip eth0 fd00::1 128"))
	expect(t, "bad address", n.fn("42.demo", "ctdb_check_args takeip eth0 1.2.3.4.5 24"), 1,
		`ERROR: takeip: "1.2.3.4.5" is not an IPv4 or IPv6 address`)
}

func TestLoadScriptOptions(t *testing.T) {
	n := newNode(t)
	n.writeFile(filepath.Join(n.base, "script.options"), "A=global\nB=global\n", 0o644)
	n.options("42.demo", "B=script\n")
	expect(t, "options", n.fn("42.demo", `load_script_options; echo "$A $B"`), 0, "global script\n")
	expect(t, "other script", n.fn("43.other", `load_script_options; echo "$A $B"`), 0, "global global\n")
}

func TestDie(t *testing.T) {
	n := newNode(t)
	expect(t, "die default", n.fn("42.demo", "die 'it broke'; echo not reached"), 1, "it broke\n")
	got := n.fn("42.demo", "die 'it broke' 7; echo not reached")
	expect(t, "die rc", got, 7, "it broke")
	if strings.Contains(got.out, "not reached") {
		t.Fatalf("die returned: %q", got.out)
	}
}

func TestServiceHelpers(t *testing.T) {
	n := newNode(t)
	n.writeFile(filepath.Join(n.stubs, "systemctl"), stubRecorder, 0o755)
	n.writeFile(filepath.Join(n.stubs, "service"), stubRecorder, 0o755)
	n.env["CTDB_INIT_STYLE"] = "systemd"
	expectEmpty(t, "systemd start", n.fn("42.demo", "service_start ctdb-test-svc"))
	expectEmpty(t, "systemd stop", n.fn("42.demo", "service_stop ctdb-test-svc"))
	n.env["CTDB_INIT_STYLE"] = "sysv"
	expectEmpty(t, "sysv status", n.fn("42.demo", "service_status ctdb-test-svc"))
	want := []string{"systemctl start ctdb-test-svc", "systemctl stop ctdb-test-svc", "service ctdb-test-svc status"}
	if got := n.calls(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("calls %q, want %q", got, want)
	}
}

func TestCheckPidfileRunning(t *testing.T) {
	n := newNode(t)
	live := filepath.Join(n.vardir, "live.pid")
	n.writeFile(live, strconv.Itoa(os.Getpid())+"\n", 0o644)
	expectEmpty(t, "live", n.fn("42.demo", "ctdb_check_pidfile_running "+live))
	garbage := filepath.Join(n.vardir, "garbage.pid")
	n.writeFile(garbage, "abc\n", 0o644)
	expect(t, "garbage", n.fn("42.demo", "ctdb_check_pidfile_running "+garbage), 1, "does not hold a pid")
	expect(t, "missing", n.fn("42.demo", "ctdb_check_pidfile_running /nonexistent.pid"), 1, "is missing")
}

func TestProbeWrappers(t *testing.T) {
	n := newNode(t)
	dir := t.TempDir()
	got := n.fn("42.demo", "probe_stat "+dir)
	expect(t, "probe_stat", got, 0, dir+": type=directory ")
	got = n.fn("42.demo", "probe_statfs "+dir)
	expect(t, "probe_statfs", got, 0, "Filesystem     1K-blocks      Used Available Use% Mounted on\n")
	if _, err := strconv.Atoi(strings.TrimSpace(n.fn("42.demo", "probe_statfs_usage "+dir).out)); err != nil {
		t.Fatalf("probe_statfs_usage: %v", err)
	}
	// The probes keep their state in $CTDB_VARDIR/probe, shared with ctdbd.
	if entries, err := os.ReadDir(filepath.Join(n.vardir, "probe")); err != nil || len(entries) == 0 {
		t.Fatalf("probe state dir: %v, %d entries", err, len(entries))
	}
	expect(t, "probe_stat missing", n.fn("42.demo", "probe_stat "+dir+"/missing"), 1,
		"ctdb_probe: stat "+dir+"/missing: no such file or directory")

	n.env["CTDB_HELPER_BINDIR"] = ""
	n.env["PATH"] = n.stubs + ":/usr/bin:/bin"
	expect(t, "no ctdb_probe", n.fn("42.demo", "probe_stat "+dir), 3, "ERROR: ctdb_probe not found")
}
