package clusterlock

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// newTestLocker returns a Locker on argv that is released at cleanup
// (before the leftover check of its lockDir).
func newTestLocker(t *testing.T, argv []string) (*Locker, *recorder) {
	t.Helper()
	log, rec := testLog(t)
	l := NewLocker(argv, log)
	t.Cleanup(l.Release)
	return l, rec
}

// helperArgv runs this test binary as the fcntl helper on file.
func helperArgv(t *testing.T, file string, args ...string) []string {
	return append([]string{testExe(t), file}, args...)
}

// slowArgv runs the helper after a delay: it answers after about delay.
func slowArgv(t *testing.T, delay, file string, args ...string) []string {
	return append([]string{testExe(t), slowVerb, delay, file}, args...)
}

func mustTryLock(t *testing.T, l *Locker, timeout time.Duration, want Result) {
	t.Helper()
	got, err := l.TryLock(timeout)
	if got != want {
		t.Fatalf("TryLock = %s, %v; want %s", got, err, want)
	}
}

// holderPid is the pid of the helper holding l's lock.
func holderPid(l *Locker) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.holder == nil {
		return 0
	}
	return l.holder.pid
}

func TestLockerLockPingRelease(t *testing.T) {
	t.Parallel()
	file := lockFile(t)
	a, _ := newTestLocker(t, helperArgv(t, file, "0.3", "0.5", "1"))
	b, _ := newTestLocker(t, helperArgv(t, file, "0", "0", "0"))
	if err := a.Ping(); !errors.Is(err, ErrNotHeld) {
		t.Errorf("Ping before TryLock: %v, want ErrNotHeld", err)
	}
	mustTryLock(t, a, 5*time.Second, ResultLocked)
	if !a.Held() {
		t.Fatal("Held() false after ResultLocked")
	}
	if _, _, ok := a.Pending(); ok {
		t.Error("Pending() reports the holding helper")
	}
	lost := a.Lost()
	mustTryLock(t, a, time.Second, ResultLocked) // already held: no new helper
	// Pinging keeps the lock across several ping timeouts and re-checks.
	// Deliberate pause: pings paced every 100 ms (in the loop's post statement) over 1.5 s.
	for end := time.Now().Add(1500 * time.Millisecond); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if err := a.Ping(); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	}
	if isClosed(lost) || !a.Held() {
		t.Fatal("lock lost while pinging")
	}
	mustTryLock(t, b, 5*time.Second, ResultContended)
	pid := holderPid(a)
	a.Release()
	if a.Held() {
		t.Error("Held() true after Release")
	}
	if err := a.Ping(); !errors.Is(err, ErrNotHeld) {
		t.Errorf("Ping after Release: %v, want ErrNotHeld", err)
	}
	eventually(t, 5*time.Second, "the released helper to exit", func() bool { return !alive(pid) })
	mustTryLock(t, b, 5*time.Second, ResultLocked)
	if isClosed(lost) {
		t.Error("Release closed Lost()")
	}
}

func TestLockerLostWithoutPings(t *testing.T) {
	t.Parallel()
	file := lockFile(t)
	l, rec := newTestLocker(t, helperArgv(t, file, "0", "0.5", "0"))
	mustTryLock(t, l, 5*time.Second, ResultLocked)
	start := time.Now()
	select {
	case <-l.Lost():
	case <-time.After(5 * time.Second):
		t.Fatal("lock not lost without pings")
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("lost after %v, before the 0.5s ping timeout", d)
	}
	if l.Held() {
		t.Error("Held() true after Lost()")
	}
	eventually(t, 5*time.Second, "helper stderr in the log", func() bool {
		return rec.has("ping timeout from parent") && rec.has("cluster lock lost")
	})
	// The next attempt takes the lock again once the old helper has gone.
	mustTryLock(t, l, 5*time.Second, ResultLocked)
}

func TestLockerLostWhenFileRemoved(t *testing.T) {
	t.Parallel()
	file := lockFile(t)
	l, rec := newTestLocker(t, helperArgv(t, file, "0.3", "0", "2"))
	mustTryLock(t, l, 5*time.Second, ResultLocked)
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	select {
	case <-l.Lost():
	case <-time.After(5 * time.Second):
		t.Fatal("lock not lost after the lock file was removed")
	}
	eventually(t, 5*time.Second, "the reason in the log", func() bool { return rec.has("open failed") })
}

func TestLockerOneOutstandingHelper(t *testing.T) {
	t.Parallel()
	file := lockFile(t)
	l, _ := newTestLocker(t, slowArgv(t, "1.2", file, "0", "0", "0"))
	mustTryLock(t, l, 200*time.Millisecond, ResultTimeout)
	pid, since, ok := l.Pending()
	if !ok || since.IsZero() {
		t.Fatalf("Pending() = %d, %v, %v after a timeout", pid, since, ok)
	}
	eventually(t, 2*time.Second, "the helper to be started", func() bool { pid, _, _ = l.Pending(); return pid > 0 })
	mustTryLock(t, l, 200*time.Millisecond, ResultTimeout)
	if n := len(processesOf(filepath.Dir(file))); n != 1 {
		t.Fatalf("%d helper processes after two attempts, want 1", n)
	}
	// A third attempt waits on the same helper and gets its late '0'.
	mustTryLock(t, l, 5*time.Second, ResultLocked)
	if got := holderPid(l); got != pid {
		t.Errorf("holder pid %d, want the first helper %d", got, pid)
	}
	if _, _, ok := l.Pending(); ok {
		t.Error("Pending() true while held")
	}
}

func TestLockerLateLockIsReleased(t *testing.T) {
	t.Parallel()
	file := lockFile(t)
	l, rec := newTestLocker(t, slowArgv(t, "0.5", file, "0", "0", "0"))
	mustTryLock(t, l, 100*time.Millisecond, ResultTimeout)
	// Nobody waits when the helper answers '0': it must be released.
	eventually(t, 5*time.Second, "the late helper to be released", func() bool {
		_, _, pending := l.Pending()
		return rec.has("after the caller gave up") && !pending
	})
	if l.Held() {
		t.Error("Held() true for a lock nobody waited for")
	}
	eventuallyAnswer(t, file, ResultLocked, 5*time.Second)
}

func TestLockerWaitsForReleasedHelperToExit(t *testing.T) {
	t.Parallel()
	dir := lockDir(t)
	file := filepath.Join(dir, "reclock")
	// The helper ignores SIGTERM for a while, like one stuck on a hung
	// filesystem: it runs "trap '' TERM; sleep 1; exec helper".
	script := writeScript(t, dir, "stubborn", "trap '' TERM\nsleep 0.6\nexec \""+testExe(t)+"\" \""+file+"\" 0 0 0\n")
	l, _ := newTestLocker(t, []string{script})
	mustTryLock(t, l, 100*time.Millisecond, ResultTimeout)
	eventually(t, 2*time.Second, "the helper to be started", func() bool { pid, _, _ := l.Pending(); return pid > 0 })
	first, _, _ := l.Pending()
	l.Release()
	// The released helper has not exited: no second process may start.
	mustTryLock(t, l, 100*time.Millisecond, ResultTimeout)
	if pid, _, ok := l.Pending(); !ok || pid != first {
		t.Fatalf("Pending() = %d, %v; want the released helper %d", pid, ok, first)
	}
	// Once it has gone, the next attempt starts a new helper.
	mustTryLock(t, l, 5*time.Second, ResultLocked)
	if got := holderPid(l); got == first || got == 0 {
		t.Errorf("holder pid %d, want a new helper (not %d)", got, first)
	}
}

func TestLockerScriptHelpers(t *testing.T) {
	t.Parallel()
	dir := lockDir(t)
	cases := []struct {
		name, body string
		want       Result
		err        error
	}{
		{"contention", "printf 1\n", ResultContended, nil},
		{"error", "echo 'cannot reach the cluster' >&2\nprintf 3\n", ResultError, errHelperFailed},
		{"timeout answer", "printf 2\n", ResultTimeout, nil},
		{"no answer", "exit 0\n", ResultError, ErrNoAnswer},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			argv, err := ParseSpec("!"+writeScript(t, dir, "h", c.body)+" a b", "/unused")
			if err != nil {
				t.Fatal(err)
			}
			l, rec := newTestLocker(t, argv)
			got, err := l.TryLock(5 * time.Second)
			if got != c.want || !errors.Is(err, c.err) {
				t.Errorf("TryLock = %s, %v; want %s, %v", got, err, c.want, c.err)
			}
			if c.want == ResultError && c.err == errHelperFailed {
				eventually(t, 5*time.Second, "the helper's stderr in the log", func() bool { return rec.has("cannot reach the cluster") })
			}
		})
	}
	t.Run("bad answer", func(t *testing.T) {
		l, _ := newTestLocker(t, []string{writeScript(t, dir, "h", "printf x\n")})
		if got, err := l.TryLock(5 * time.Second); got != ResultError || err == nil {
			t.Errorf("TryLock = %s, %v; want an error", got, err)
		}
	})
	t.Run("empty argv", func(t *testing.T) {
		l, _ := newTestLocker(t, nil)
		if got, err := l.TryLock(5 * time.Second); got != ResultError || err == nil {
			t.Errorf("TryLock = %s, %v; want an error", got, err)
		}
	})
	t.Run("missing binary", func(t *testing.T) {
		l, _ := newTestLocker(t, []string{filepath.Join(dir, "no-such-helper")})
		if got, err := l.TryLock(5 * time.Second); got != ResultError || err == nil {
			t.Errorf("TryLock = %s, %v; want a start error", got, err)
		}
	})
	// A CTDB-style helper that ignores stdin and holds until SIGTERM; its
	// child (sleep) is in its process group and goes too.
	t.Run("released by SIGTERM", func(t *testing.T) {
		l, _ := newTestLocker(t, []string{writeScript(t, dir, "h", "printf 0\nsleep 30\n")})
		mustTryLock(t, l, 5*time.Second, ResultLocked)
		pid := holderPid(l)
		l.Release()
		eventually(t, 5*time.Second, "the helper's process group to go", func() bool { return !groupAlive(pid) })
	})
	// A helper whose exit is the only sign of loss (a grandchild keeps its
	// stdout open): exit counts as lost too.
	// It exits only once the test has seen the lock taken (the file go
	// exists): an exit racing the answer may count as released instead.
	t.Run("exit means lost", func(t *testing.T) {
		goFile := filepath.Join(dir, "exit-now")
		l, _ := newTestLocker(t, []string{writeScript(t, dir, "h",
			"printf 0\n(sleep 5) &\nwhile [ ! -e "+goFile+" ]; do sleep 0.01; done\nexit 0\n")})
		mustTryLock(t, l, 5*time.Second, ResultLocked)
		if err := os.WriteFile(goFile, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		select {
		case <-l.Lost():
		case <-time.After(5 * time.Second):
			t.Fatal("helper exit not reported as lost")
		}
	})
}

// writeScript writes an executable sh script named name+counter in dir.
func writeScript(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name+strconv.Itoa(int(scriptSeq.Add(1))))
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

var scriptSeq atomic.Int32
