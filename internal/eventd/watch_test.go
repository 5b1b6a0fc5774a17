package eventd

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// pollSummary runs event until its script summary is want.
func (h *harness) pollSummary(event, want string) {
	h.t.Helper()
	var got string
	waitFor(h.t, "scripts "+want, 3*time.Second, func() bool {
		got = summary(h.mustRun(event, 5*time.Second))
		return got == want
	})
}

func TestWatch_ChangesTakeEffectWithoutRestart(t *testing.T) {
	h := newHarness(t, nil)
	h.script("10.a", `true`)
	h.pollSummary("monitor", "10.a=OK")

	h.script("20.b", `true`)
	h.pollSummary("monitor", "10.a=OK 20.b=OK")

	if err := os.Chmod(filepath.Join(h.dir, "10.a"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.pollSummary("monitor", "10.a=DISABLED 20.b=OK")

	if err := os.Remove(filepath.Join(h.dir, "20.b")); err != nil {
		t.Fatal(err)
	}
	h.pollSummary("monitor", "10.a=DISABLED")

	for _, msg := range []string{"script 20.b added (enabled)", "script 10.a disabled", "script 20.b removed"} {
		if !h.logged(msg) {
			t.Errorf("change not logged: %q", msg)
		}
	}
}

func TestWatch_CachesBetweenChanges(t *testing.T) {
	h := newHarness(t, nil)
	h.script("10.a", `true`)
	h.pollSummary("monitor", "10.a=OK")
	h.waitCached(1)
}

// waitCached waits until the script list of n scripts is served from the
// cache: a sentinel added to the cached list shows in the next get. The
// notifications of the initial writes settle first.
func (h *harness) waitCached(n int) {
	h.t.Helper()
	waitFor(h.t, "a cached scan", 3*time.Second, func() bool {
		h.r.scripts.mu.Lock()
		h.r.scripts.cached = append(h.r.scripts.cached, scriptEntry{Name: "99.sentinel"})
		h.r.scripts.mu.Unlock()
		list, err := h.r.scripts.get()
		return err == nil && len(list) == n+1
	})
}

func TestWatch_UnavailableRescansEveryEvent(t *testing.T) {
	h := newHarnessWatch(t, nil, false)
	h.script("10.a", `true`)
	if got := summary(h.mustRun("monitor", 5*time.Second)); got != "10.a=OK" {
		t.Fatalf("scripts = %q", got)
	}
	h.script("20.b", `true`)
	if got := summary(h.mustRun("monitor", 5*time.Second)); got != "10.a=OK 20.b=OK" {
		t.Errorf("without a watch the new script must be seen at once: %q", got)
	}
}

// A layout with a script directory that does not exist yet (here
// events/legacy, two levels missing) still caches between changes, and
// sees the directory once it is created, with its scripts.
func TestWatch_MissingDirectoryStillCachesAndIsSeenOnCreation(t *testing.T) {
	var legacy string
	h := newHarness(t, func(c *Config) {
		legacy = filepath.Join(filepath.Dir(c.Dir), "events", "legacy")
		c.LegacyDir = legacy
	})
	h.script("10.a", `true`)
	h.pollSummary("monitor", "10.a=OK")
	if !h.r.scripts.watching.Load() {
		t.Fatal("not watching although every missing directory has an existing ancestor")
	}
	h.waitCached(1)

	if err := os.MkdirAll(legacy, 0o755); err != nil {
		t.Fatal(err)
	}
	writeAtomic(t, filepath.Join(legacy, "05.b"+ScriptSuffix), preamble+"true\n", 0o755)
	h.pollSummary("monitor", "05.b=OK 10.a=OK")
	writeAtomic(t, filepath.Join(legacy, "30.c"+ScriptSuffix), preamble+"true\n", 0o755)
	h.pollSummary("monitor", "05.b=OK 10.a=OK 30.c=OK")
}

// A missing script directory created just after watching it failed, before
// its ancestor's watch is in place, gives no event: the watch must still
// find it (this raced in CI: scripts added to it were never seen).
func TestWatch_DirectoryCreatedWhileTheAncestorWatchIsAdded(t *testing.T) {
	var legacy string
	missingDirHook = func(dir string) {
		if dir == legacy {
			if err := os.MkdirAll(legacy, 0o755); err != nil {
				t.Error(err)
			}
		}
	}
	t.Cleanup(func() { missingDirHook = nil })
	h := newHarness(t, func(c *Config) {
		legacy = filepath.Join(filepath.Dir(c.Dir), "events", "legacy")
		c.LegacyDir = legacy
	})
	h.script("10.a", `true`)
	h.pollSummary("monitor", "10.a=OK")
	h.waitCached(1)
	writeAtomic(t, filepath.Join(legacy, "05.b"+ScriptSuffix), preamble+"true\n", 0o755)
	h.pollSummary("monitor", "05.b=OK 10.a=OK")
}
