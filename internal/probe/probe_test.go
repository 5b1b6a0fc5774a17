package probe

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestProbeStatSuccess(t *testing.T) {
	h := newHarness(t)
	h.thaw()
	file := filepath.Join(t.TempDir(), "reclock")
	if err := os.WriteFile(file, []byte("12345"), 0o600); err != nil {
		t.Fatal(err)
	}
	want, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.prober(5*time.Second).Probe(OpStat, file)
	if err != nil {
		t.Fatalf("Probe: %v", err)
	}
	st := res.Stat
	if st == nil || st.Type != "regular" || st.Size != 5 ||
		st.Inode != want.Sys().(*syscall.Stat_t).Ino || !st.Mtime.Equal(want.ModTime()) {
		t.Fatalf("stat = %+v, want regular size 5 inode %d mtime %v", st, want.Sys().(*syscall.Stat_t).Ino, want.ModTime())
	}
	if res.Pid == os.Getpid() {
		t.Fatalf("stat ran in the caller (pid %d), want a worker process", res.Pid)
	}
	res, err = h.prober(5*time.Second).Probe(OpStat, filepath.Dir(file))
	if err != nil || res.Stat.Type != "directory" {
		t.Fatalf("Probe(dir) = %+v, %v; want directory", res, err)
	}
}

func TestProbeStatfsSuccess(t *testing.T) {
	h := newHarness(t)
	h.thaw()
	dir := t.TempDir()
	var want unix.Statfs_t
	if err := unix.Statfs(dir, &want); err != nil {
		t.Fatal(err)
	}
	res, err := h.prober(5*time.Second).Probe(OpStatfs, dir)
	if err != nil {
		t.Fatalf("Probe: %v", err)
	}
	if res.Statfs.Blocks != want.Blocks || res.Statfs.Bsize != want.Bsize || res.Statfs.Type != int64(want.Type) {
		t.Fatalf("statfs = %+v, want blocks %d bsize %d type %#x", res.Statfs, want.Blocks, want.Bsize, want.Type)
	}
}

func TestProbeENOENT(t *testing.T) {
	h := newHarness(t)
	h.thaw()
	missing := filepath.Join(t.TempDir(), "no", "such")
	_, err := h.prober(5*time.Second).Probe(OpStat, missing)
	var fe *FSError
	if !errors.As(err, &fe) || !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("err = %v, want FSError ENOENT", err)
	}
	if got, want := err.Error(), "stat "+missing+": no such file or directory"; got != want {
		t.Fatalf("message %q, want %q", got, want)
	}
	if ExitCode(err) != ExitFSError {
		t.Fatalf("ExitCode = %d, want %d", ExitCode(err), ExitFSError)
	}
}

func TestProbeRejectsRelativePath(t *testing.T) {
	h := newHarness(t)
	_, err := h.prober(time.Second).Probe(OpStat, "relative/reclock")
	if err == nil || ExitCode(err) != ExitLocal || h.starts.Load() != 0 {
		t.Fatalf("err = %v (exit %d), starts %d; want local error, no worker", err, ExitCode(err), h.starts.Load())
	}
}

// A stuck worker: the first caller times out and leaves it; a second caller
// fails at once without starting another one.
func TestTimeoutLeavesOneWorker(t *testing.T) {
	h := newHarness(t)
	p := h.prober(200 * time.Millisecond)
	path := t.TempDir()

	_, err := p.Probe(OpStat, path)
	var te *TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("first probe: err = %v, want TimeoutError", err)
	}
	want := regexp.MustCompile(`^stat ` + regexp.QuoteMeta(path) + `: no answer after 200ms \(probe pid \d+ still running\)$`)
	if !want.MatchString(err.Error()) {
		t.Fatalf("message %q does not match %v", err, want)
	}
	if pids := workersFor(h.stateDir); len(pids) != 1 || pids[0] != te.Pid {
		t.Fatalf("workers after timeout = %v, want exactly [%d]", pids, te.Pid)
	}

	// BusyError is only returned before waiting: the failure is immediate.
	_, err = p.Probe(OpStat, path)
	var be *BusyError
	if !errors.As(err, &be) || be.Pid != te.Pid {
		t.Fatalf("second probe: err = %v, want BusyError for pid %d", err, te.Pid)
	}
	busy := regexp.MustCompile(`^stat ` + regexp.QuoteMeta(path) + `: previous probe \(pid \d+, started [0-9.]+m?s ago\) still running$`)
	if !busy.MatchString(err.Error()) || ExitCode(err) != ExitNoAnswer {
		t.Fatalf("message %q (exit %d) does not match %v / exit 2", err, ExitCode(err), busy)
	}
	if n := h.starts.Load(); n != 1 {
		t.Fatalf("workers started = %d, want 1", n)
	}
	if pids := workersFor(h.stateDir); len(pids) != 1 {
		t.Fatalf("workers running = %v, want 1", pids)
	}
}

// When the stuck worker finally returns, its answer is recorded, and the
// next caller starts a fresh probe.
func TestLateResultRecorded(t *testing.T) {
	h := newHarness(t)
	p := h.prober(150 * time.Millisecond)
	path := t.TempDir()
	if _, err := p.Probe(OpStatfs, path); !IsNoAnswer(err) {
		t.Fatalf("first probe: err = %v, want no answer", err)
	}
	st, err := p.Status(OpStatfs, path)
	if err != nil || st.Outstanding == nil || st.Last != nil {
		t.Fatalf("status while stuck = %+v, %v; want outstanding and no answer", st, err)
	}
	stuck := *st.Outstanding

	h.thaw()
	eventually(t, "late result", func() bool {
		st, err = p.Status(OpStatfs, path)
		return err == nil && st.Last != nil
	})
	if st.Last.Token != stuck.Token || st.Last.Pid != stuck.Pid || st.Last.Err() != nil || st.Last.Statfs == nil {
		t.Fatalf("late result = %+v, want success of pid %d token %s", st.Last, stuck.Pid, stuck.Token)
	}
	if !st.Last.Finished.After(stuck.Deadline) {
		t.Fatalf("late result finished %v, not after the caller's deadline %v", st.Last.Finished, stuck.Deadline)
	}
	eventually(t, "outstanding cleared", func() bool {
		st, err = p.Status(OpStatfs, path)
		return err == nil && st.Outstanding == nil
	})

	res, err := p.Probe(OpStatfs, path)
	if err != nil || res.Token == stuck.Token {
		t.Fatalf("next probe = %+v, %v; want a fresh successful probe", res, err)
	}
	if n := h.starts.Load(); n != 2 {
		t.Fatalf("workers started = %d, want 2", n)
	}
}

// A pid file naming a live process that is not our worker (pid reuse) or a
// dead pid must not block new probes.
func TestPidReuseGuard(t *testing.T) {
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	for name, pid := range map[string]int{"live non-worker": os.Getpid(), "dead": dead.Process.Pid} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			h.thaw()
			p := h.prober(5 * time.Second)
			path := t.TempDir()
			now := time.Now()
			stale := Outstanding{Pid: pid, Token: "0123456789abcdef01234567", Started: now, Deadline: now.Add(time.Hour)}
			if err := writeJSON(filesFor(h.stateDir, OpStat, path).pid, &stale); err != nil {
				t.Fatal(err)
			}
			if _, err := p.Probe(OpStat, path); err != nil {
				t.Fatalf("Probe with stale pid file: %v", err)
			}
			if n := h.starts.Load(); n != 1 {
				t.Fatalf("workers started = %d, want 1", n)
			}
		})
	}
}

func TestConcurrentCallersStartOneWorker(t *testing.T) {
	h := newHarness(t)
	path := t.TempDir()
	errs := make([]error, 10)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = h.prober(300*time.Millisecond).Probe(OpStat, path)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if !IsNoAnswer(err) {
			t.Errorf("caller %d: err = %v, want no answer", i, err)
		}
	}
	if n := h.starts.Load(); n != 1 {
		t.Fatalf("workers started = %d, want 1", n)
	}
	if pids := workersFor(h.stateDir); len(pids) != 1 {
		t.Fatalf("workers running = %v, want 1", pids)
	}
}

// Callers that arrive while a healthy probe is in flight share its answer.
func TestConcurrentCallersShareAnswer(t *testing.T) {
	h := newHarness(t)
	path := t.TempDir()
	results := make([]*Result, 10)
	errs := make([]error, 10)
	var claimed, wg sync.WaitGroup
	claimed.Add(len(errs))
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := h.prober(10 * time.Second)
			p.claimed = claimed.Done
			results[i], errs[i] = p.Probe(OpStat, path)
		}()
	}
	claimed.Wait() // all ten started or joined the (frozen) worker
	h.thaw()
	wg.Wait()
	for i, err := range errs {
		if err != nil || results[i].Token != results[0].Token {
			t.Errorf("caller %d: %+v, %v; want the shared answer %s", i, results[i], err, results[0].Token)
		}
	}
	if n := h.starts.Load(); n != 1 {
		t.Fatalf("workers started = %d, want 1", n)
	}
}

func TestWorkerExitsWithoutAnswer(t *testing.T) {
	dir := t.TempDir()
	start := func(spec WorkerSpec) (Worker, error) {
		return ExecStarter("/bin/sh", nil)(WorkerSpec{StateDir: dir, Token: "x", Op: spec.Op, Path: "-c"})
	}
	// argv: sh worker -s DIR x stat -c  -> sh fails to open "worker" and exits.
	p, err := New(Config{StateDir: dir, Timeout: 5 * time.Second, Start: start})
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	_, err = p.Probe(OpStat, dir)
	if err == nil || IsNoAnswer(err) || !regexp.MustCompile(`exited without an answer`).MatchString(err.Error()) {
		t.Fatalf("err = %v, want 'exited without an answer'", err)
	}
	if time.Since(begin) > 2*time.Second {
		t.Fatalf("took %v: a dead worker should be noticed before the timeout", time.Since(begin))
	}
}

func TestResultErrnoMapping(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.ENOENT, syscall.ENOTCONN, syscall.ECONNABORTED, syscall.EACCES} {
		r := Result{Op: OpStat, Path: "/cluster/lock", Errno: errno, ErrText: errno.Error()}
		err := r.Err()
		if !errors.Is(err, errno) || ExitCode(err) != ExitFSError {
			t.Errorf("%v: err = %v exit %d, want FSError exit 1", errno, err, ExitCode(err))
		}
		if want := "stat /cluster/lock: " + errno.Error(); err.Error() != want {
			t.Errorf("message %q, want %q", err, want)
		}
	}
	if err := (&Result{Op: OpStat, Path: "/x"}).Err(); err != nil {
		t.Errorf("success result: Err() = %v", err)
	}
}

// The pid in a pid file may have been reused by another probe worker (for a
// different key): it is not ours unless its argv carries our token.
func TestPidReuseByOtherWorker(t *testing.T) {
	h := newHarness(t)
	p := h.prober(150 * time.Millisecond)
	a, b := t.TempDir(), t.TempDir()
	_, err := p.Probe(OpStat, a)
	var te *TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("probe a: %v, want timeout", err)
	}
	now := time.Now()
	stale := Outstanding{Pid: te.Pid, Token: "0123456789abcdef01234567", Started: now, Deadline: now.Add(-time.Second)}
	if err := writeJSON(filesFor(h.stateDir, OpStat, b).pid, &stale); err != nil {
		t.Fatal(err)
	}
	_, err = p.Probe(OpStat, b)
	var te2 *TimeoutError
	if !errors.As(err, &te2) || te2.Pid == te.Pid {
		t.Fatalf("probe b: %v; want a timeout of a new worker, not BusyError for pid %d", err, te.Pid)
	}
	if n := h.starts.Load(); n != 2 {
		t.Fatalf("workers started = %d, want 2", n)
	}
}

// Stuck reports a worker only once its first caller gave up on it, and
// no longer once it answered; it starts nothing.
func TestStuckReportsOnlyAWorkerPastItsDeadline(t *testing.T) {
	h := newHarness(t)
	path := t.TempDir()
	if w, err := Stuck(filepath.Join(h.stateDir, "missing"), OpStat, path, time.Now()); w != nil || err != nil {
		t.Fatalf("Stuck without a state directory = %v, %v; want nil, nil", w, err)
	}
	if w, err := Stuck(h.stateDir, OpStat, path, time.Now()); w != nil || err != nil {
		t.Fatalf("Stuck before any probe = %v, %v; want nil, nil", w, err)
	}
	_, err := h.prober(150*time.Millisecond).Probe(OpStat, path)
	var te *TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("probe: err = %v, want TimeoutError", err)
	}
	w, err := Stuck(h.stateDir, OpStat, path, time.Now())
	if err != nil || w == nil || w.Pid != te.Pid {
		t.Fatalf("Stuck after the timeout = %+v, %v; want worker pid %d", w, err, te.Pid)
	}
	if w, _ := Stuck(h.stateDir, OpStat, path, w.Started); w != nil {
		t.Fatalf("Stuck before the deadline = %+v, want nil", w)
	}
	if w, _ := Stuck(h.stateDir, OpStatfs, path, time.Now()); w != nil {
		t.Fatalf("Stuck for another op = %+v, want nil", w)
	}
	if n := h.starts.Load(); n != 1 {
		t.Fatalf("workers started = %d, want 1 (Stuck must start none)", n)
	}
	h.thaw()
	eventually(t, "the answered worker no longer stuck", func() bool {
		w, err := Stuck(h.stateDir, OpStat, path, time.Now())
		return w == nil && err == nil
	})
}
