package procfs

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/hangfs"
	"github.com/ctdb-go/ctdb/tests/harness"
	"github.com/ctdb-go/ctdb/tests/harness/suite"
)

func TestMain(m *testing.M) {
	hangfs.ReexecInPrivateMountNS(m)
	os.Exit(m.Run())
}

// A stat on a frozen FUSE mount is reported as blocked; a sleeping
// process, the caller and kernel threads are not; the stat is no longer
// reported once the mount thaws and it exits.
func TestBlockedInFS(t *testing.T) {
	if ok, why := hangfs.Available(); !ok {
		suite.Skip(t, suite.FUSE, why)
	}
	dir := t.TempDir()
	back, mnt := filepath.Join(dir, "back"), filepath.Join(dir, "mnt")
	for _, d := range []string{back, mnt} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(back, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	fs, err := hangfs.Mount(hangfs.Options{Backing: back, Mountpoint: mnt})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fs.Unmount() })
	t.Cleanup(fs.Thaw)

	sleeper := exec.Command("sleep", "30")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() })

	fs.Freeze()
	stat := exec.Command("stat", filepath.Join(mnt, "f"))
	if err := stat.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- stat.Wait() }()
	if err := fs.WaitBlocked(1, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	// The filesystem holds the request before the caller's thread has gone
	// to sleep on it: wait for that (bounded).
	if err := harness.Until(5*time.Second, 10*time.Millisecond, func() string {
		if !BlockedInFS(stat.Process.Pid) {
			return "not reported blocked"
		}
		return ""
	}); err != nil {
		t.Errorf("stat pid %d parked in the frozen mount: %v", stat.Process.Pid, err)
	}
	for _, p := range []int{sleeper.Process.Pid, os.Getpid(), 2} {
		if BlockedInFS(p) {
			t.Errorf("pid %d reported blocked", p)
		}
	}
	fs.Thaw()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("stat after the thaw: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("stat still blocked 10 s after the thaw")
	}
	if BlockedInFS(stat.Process.Pid) {
		t.Error("exited stat still reported blocked")
	}
}
