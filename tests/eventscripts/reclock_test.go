package eventscripts_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/harness/poll"
)

func TestReclockSuccessResetsFailcount(t *testing.T) {
	for _, sh := range shells(t) {
		t.Run(sh, func(t *testing.T) {
			n := newNode(t)
			n.shell = sh
			lockDir := t.TempDir()
			n.env["CTDB_RECOVERY_LOCK"] = filepath.Join(lockDir, "reclock") // the file need not exist
			n.writeFile(filepath.Join(n.vardir, "failcount", "reclock"), "xx", 0o644)
			expectEmpty(t, "monitor", n.script("01.reclock", "monitor"))
			if got := n.counterSize("reclock"); got != 0 {
				t.Fatalf("failcount size %d after success, want 0", got)
			}
		})
	}
}

// A lock whose directory cannot be reached: failures 1 and 2 warn, the 3rd
// and later make the node unhealthy; success resets the count.
func TestReclockMissingDirectory(t *testing.T) {
	for _, sh := range shells(t) {
		t.Run(sh, func(t *testing.T) {
			n := newNode(t)
			n.shell = sh
			lockDir := filepath.Join(t.TempDir(), "cluster")
			n.env["CTDB_RECOVERY_LOCK"] = filepath.Join(lockDir, "reclock")
			probeMsg := "ctdb_probe: stat " + lockDir + ": no such file or directory"
			for i := 1; i <= 2; i++ {
				expect(t, fmt.Sprintf("failure %d", i), n.script("01.reclock", "monitor"), 0,
					probeMsg, fmt.Sprintf("WARNING: %d consecutive failures for reclock\n", i))
			}
			for i := 3; i <= 4; i++ {
				expect(t, fmt.Sprintf("failure %d", i), n.script("01.reclock", "monitor"), 1,
					probeMsg, fmt.Sprintf("ERROR: %d consecutive failures for reclock, marking node unhealthy\n", i))
			}
			if got := n.counterSize("reclock"); got != 4 {
				t.Fatalf("failcount size %d, want 4", got)
			}
			if err := os.Mkdir(lockDir, 0o755); err != nil {
				t.Fatal(err)
			}
			expectEmpty(t, "recovered", n.script("01.reclock", "monitor"))
			if got := n.counterSize("reclock"); got != 0 {
				t.Fatalf("failcount size %d after recovery, want 0", got)
			}
			if slices.Contains(n.calls(), "shutdown") {
				t.Fatalf("ctdb shutdown called below the shutdown limit: %q", n.calls())
			}
		})
	}
}

func TestReclockUnhealthyLimitOption(t *testing.T) {
	n := newNode(t)
	n.env["CTDB_RECOVERY_LOCK"] = filepath.Join(t.TempDir(), "missing", "reclock")
	n.options("01.reclock", "CTDB_RECLOCK_UNHEALTHY_LIMIT=1\n")
	expect(t, "first failure", n.script("01.reclock", "monitor"), 1,
		"ERROR: 1 consecutive failures for reclock, marking node unhealthy")
	n.options("01.reclock", "CTDB_RECLOCK_UNHEALTHY_LIMIT=soon\n")
	expect(t, "bad option", n.script("01.reclock", "monitor"), 1,
		`CTDB_RECLOCK_UNHEALTHY_LIMIT="soon" is not a positive integer`)
}

func TestReclockShutdownLimit(t *testing.T) {
	n := newNode(t)
	lock := filepath.Join(t.TempDir(), "missing", "reclock")
	n.env["CTDB_RECOVERY_LOCK"] = lock
	n.options("01.reclock", "CTDB_RECLOCK_SHUTDOWN_LIMIT=2\n")
	n.env["STUB_SHUTDOWN_SLEEP"] = "30" // the script must not wait for it
	t.Cleanup(func() { killStub(t, n.log+".shutdown.pid") })
	expect(t, "failure 1", n.script("01.reclock", "monitor"), 0, "WARNING: 1 consecutive failures for reclock")
	begin := time.Now()
	got := n.script("01.reclock", "monitor")
	expect(t, "failure 2", got, 1, `Reclock file "`+lock+`" can not be accessed. Shutting down.`)
	if took := time.Since(begin); took > 3*time.Second {
		t.Fatalf("monitor took %v: shutdown must not be waited for", took)
	}
	started := func() bool {
		_, err := os.Stat(n.log + ".shutdown.pid")
		return err == nil && slices.Contains(n.calls(), "shutdown")
	}
	if !poll.True(10*time.Second, 10*time.Millisecond, started) {
		t.Fatalf("ctdb shutdown never called; calls %q", n.calls())
	}
}

// killStub kills the stub process whose pid is in pidFile, if it is still
// the stub's sleep.
func killStub(t *testing.T, pidFile string) {
	data, err := os.ReadFile(pidFile)
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return
	}
	if cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); strings.HasPrefix(string(cmd), "sleep\x00") {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// The lock setting comes from "ctdb getreclock" when CTDB_RECOVERY_LOCK is
// not in the environment.
func TestReclockFromGetreclock(t *testing.T) {
	n := newNode(t)
	n.env["STUB_RECLOCK"] = filepath.Join(t.TempDir(), "missing", "reclock")
	expect(t, "monitor", n.script("01.reclock", "monitor"), 0, "WARNING: 1 consecutive failures for reclock")
	if calls := n.calls(); len(calls) != 1 || calls[0] != "getreclock" {
		t.Fatalf("ctdb calls %q, want [getreclock]", calls)
	}
}

func TestReclockSkipped(t *testing.T) {
	for name, lock := range map[string]string{
		"helper": "!/usr/bin/ctdb_etcd_lock --cluster x",
		"empty":  "",
	} {
		t.Run(name, func(t *testing.T) {
			n := newNode(t)
			n.env["CTDB_RECOVERY_LOCK"] = lock
			expectEmpty(t, "monitor", n.script("01.reclock", "monitor"))
			if got := n.counterSize("reclock"); got != -1 {
				t.Fatalf("failcount touched (size %d) for lock %q", got, lock)
			}
			if _, err := os.Stat(filepath.Join(n.vardir, "probe")); !os.IsNotExist(err) {
				t.Fatalf("a probe ran for lock %q", lock)
			}
		})
	}
}

func TestReclockRelativePath(t *testing.T) {
	n := newNode(t)
	n.env["CTDB_RECOVERY_LOCK"] = "cluster/reclock"
	expect(t, "monitor", n.script("01.reclock", "monitor"), 1, `recovery lock "cluster/reclock" is not an absolute path`)
}

// A probe that gets no answer (hung filesystem) counts as a failure, with
// ctdb_probe's message in the output. The stub stands for a stuck probe.
func TestReclockProbeNoAnswer(t *testing.T) {
	n := newNode(t)
	helpers := filepath.Join(t.TempDir(), "helpers")
	n.writeFile(filepath.Join(helpers, "ctdb_probe"), `#!/bin/sh
echo "$*" >>"$STUB_CTDB_LOG"
eval "last=\${$#}"
echo "ctdb_probe: stat $last: no answer after 5s (probe pid 4242 still running)" >&2
exit 2
`, 0o755)
	n.env["CTDB_HELPER_BINDIR"] = helpers
	n.env["CTDB_PROBE_TIMEOUT"] = "0.5"
	lockDir := t.TempDir()
	n.env["CTDB_RECOVERY_LOCK"] = filepath.Join(lockDir, "reclock")
	expect(t, "no answer", n.script("01.reclock", "monitor"), 0,
		"ctdb_probe: stat "+lockDir+": no answer after 5s (probe pid 4242 still running)",
		"WARNING: 1 consecutive failures for reclock")
	want := "-t 0.5 -s " + filepath.Join(n.vardir, "probe") + " stat " + lockDir
	if calls := n.calls(); len(calls) != 1 || calls[0] != want {
		t.Fatalf("probe called as %q, want %q", calls, want)
	}
}

// Without a runnable ctdb_probe the check fails at once and is not counted.
func TestReclockProbeMissing(t *testing.T) {
	n := newNode(t)
	n.env["CTDB_HELPER_BINDIR"] = ""
	n.env["PATH"] = n.stubs + ":/usr/bin:/bin"
	n.env["CTDB_RECOVERY_LOCK"] = filepath.Join(t.TempDir(), "reclock")
	got := n.script("01.reclock", "monitor")
	expect(t, "no probe", got, 1, "ERROR: cannot check recovery lock directory", "ctdb_probe not found")
	if n.counterSize("reclock") > 0 || strings.Contains(got.out, "consecutive") {
		t.Fatalf("a local error was counted: %q", got.out)
	}
}

// init must not create the lock directory: mkdir could hang on the cluster FS.
func TestReclockInitDoesNothing(t *testing.T) {
	n := newNode(t)
	lockDir := filepath.Join(t.TempDir(), "cluster")
	n.env["CTDB_RECOVERY_LOCK"] = filepath.Join(lockDir, "reclock")
	expectEmpty(t, "init", n.script("01.reclock", "init"))
	if _, err := os.Stat(lockDir); !os.IsNotExist(err) {
		t.Fatalf("init created %s", lockDir)
	}
}
