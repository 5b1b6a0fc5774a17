package clusterlock

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestHelperLocksAndReportsContention(t *testing.T) {
	t.Parallel()
	file := lockFile(t)
	first := startRaw(t, file, "0", "0", "0")
	if got := first.answer(); got != ResultLocked {
		t.Fatalf("first helper answered %s, want locked; stderr %q", got, first.stderr.String())
	}
	st, err := os.Stat(file)
	if err != nil {
		t.Fatalf("lock file not created: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("lock file mode %v, want 0600", st.Mode().Perm())
	}
	second := startRaw(t, file, "0", "0", "0")
	if got := second.answer(); got != ResultContended {
		t.Fatalf("second helper answered %s, want contention", got)
	}
	second.waitExit(5 * time.Second)
	if s := second.stderr.String(); s != "" {
		t.Errorf("contention should be silent, stderr %q", s)
	}
	first.stillHolding(100 * time.Millisecond)
}

func TestHelperReleases(t *testing.T) {
	t.Parallel()
	cases := map[string]func(h *rawHelper){
		"SIGTERM":   func(h *rawHelper) { _ = h.cmd.Process.Signal(syscall.SIGTERM) },
		"stdin EOF": func(h *rawHelper) { h.stdin.Close() },
	}
	for name, release := range cases {
		t.Run(name, func(t *testing.T) {
			file := lockFile(t)
			h := startRaw(t, file, "1", "0", "1")
			if got := h.answer(); got != ResultLocked {
				t.Fatalf("answered %s, want locked", got)
			}
			expectAnswer(t, file, ResultContended)
			release(h)
			h.waitEOF(5 * time.Second)
			h.waitExit(5 * time.Second)
			if s := h.stderr.String(); s != "" {
				t.Errorf("an ordinary release should be silent, stderr %q", s)
			}
			expectAnswer(t, file, ResultLocked)
		})
	}
}

func TestHelperPingTimeout(t *testing.T) {
	t.Parallel()
	file := lockFile(t)
	h := startRaw(t, file, "0", "0.5", "0")
	if got := h.answer(); got != ResultLocked {
		t.Fatalf("answered %s, want locked", got)
	}
	// Pings every 100 ms keep it for well over the ping timeout.
	for i := 0; i < 12; i++ {
		if _, err := h.stdin.Write([]byte{'.'}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond) // Deliberate pause: pings paced every 100 ms, well inside the 0.5 s ping timeout
	}
	expectAnswer(t, file, ResultContended)
	took := h.waitEOF(5 * time.Second)
	if took > 2*time.Second {
		t.Errorf("released %v after the last ping, want about 0.5s", took)
	}
	h.waitExit(5 * time.Second)
	if s := h.stderr.String(); !strings.Contains(s, "ping timeout from parent: releasing lock") {
		t.Errorf("stderr %q lacks the ping timeout message", s)
	}
	expectAnswer(t, file, ResultLocked)
}

func TestHelperLockFileRemovedOrReplaced(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		change func(t *testing.T, file string)
		msg    string
	}{
		{"removed", func(t *testing.T, file string) {
			if err := os.Remove(file); err != nil {
				t.Fatal(err)
			}
		}, "open failed: no such file or directory"},
		{"replaced", func(t *testing.T, file string) {
			tmp := file + ".new"
			if err := os.WriteFile(tmp, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, file); err != nil {
				t.Fatal(err)
			}
		}, "inode changed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			file := lockFile(t)
			h := startRaw(t, file, "0.2", "0", "5")
			if got := h.answer(); got != ResultLocked {
				t.Fatalf("answered %s, want locked", got)
			}
			h.stillHolding(500 * time.Millisecond) // re-checks pass meanwhile
			c.change(t, file)
			if took := h.waitEOF(5 * time.Second); took > 2*time.Second {
				t.Errorf("lost after %v, want within the 0.2s re-check interval (+slack)", took)
			}
			h.waitExit(5 * time.Second)
			want := "lock lost - lock file " + file + " " + c.msg
			if s := h.stderr.String(); !strings.Contains(s, want) {
				t.Errorf("stderr %q lacks %q", s, want)
			}
		})
	}
}

func TestHelperStuckRecheckCountsAsLost(t *testing.T) {
	t.Parallel()
	dir := lockDir(t)
	file := filepath.Join(dir, "reclock")
	if err := os.WriteFile(filepath.Join(dir, blockedName), nil, 0o600); err != nil { // re-checks hang
		t.Fatal(err)
	}
	h := startRaw(t, file, "0.2", "0", "0.5")
	if got := h.answer(); got != ResultLocked {
		t.Fatalf("answered %s, want locked", got)
	}
	took := h.waitEOF(5 * time.Second)
	if took < 600*time.Millisecond || took > 3*time.Second {
		t.Errorf("lost after %v, want about 0.2s interval + 0.5s re-check timeout", took)
	}
	h.waitExit(5 * time.Second)
	want := "lock lost - re-check of " + file + " did not complete in 500ms"
	if s := h.stderr.String(); !strings.Contains(s, want) {
		t.Errorf("stderr %q lacks %q", s, want)
	}
	// The stuck child was left behind, not waited for.
	if n := len(recheckChildren(file)); n != 1 {
		t.Errorf("%d re-check children alive, want the 1 stuck one", n)
	}
	expectAnswer(t, file, ResultLocked)
}

// recheckChildren lists live re-check processes for file.
func recheckChildren(file string) []int {
	var pids []int
	for _, pid := range processesOf(filepath.Dir(file)) {
		cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		if bytes.Contains(cmdline, []byte(RecheckVerb)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func TestHelperParentDeath(t *testing.T) {
	t.Parallel()
	dir := lockDir(t)
	file := filepath.Join(dir, "reclock")
	pidFile := filepath.Join(dir, "helper.pid")
	// The middle process starts the helper with the test's pipes, so the
	// helper's stdin stays open when the middle dies: only the parent-death
	// signal and the getppid() poll can notice.
	inR, inW, _ := os.Pipe()
	outR, outW, _ := os.Pipe()
	defer inW.Close()
	defer outR.Close()
	stderr := &syncBuffer{}
	middle := newCmd(testExe(t), pidFile, file, "0", "0", "0")
	middle.Env = append(os.Environ(), envRole+"=middle")
	middle.Stdin, middle.Stdout, middle.Stderr = inR, outW, stderr
	if err := middle.Start(); err != nil {
		t.Fatal(err)
	}
	inR.Close()
	outW.Close()
	t.Cleanup(func() { _ = middle.Process.Kill(); _ = middle.Wait() })
	h := &rawHelper{t: t, stdout: outR, stderr: stderr}
	if got := h.answer(); got != ResultLocked {
		t.Fatalf("answered %s, want locked", got)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	helperPid, _ := strconv.Atoi(string(data))
	expectAnswer(t, file, ResultContended)

	if err := middle.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = middle.Wait()
	h.waitEOF(5 * time.Second)
	eventually(t, 5*time.Second, "the orphaned helper to exit", func() bool { return !alive(helperPid) })
	// No stderr check: the parent-death signal comes when the forking
	// THREAD dies, which may be before getppid() changes, so the release
	// is sometimes an ordinary (silent) SIGTERM release.
	expectAnswer(t, file, ResultLocked)
}

func TestHelperErrors(t *testing.T) {
	t.Parallel()
	dir := lockDir(t)
	cases := []struct {
		name string
		args []string
		msg  string
	}{
		{"no args", nil, "usage:"},
		{"too many", []string{"f", "1", "1", "1", "1"}, "usage:"},
		{"bad interval", []string{filepath.Join(dir, "f"), "soon"}, `RECHECK_INTERVAL "soon"`},
		{"negative timeout", []string{filepath.Join(dir, "f"), "1", "-1"}, `PING_TIMEOUT "-1"`},
		{"open fails", []string{filepath.Join(dir, "missing", "f")}, "open " + filepath.Join(dir, "missing", "f") + " failed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := startRaw(t, c.args...)
			if got := h.answer(); got != ResultError {
				t.Fatalf("answered %s, want error", got)
			}
			h.waitExit(5 * time.Second)
			if s := h.stderr.String(); !strings.Contains(s, c.msg) {
				t.Errorf("stderr %q lacks %q", s, c.msg)
			}
		})
	}
}

func TestRecheckChild(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(file, &st); err != nil {
		t.Fatal(err)
	}
	dev, ino := strconv.FormatUint(st.Dev, 10), strconv.FormatUint(st.Ino, 10)
	var out bytes.Buffer
	if code := runRecheck([]string{file, dev, ino}, strings.NewReader("check\ncheck\n"), &out); code != recheckOK || out.String() != "ok\nok\n" {
		t.Errorf("same inode: code %d, output %q, want two ok lines", code, out.String())
	}
	out.Reset()
	other := strconv.FormatUint(st.Ino+1, 10)
	if code := runRecheck([]string{file, dev, other}, strings.NewReader("check\n"), &out); code != recheckOK || !strings.Contains(out.String(), "inode changed") {
		t.Errorf("other inode: code %d, output %q", code, out.String())
	}
	out.Reset()
	if code := runRecheck([]string{file, "x", ino}, strings.NewReader("check\n"), &out); code != recheckUsage {
		t.Errorf("bad dev: code %d, output %q", code, out.String())
	}
	// The holding helper gone (its end of the pipe closed): the child
	// stops at the first answer it cannot write, and says so.
	if code := runRecheck([]string{file, dev, ino}, strings.NewReader("check\ncheck\n"), failingWriter{}); code != recheckWriteFailed {
		t.Errorf("answers cannot be written: code %d, want %d", code, recheckWriteFailed)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, syscall.EPIPE }

// TestHelperRechecksInOneChild: the holding helper runs all its re-checks
// in one long-lived child instead of starting a process for each (a Go
// process start costs milliseconds of CPU; the re-check runs every
// RecheckInterval for as long as a node leads).
func TestHelperRechecksInOneChild(t *testing.T) {
	t.Parallel()
	dir := lockDir(t)
	file := filepath.Join(dir, "reclock")
	h := startRaw(t, file, "0.05")
	if got := h.answer(); got != ResultLocked {
		t.Fatalf("answered %s, want locked", got)
	}
	seen := map[int]bool{}
	deadline := time.Now().Add(time.Second) // 20 re-check intervals
	for time.Now().Before(deadline) {
		for _, pid := range recheckChildren(file) {
			seen[pid] = true
		}
		time.Sleep(10 * time.Millisecond) // Deliberate pause: the sampling period of the children watched over 20 re-checks
	}
	if len(seen) != 1 {
		t.Errorf("saw %d re-check processes over 20 re-checks, want 1 long-lived child", len(seen))
	}
	h.stdin.Close()
	h.waitExit(5 * time.Second)
	eventually(t, 5*time.Second, "the re-check child to exit after the helper", func() bool {
		return len(recheckChildren(file)) == 0
	})
}
