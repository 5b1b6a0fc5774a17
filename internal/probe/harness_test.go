package probe

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/harness/poll"
)

// harness runs real worker processes (the test binary) behind a gate file.
type harness struct {
	t        *testing.T
	stateDir string
	gate     string
	starts   atomic.Int32
	mu       sync.Mutex
	started  []Outstanding // pid + token of every worker we started
}

// newHarness returns a harness whose workers are frozen until thaw().
func newHarness(t *testing.T) *harness {
	t.Helper()
	dir := t.TempDir()
	h := &harness{t: t, stateDir: filepath.Join(dir, "state"), gate: filepath.Join(dir, "gate")}
	t.Cleanup(h.killWorkers)
	return h
}

func (h *harness) thaw() {
	h.t.Helper()
	if err := os.WriteFile(h.gate, nil, 0o600); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) env() []string { return append(os.Environ(), envGate+"="+h.gate) }

func (h *harness) start(spec WorkerSpec) (Worker, error) {
	h.starts.Add(1)
	exe, err := os.Executable()
	if err != nil {
		return Worker{}, err
	}
	w, err := ExecStarter(exe, h.env())(spec)
	if err == nil {
		h.mu.Lock()
		h.started = append(h.started, Outstanding{Pid: w.Pid, Token: spec.Token})
		h.mu.Unlock()
	}
	return w, err
}

func (h *harness) prober(timeout time.Duration) *Prober {
	h.t.Helper()
	p, err := New(Config{StateDir: h.stateDir, Timeout: timeout, Start: h.start})
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

// killWorkers SIGKILLs the workers this test started (by PID, only while the
// PID still carries our token) and any worker a CLI child started for our
// state directory.
func (h *harness) killWorkers() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, w := range h.started {
		if isOurWorker(w.Pid, w.Token) {
			_ = syscall.Kill(w.Pid, syscall.SIGKILL)
		}
	}
	for _, pid := range workersFor(h.stateDir) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// workersFor lists live worker processes whose argv names stateDir.
func workersFor(stateDir string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		args := bytes.Split(procCmdline(pid), []byte{0})
		if len(args) > 3 && string(args[1]) == workerVerb && string(args[3]) == stateDir {
			pids = append(pids, pid)
		}
	}
	return pids
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if !poll.True(10*time.Second, 5*time.Millisecond, cond) {
		t.Fatalf("timed out waiting for %s", what)
	}
}
