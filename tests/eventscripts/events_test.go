package eventscripts_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// shippedScripts do nothing for events they do not handle, whatever the
// arguments; allScripts adds those whose takeip etc. act.
var (
	shippedScripts = []string{"00.ctdb", "01.reclock", "05.system"}
	allScripts     = append(append([]string(nil), shippedScripts...), "10.interface")
)

func TestUnknownEventsExitZero(t *testing.T) {
	n := newNode(t)
	n.env["CTDB_RECOVERY_LOCK"] = filepath.Join(t.TempDir(), "missing", "reclock")
	for _, s := range shippedScripts {
		for _, ev := range []string{"frobnicate", "startup", "takeip", "ipreallocated", "shutdown"} {
			expectEmpty(t, s+" "+ev, n.script(s, ev, "eth0", "10.0.0.1", "24"))
		}
		expectEmpty(t, s+" no event", n.script(s))
	}
}

func TestCtdbHousekeeping(t *testing.T) {
	n := newNode(t)
	expectEmpty(t, "init", n.script("00.ctdb", "init"))
	for _, d := range []string{"failcount", "scripts"} {
		if info, err := os.Stat(filepath.Join(n.vardir, d)); err != nil || !info.IsDir() {
			t.Fatalf("init did not create %s: %v", d, err)
		}
	}
	expectEmpty(t, "monitor", n.script("00.ctdb", "monitor"))
	if entries, _ := os.ReadDir(filepath.Join(n.vardir, "scripts")); len(entries) != 0 {
		t.Fatalf("monitor left files behind: %v", entries)
	}
	if os.Geteuid() == 0 {
		t.Log("running as root: cannot test an unwritable state directory")
		return
	}
	if err := os.Chmod(filepath.Join(n.vardir, "scripts"), 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(filepath.Join(n.vardir, "scripts"), 0o755) })
	expect(t, "unwritable", n.script("00.ctdb", "monitor"), 1, "is not writable")
}

// The state directory check fails when the directory is gone.
func TestCtdbMonitorMissingStateDir(t *testing.T) {
	n := newNode(t)
	expect(t, "no state dir", n.script("00.ctdb", "monitor"), 1,
		"ERROR: state directory "+filepath.Join(n.vardir, "scripts")+" is not writable")
}

func TestScriptsExecutable(t *testing.T) {
	for _, s := range allScripts {
		info, err := os.Stat(filepath.Join(repoRoot, "events.d", s))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm()&0o111 != 0o111 {
			t.Errorf("events.d/%s mode %v, want executable", s, info.Mode())
		}
	}
}

// Syntax and portability checks: sh -n always; dash, bash, checkbashisms and
// shellcheck when installed.
func TestShellLint(t *testing.T) {
	files := []string{filepath.Join(repoRoot, "functions")}
	for _, s := range allScripts {
		files = append(files, filepath.Join(repoRoot, "events.d", s))
	}
	run := func(t *testing.T, name string, args ...string) {
		t.Helper()
		if _, err := exec.LookPath(name); err != nil {
			t.Skipf("%s not installed", name)
		}
		out, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	for _, sh := range []string{"sh", "dash", "bash"} {
		t.Run(sh+" -n", func(t *testing.T) {
			for _, f := range files {
				run(t, sh, "-n", f)
			}
		})
	}
	t.Run("checkbashisms", func(t *testing.T) { run(t, "checkbashisms", append([]string{"-f"}, files...)...) })
	t.Run("shellcheck", func(t *testing.T) {
		run(t, "shellcheck", append([]string{"-s", "sh", "-x", "-P", filepath.Join(repoRoot)}, files...)...)
	})
}
