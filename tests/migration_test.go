package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
)

// TestMigrationFromCTDB runs a 3-node cluster on configuration directories
// laid out as CTDB 4.17 lays them out on Debian: Debian's stock ctdb.conf
// and script.options (read from the installed ctdb package, test input
// only), scripts enabled as events/legacy/NN.name.script symlinks into a
// data directory of packaged scripts (ours, relocated with CTDB_DATADIR),
// no events.d at all, and notify.sh with an events/notification hook. The
// cluster must become OK with the scripts really running.
func TestMigrationFromCTDB(t *testing.T) {
	t.Parallel() // independent: own namespaces, temp dirs and ports (see README, Tests)
	stockConf, err := os.ReadFile("/etc/ctdb/ctdb.conf")
	if err != nil {
		t.Skipf("Debian's ctdb package is not installed (tests/setup/debian-packages): %v", err)
	}
	stockOptions, err := os.ReadFile("/etc/ctdb/script.options")
	if err != nil {
		t.Skipf("Debian's script.options is missing: %v", err)
	}
	c := cluster(t, localcluster.Options{Nodes: 3, Tunables: map[string]uint32{"MonitorInterval": 1}})

	// The packaged scripts: ours, named as CTDB packages them.
	data := filepath.Join(c.DataDir(), "events", "legacy")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"00.ctdb", "01.reclock", "05.system", "10.interface"} {
		copyTo(t, filepath.Join(srcDir, "events.d", s), filepath.Join(data, s+".script"), 0o755)
	}
	for i := 0; i < c.Nodes; i++ {
		etc := c.ConfigDir(i)
		if err := os.RemoveAll(filepath.Join(etc, "events.d")); err != nil {
			t.Fatal(err)
		}
		legacy := filepath.Join(etc, "events", "legacy")
		notification := filepath.Join(etc, "events", "notification")
		for _, d := range []string{legacy, notification} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for _, s := range []string{"00.ctdb", "01.reclock", "05.system"} {
			if err := os.Symlink(filepath.Join(data, s+".script"), filepath.Join(legacy, s+".script")); err != nil {
				t.Fatal(err)
			}
		}
		// Debian's stock file first; the node's own settings after it set
		// [logging] location again, which CTDB allows (the later wins).
		ours, err := os.ReadFile(filepath.Join(etc, "ctdb.conf"))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(etc, "ctdb.conf"), string(stockConf)+"\n"+string(ours), 0o644)
		writeFile(t, filepath.Join(etc, "script.options"), string(stockOptions), 0o644)
		copyTo(t, filepath.Join(srcDir, "etc", "notify.sh"), filepath.Join(etc, "notify.sh"), 0o755)
		writeFile(t, filepath.Join(notification, "50.record.script"),
			"#!/bin/sh\necho \"$1\" >> \"$CTDB_BASE/notified\"\n", 0o755)
	}
	startAll(t, c)
	waitConverged(t, c, seq(c.Nodes), allOK(c.Nodes), 30*time.Second)

	for i := 0; i < c.Nodes; i++ {
		eventually(t, 10*time.Second, func() string {
			out, _, _ := c.Ctdb(i, "event", "status", "legacy", "monitor")
			for _, s := range []string{"00.ctdb", "01.reclock", "05.system"} {
				if !strings.Contains(out, s+strings.Repeat(" ", 21-len(s))+"OK") {
					return "event status lacks " + s + " OK:\n" + out
				}
			}
			return ""
		})
		eventually(t, 10*time.Second, func() string {
			b, _ := os.ReadFile(filepath.Join(c.ConfigDir(i), "notified"))
			if got := string(b); got != "init\nsetup\nstartup\nhealthy\n" {
				return "notifications: " + got
			}
			return ""
		})
	}
	log := c.Log(0)
	if !strings.Contains(log, "ctdb.conf:") || !strings.Contains(log, "[logging] location is set again") {
		t.Errorf("no warning naming the repeated [logging] location in the log:\n%s", tail(log, 30))
	}

	// The script commands work on this layout as in CTDB 4.17.
	if out := ctdb(t, c, 0, "event", "script", "list", "legacy"); out != "* 00.ctdb\n* 01.reclock\n* 05.system\n  10.interface\n" {
		t.Errorf("event script list:\n%s", out)
	}
	ctdb(t, c, 0, "event", "script", "enable", "legacy", "10.interface")
	link := filepath.Join(c.ConfigDir(0), "events", "legacy", "10.interface.script")
	if target, err := os.Readlink(link); err != nil || target != filepath.Join(data, "10.interface.script") {
		t.Errorf("enable: %s -> %q (%v)", link, target, err)
	}
	ctdb(t, c, 0, "event", "script", "disable", "legacy", "05.system")
	if _, err := os.Lstat(filepath.Join(c.ConfigDir(0), "events", "legacy", "05.system.script")); !os.IsNotExist(err) {
		t.Errorf("disable left the symlink: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(data, "05.system.script")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("disable touched the packaged script: %v %v", fi.Mode(), err)
	}
	if out := ctdb(t, c, 0, "event", "script", "list", "legacy"); out != "* 00.ctdb\n* 01.reclock\n  05.system\n* 10.interface\n" {
		t.Errorf("event script list after enable/disable:\n%s", out)
	}
	dir := filepath.Join(c.ConfigDir(0), "events", "legacy", "70.dir.script")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"enable", "disable"} {
		out, errOut, code := c.Ctdb(0, "event", "script", verb, "legacy", "70.dir")
		if code != 22 || out != "Script "+dir+" is not a file or a link\n" {
			t.Errorf("%s of a directory: exit %d, stdout %q, stderr %q", verb, code, out, errOut)
		}
	}
}

// TestNoScriptsWarns: a node whose scripts are all in the wrong place (CTDB
// names in events.d) is warned about at startup, naming the directories.
func TestNoScriptsWarns(t *testing.T) {
	t.Parallel() // independent: own namespaces, temp dirs and ports (see README, Tests)
	c := cluster(t, localcluster.Options{Nodes: 1})
	etc := c.ConfigDir(0)
	ents, err := os.ReadDir(filepath.Join(etc, "events.d"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		p := filepath.Join(etc, "events.d", e.Name())
		if err := os.Rename(p, p+".script"); err != nil {
			t.Fatal(err)
		}
	}
	start(t, c, 0)
	eventually(t, 10*time.Second, func() string {
		log := c.Log(0)
		for _, want := range []string{
			"Script directory " + filepath.Join(etc, "events.d") + " holds files that never run, because scripts there must be named NN.name: 00.ctdb.script",
			"No enabled event script in " + filepath.Join(etc, "events", "legacy") + " or " + filepath.Join(etc, "events.d"),
			"Monitor event ran no script: nothing checks this node's health",
		} {
			if !strings.Contains(log, want) {
				return "log lacks " + want + "\n" + tail(log, 20)
			}
		}
		return ""
	})
}

func copyTo(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dst, string(b), mode)
}

func writeFile(t *testing.T, p, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

// TestNotifyHook: notify.sh runs events/notification/*.script on init,
// setup, startup, healthy and unhealthy, in that order.
func TestNotifyHook(t *testing.T) {
	t.Parallel() // independent: own namespaces, temp dirs and ports (see README, Tests)
	c := cluster(t, localcluster.Options{Nodes: 1, Scripts: []string{"00.ctdb"}, Tunables: map[string]uint32{"MonitorInterval": 1}})
	etc := c.ConfigDir(0)
	addScript(t, c, 0, "50.flaky", "[ \"$1\" = monitor ] && [ -e \"$CTDB_BASE/fail\" ] && exit 1\nexit 0\n", 0o755)
	copyTo(t, filepath.Join(srcDir, "etc", "notify.sh"), filepath.Join(etc, "notify.sh"), 0o755)
	if err := os.MkdirAll(filepath.Join(etc, "events", "notification"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(etc, "events", "notification", "50.record.script"),
		"#!/bin/sh\necho \"$1\" >> \"$CTDB_BASE/notified\"\n", 0o755)
	// Not executable, so never run.
	writeFile(t, filepath.Join(etc, "events", "notification", "60.off.script"),
		"#!/bin/sh\necho off >> \"$CTDB_BASE/notified\"\n", 0o644)
	notified := func(want string) func() string {
		return func() string {
			b, _ := os.ReadFile(filepath.Join(etc, "notified"))
			if string(b) != want {
				return "notified: " + string(b)
			}
			return ""
		}
	}
	start(t, c, 0)
	eventually(t, 10*time.Second, notified("init\nsetup\nstartup\nhealthy\n"))
	writeFile(t, filepath.Join(etc, "fail"), "", 0o644)
	eventually(t, 10*time.Second, notified("init\nsetup\nstartup\nhealthy\nunhealthy\n"))
	if err := os.Remove(filepath.Join(etc, "fail")); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, notified("init\nsetup\nstartup\nhealthy\nunhealthy\nhealthy\n"))
}
