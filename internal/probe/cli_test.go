package probe

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// runMain runs Main in-process with the given environment.
func runMain(env map[string]string, args ...string) (stdout, stderr string, rc int) {
	var out, errb bytes.Buffer
	rc = Main(args, func(k string) string { return env[k] }, &out, &errb)
	return out.String(), errb.String(), rc
}

func TestMainStat(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, []byte("abc"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CTDB_VARDIR": dir}
	out, errs, rc := runMain(env, "stat", file)
	want := regexp.MustCompile(`^` + regexp.QuoteMeta(file) + `: type=regular size=3 inode=\d+ mtime=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$`)
	if rc != 0 || !want.MatchString(out) {
		t.Fatalf("rc %d out %q err %q; want rc 0 and %v", rc, out, errs, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "probe")); err != nil {
		t.Fatalf("default state dir $CTDB_VARDIR/probe not used: %v", err)
	}

	out, errs, rc = runMain(env, "stat", filepath.Join(dir, "missing"))
	if rc != ExitFSError || out != "" || errs != "ctdb_probe: stat "+filepath.Join(dir, "missing")+": no such file or directory\n" {
		t.Fatalf("missing: rc %d out %q err %q", rc, out, errs)
	}
}

func TestMainStatfs(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CTDB_VARDIR": dir}
	out, errs, rc := runMain(env, "statfs", dir)
	lines := strings.Split(out, "\n")
	if rc != 0 || len(lines) != 3 || lines[0] != "Filesystem     1K-blocks      Used Available Use% Mounted on" {
		t.Fatalf("rc %d out %q err %q", rc, out, errs)
	}
	fields := strings.Fields(lines[1])
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	if len(fields) != 6 || fields[0] != dir || fields[5] != dir ||
		fields[1] != strconv.FormatUint(st.Blocks*uint64(st.Frsize)/1024, 10) {
		t.Fatalf("line %q, want %s with %d 1K-blocks", lines[1], dir, st.Blocks*uint64(st.Frsize)/1024)
	}

	out, errs, rc = runMain(env, "statfs", "-u", dir)
	pct, err := strconv.Atoi(strings.TrimSpace(out))
	if rc != 0 || err != nil || pct < 0 || pct > 100 || fields[4] != fmt.Sprintf("%d%%", pct) && pct > 0 {
		t.Fatalf("-u: rc %d out %q err %q (df line %q)", rc, out, errs, lines[1])
	}
}

func TestMainUsageErrors(t *testing.T) {
	env := map[string]string{"CTDB_VARDIR": t.TempDir()}
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{env, nil, "usage:"},
		{env, []string{"stat"}, "expected one PATH"},
		{env, []string{"frob", "/"}, `unknown command "frob"`},
		{env, []string{"-t", "abc", "stat", "/"}, `-t: invalid timeout "abc"`},
		{env, []string{"-t", "0", "stat", "/"}, `must be positive`},
		{map[string]string{"CTDB_VARDIR": env["CTDB_VARDIR"], "CTDB_PROBE_TIMEOUT": "soon"}, []string{"stat", "/"}, `CTDB_PROBE_TIMEOUT: invalid timeout "soon"`},
		{env, []string{"stat", "relative"}, "stat relative: path must be absolute"},
		{env, []string{"stat", "-u", "/"}, "expected one PATH"},
		{env, []string{"worker", "-s"}, "usage: worker"},
	} {
		_, errs, rc := runMain(c.env, c.args...)
		if rc != ExitLocal || !strings.Contains(errs, c.want) {
			t.Errorf("%v: rc %d err %q, want rc 3 and %q", c.args, rc, errs, c.want)
		}
	}
}

func TestParseTimeout(t *testing.T) {
	for in, want := range map[string]time.Duration{"5": 5 * time.Second, "0.5": 500 * time.Millisecond, "250ms": 250 * time.Millisecond} {
		if got, err := parseTimeout(in); err != nil || got != want {
			t.Errorf("parseTimeout(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	opts, _, err := parseGlobal([]string{"stat", "/"}, func(k string) string {
		return map[string]string{"CTDB_PROBE_TIMEOUT": "2"}[k]
	})
	if err != nil || opts.timeout != 2*time.Second || opts.stateDir != "/var/lib/ctdb/probe" {
		t.Errorf("env timeout: %+v, %v; want 2s and /var/lib/ctdb/probe", opts, err)
	}
	opts, _, err = parseGlobal([]string{"-t", "1", "stat", "/"}, func(k string) string {
		return map[string]string{"CTDB_PROBE_TIMEOUT": "2"}[k]
	})
	if err != nil || opts.timeout != time.Second {
		t.Errorf("-t must override the env: %+v, %v", opts, err)
	}
}

// mainCmd runs the test binary as the ctdb_probe command, with workers
// behind h's gate.
func mainCmd(t *testing.T, h *harness, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(h.env(), envRole+"=main")
	return cmd
}

// Ten ctdb_probe processes at once against a hung path start one worker,
// all exit 2, and the stuck worker is detached (the callers do not wait).
func TestMainConcurrentProcesses(t *testing.T) {
	h := newHarness(t)
	path := t.TempDir()
	type outcome struct {
		rc     int
		stderr string
	}
	res := make([]outcome, 10)
	var wg sync.WaitGroup
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := mainCmd(t, h, "-t", "0.3", "-s", h.stateDir, "stat", path)
			var errb bytes.Buffer
			cmd.Stderr = &errb // a pipe: Wait would hang if the worker held it
			err := cmd.Run()
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				res[i] = outcome{ee.ExitCode(), errb.String()}
			} else {
				res[i] = outcome{-1, fmt.Sprint(err, errb.String())}
			}
		}()
	}
	wg.Wait()
	stuck := regexp.MustCompile(`^ctdb_probe: stat ` + regexp.QuoteMeta(path) +
		`: (no answer after 300ms \(probe pid \d+ still running\)|previous probe \(pid \d+, started .* ago\) still running)\n$`)
	for i, r := range res {
		if r.rc != ExitNoAnswer || !stuck.MatchString(r.stderr) {
			t.Errorf("process %d: rc %d stderr %q", i, r.rc, r.stderr)
		}
	}
	if pids := workersFor(h.stateDir); len(pids) != 1 {
		t.Fatalf("workers running = %v, want exactly 1", pids)
	}

	// A later caller fails at once while the worker is still stuck.
	begin := time.Now()
	cmd := mainCmd(t, h, "-t", "5", "-s", h.stateDir, "stat", path)
	out, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != ExitNoAnswer || !strings.Contains(string(out), "previous probe") || time.Since(begin) > 2*time.Second {
		t.Fatalf("later caller: rc %d out %q after %v", cmd.ProcessState.ExitCode(), out, time.Since(begin))
	}

	// Thawed, the worker records its answer and the next caller succeeds.
	h.thaw()
	eventually(t, "the late answer", func() bool {
		out, err := mainCmd(t, h, "-s", h.stateDir, "status", "stat", path).Output()
		return err == nil && strings.Contains(string(out), "no probe running") && strings.Contains(string(out), ": ok (took")
	})
	out, err := mainCmd(t, h, "-s", h.stateDir, "stat", path).Output()
	if err != nil || !strings.HasPrefix(string(out), path+": type=directory ") {
		t.Fatalf("after thaw: %q, %v", out, err)
	}
}
