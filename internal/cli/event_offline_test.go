package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// With no daemon running, `ctdb event script list/enable/disable` work on
// the configuration directories, as CTDB's tool does.
func TestEventScriptsWithoutDaemon(t *testing.T) {
	base, share := t.TempDir(), t.TempDir()
	data := filepath.Join(share, "events", "legacy")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"00.ctdb", "05.system"} {
		if err := os.WriteFile(filepath.Join(data, s+".script"), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(base, "events.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "events.d", "60.old"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CTDB_BASE": base, "CTDB_DATADIR": share}
	socket := filepath.Join(base, "no", "ctdbd.socket")
	run := func(want string, wantCode int, args ...string) {
		t.Helper()
		r := runTool(socket, env, args...)
		if r.stdout != want || r.code != wantCode {
			t.Errorf("ctdb %v: exit %d stdout %q stderr %q; want exit %d stdout %q", args, r.code, r.stdout, r.stderr, wantCode, want)
		}
	}
	run("  00.ctdb\n  05.system\n\n  60.old\n", 0, "event", "script", "list", "legacy")
	run("", 0, "event", "script", "enable", "legacy", "05.system")
	if target, err := os.Readlink(filepath.Join(base, "events", "legacy", "05.system.script")); err != nil ||
		target != filepath.Join(data, "05.system.script") {
		t.Errorf("enable made %q, %v", target, err)
	}
	run("", 0, "event", "script", "enable", "legacy", "60.old")
	run("  00.ctdb\n* 05.system\n\n* 60.old\n", 0, "event", "script", "list")
	run("", 0, "event", "script", "disable", "legacy", "05.system")
	run("Script 99.none does not exist in legacy\n", 2, "event", "script", "enable", "legacy", "99.none")
	run("  00.ctdb\n  05.system\n\n* 60.old\n", 0, "event", "script", "list", "legacy")
	// Other commands still need the daemon.
	if r := runTool(socket, env, "event", "status"); r.code != 1 {
		t.Errorf("event status without a daemon: exit %d", r.code)
	}
}
