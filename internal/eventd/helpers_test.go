package eventd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/harness/poll"
	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"golang.org/x/sys/unix"
)

// preamble starts every test script: it records the script's pid (its
// process group id) so the test can kill whatever is left at cleanup.
const preamble = "#!/bin/sh\necho $$ >> \"$PGIDS\"\n"

// harness is a Runner over a temporary script directory, with a scratch
// directory ($TMP in scripts) and a log hook.
type harness struct {
	t     *testing.T
	dir   string // the script directory
	tmp   string // scratch directory, $TMP in scripts
	pgids string // file the scripts append their pids to
	hook  *logtest.Hook
	cfg   Config
	r     *Runner
}

// newHarness builds a watching Runner; mutate may change the config first.
func newHarness(t *testing.T, mutate func(*Config)) *harness {
	return newHarnessWatch(t, mutate, true)
}

func newHarnessWatch(t *testing.T, mutate func(*Config), watch bool) *harness {
	t.Helper()
	base := t.TempDir()
	h := &harness{t: t, dir: filepath.Join(base, "events.d"), tmp: filepath.Join(base, "tmp")}
	for _, d := range []string{h.dir, h.tmp} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	h.pgids = filepath.Join(h.tmp, "pgids")
	logger, hook := logtest.NewNullLogger()
	logger.SetLevel(logrus.DebugLevel)
	h.hook = hook
	h.cfg = Config{
		Dir:       h.dir,
		Env:       []string{"PATH=" + os.Getenv("PATH"), "TMP=" + h.tmp, "PGIDS=" + h.pgids},
		KillGrace: 200 * time.Millisecond,
		ReapWait:  300 * time.Millisecond,
		Log:       logger.WithField("tag", "ctdb-eventd"),
	}
	if mutate != nil {
		mutate(&h.cfg)
	}
	// Cleanups run last-registered first: dump logs, close, kill, remove dirs.
	t.Cleanup(h.killLeftovers)
	r, err := newRunner(h.cfg, watch)
	if err != nil {
		t.Fatal(err)
	}
	h.r = r
	t.Cleanup(func() { r.Close() })
	t.Cleanup(h.dumpLogOnFailure)
	return h
}

// script writes an executable script (preamble + body) into the directory.
func (h *harness) script(name, body string) {
	h.t.Helper()
	writeAtomic(h.t, filepath.Join(h.dir, name), preamble+body+"\n", 0o755)
}

// writeAtomic writes via a hidden temporary name and a rename, so that
// neither the runner nor exec ever sees a half-written file.
func writeAtomic(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err := os.WriteFile(tmp, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(tmp, mode); err != nil { // WriteFile's mode is masked by umask
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) run(event string, timeout time.Duration, args ...string) (*EventResult, error) {
	return h.r.Run(context.Background(), event, args, timeout)
}

// mustRun runs an event that must not return an error.
func (h *harness) mustRun(event string, timeout time.Duration, args ...string) *EventResult {
	h.t.Helper()
	res, err := h.run(event, timeout, args...)
	if err != nil {
		h.t.Fatalf("Run(%s): %v", event, err)
	}
	return res
}

// path names a file in the scratch directory.
func (h *harness) path(name string) string { return filepath.Join(h.tmp, name) }

func (h *harness) touch(name string) {
	h.t.Helper()
	if err := os.WriteFile(h.path(name), nil, 0o644); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) exists(name string) bool {
	_, err := os.Stat(h.path(name))
	return err == nil
}

func (h *harness) read(name string) string {
	b, _ := os.ReadFile(h.path(name))
	return string(b)
}

// waitPID waits for a script to write its pid into the scratch file name.
func (h *harness) waitPID(name string) int {
	h.t.Helper()
	var pid int
	waitFor(h.t, "pid in "+name, 5*time.Second, func() bool {
		n, err := strconv.Atoi(strings.TrimSpace(h.read(name)))
		pid = n
		return err == nil && n > 0
	})
	return pid
}

// logged reports whether some log message contains s.
func (h *harness) logged(s string) bool {
	return len(h.logEntries(s)) > 0
}

func (h *harness) logEntries(s string) []*logrus.Entry {
	var out []*logrus.Entry
	for _, e := range h.hook.AllEntries() {
		if strings.Contains(e.Message, s) {
			out = append(out, e)
		}
	}
	return out
}

func (h *harness) dumpLogOnFailure() {
	if !h.t.Failed() {
		return
	}
	for _, e := range h.hook.AllEntries() {
		h.t.Logf("log %s: %s", e.Level, e.Message)
	}
}

// killLeftovers SIGKILLs the groups of every script the test started that
// still has live members.
func (h *harness) killLeftovers() {
	for _, f := range strings.Fields(h.read("pgids")) {
		pgid, err := strconv.Atoi(f)
		if err == nil && pgid > 1 && len(groupMembers(pgid)) > 0 {
			unix.Kill(-pgid, syscall.SIGKILL)
		}
	}
}

// groupMembers lists the live (not zombie) processes of process group pgid.
// Zombies are skipped: orphans are reaped by pid 1, which in a container may
// never do it.
func groupMembers(pgid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		state, pg, ok := procStat(pid)
		if ok && pg == pgid && state != "Z" && state != "X" {
			pids = append(pids, pid)
		}
	}
	return pids
}

// procStat returns the state and process group of pid from /proc/PID/stat.
func procStat(pid int) (state string, pgrp int, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command name may contain spaces
	if i < 0 {
		return "", 0, false
	}
	f := strings.Fields(s[i+1:]) // state ppid pgrp ...
	if len(f) < 3 {
		return "", 0, false
	}
	pgrp, err = strconv.Atoi(f[2])
	return f[0], pgrp, err == nil
}

// waitGroupGone fails the test unless process group pgid empties within d.
func waitGroupGone(t *testing.T, pgid int, d time.Duration) {
	t.Helper()
	waitFor(t, fmt.Sprintf("process group %d to be empty", pgid), d, func() bool {
		return len(groupMembers(pgid)) == 0
	})
}

// waitFor polls cond every 10 ms until it holds, failing the test after d.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	if !poll.True(d, 10*time.Millisecond, cond) {
		t.Fatalf("timed out after %v waiting for %s", d, what)
	}
}

// summary renders the script states of a result, e.g. "10.a=OK 20.b=ERROR".
func summary(res *EventResult) string {
	if res == nil {
		return "<nil>"
	}
	parts := make([]string, len(res.Scripts))
	for i, s := range res.Scripts {
		parts[i] = s.Name + "=" + s.State.String()
	}
	return strings.Join(parts, " ")
}

// runAsync starts Run in a goroutine; the result arrives on the channel.
func (h *harness) runAsync(ctx context.Context, event string, timeout time.Duration) <-chan runReturn {
	ch := make(chan runReturn, 1)
	go func() {
		res, err := h.r.Run(ctx, event, nil, timeout)
		ch <- runReturn{res, err}
	}()
	return ch
}

type runReturn struct {
	res *EventResult
	err error
}

// await waits for an asynchronous Run, failing the test after d.
func await(t *testing.T, ch <-chan runReturn, d time.Duration) runReturn {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(d):
		t.Fatalf("Run did not return within %v", d)
		return runReturn{}
	}
}

// queueLen is the number of events waiting behind the running one.
func (r *Runner) queueLen() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.queue)
}
