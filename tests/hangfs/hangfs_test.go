package hangfs_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/hangfs"
	"github.com/ctdb-go/ctdb/tests/harness/suite"
)

func TestMain(m *testing.M) {
	runHelperIfAsked()
	hangfs.ReexecInPrivateMountNS(m)
	os.Exit(m.Run())
}

func TestStatThawed(t *testing.T) {
	m := mount(t, hangfs.Options{})
	c := startChild(t, m, "stat")
	if got := c.reply(); got != "ok size=5" {
		t.Fatalf("stat through hangfs: %q, want %q", got, "ok size=5")
	}
	if err := c.waitExit(); err != nil {
		t.Fatalf("stat helper: %v", err)
	}
	if n := m.fs.Blocked(); n != 0 {
		t.Fatalf("Blocked() = %d on a thawed mount", n)
	}
}

func TestFrozenStatBlocksUntilThaw(t *testing.T) {
	m := mount(t, hangfs.Options{})
	m.fs.Freeze()
	c := startChild(t, m, "stat")
	if err := m.fs.WaitBlocked(1, eventually); err != nil {
		t.Fatal(err)
	}
	c.assertStuck("stat")
	if !m.fs.Frozen() || m.fs.Blocked() != 1 {
		t.Fatalf("frozen=%t blocked=%d, want frozen with 1 parked request", m.fs.Frozen(), m.fs.Blocked())
	}

	m.fs.Thaw()
	if got := c.reply(); got != "ok size=5" {
		t.Fatalf("stat after thaw: %q", got)
	}
	if err := c.waitExit(); err != nil {
		t.Fatalf("stat helper: %v", err)
	}
	if m.fs.Frozen() || m.fs.Blocked() != 0 {
		t.Fatalf("after thaw: frozen=%t blocked=%d", m.fs.Frozen(), m.fs.Blocked())
	}
}

// Reads on an fd opened before the freeze must reach hangfs: direct I/O and
// no kernel passthrough.
func TestFrozenReadOnOpenFdBlocks(t *testing.T) {
	m := mount(t, hangfs.Options{})
	c := startChild(t, m, "fd")
	c.expect("open", "ok fd=0")
	c.expect("read 0", "ok n=1") // page cache would answer a 2nd read if cached

	m.fs.Freeze()
	c.send("read 0")
	if err := m.fs.WaitBlocked(1, eventually); err != nil {
		t.Fatal(err)
	}
	c.assertStuck("read")
	m.fs.Thaw()
	if got := c.reply(); got != "ok n=1" {
		t.Fatalf("read after thaw: %q", got)
	}
}

func TestLockConflictAcrossProcesses(t *testing.T) {
	m := mount(t, hangfs.Options{})
	a, b := startChild(t, m, "fd"), startChild(t, m, "fd")
	a.expect("open", "ok fd=0")
	b.expect("open", "ok fd=0")

	a.expect("setlk 0", "ok")
	b.expect("setlk 0", "err EAGAIN")
	b.expect("getlk 0", fmt.Sprintf("ok wrlck pid=%d", a.pid()))
	a.expect("getlk 0", "ok unlck") // own lock never conflicts

	// A exits without unlocking: its close (FLUSH) drops the lock.
	a.stdin.Close()
	if err := a.waitExit(); err != nil {
		t.Fatalf("helper A: %v", err)
	}
	b.expect("getlk 0", "ok unlck")
	b.expect("setlk 0", "ok")
	if _, err := os.Stat(m.backing + "/file"); err != nil {
		t.Fatal(err)
	}
}

func TestLockSecondFdSameProcess(t *testing.T) {
	m := mount(t, hangfs.Options{})
	a, b := startChild(t, m, "fd"), startChild(t, m, "fd")
	a.expect("open", "ok fd=0")
	a.expect("open", "ok fd=1")
	b.expect("open", "ok fd=0")

	a.expect("setlk 0", "ok")
	a.expect("setlk 1", "ok") // same process: POSIX locks don't conflict
	b.expect("setlk 0", "err EAGAIN")

	a.expect("close 1", "ok") // closing any fd drops the process's locks
	b.expect("setlk 0", "ok")
	a.expect("setlk 0", "err EAGAIN")
}

func TestSetlkwWaitsForUnlock(t *testing.T) {
	m := mount(t, hangfs.Options{})
	a, b := startChild(t, m, "fd"), startChild(t, m, "fd")
	a.expect("open", "ok fd=0")
	b.expect("open", "ok fd=0")
	a.expect("setlk 0", "ok")

	b.send("setlkw 0")
	b.assertStuck("setlkw")
	a.expect("unlock 0", "ok")
	if got := b.reply(); got != "ok" {
		t.Fatalf("setlkw after unlock: %q", got)
	}
	a.expect("setlk 0", "err EAGAIN")
}

// A process waiting in F_SETLKW can be killed: hangfs answers the kernel's
// INTERRUPT. The holder's lock stays.
func TestSetlkwInterruptedByKill(t *testing.T) {
	m := mount(t, hangfs.Options{})
	a, b, c := startChild(t, m, "fd"), startChild(t, m, "fd"), startChild(t, m, "fd")
	for _, h := range []*child{a, b, c} {
		h.expect("open", "ok fd=0")
	}
	a.expect("setlk 0", "ok")
	b.send("setlkw 0")
	waitWchan(t, b.pid(), "request_wait_answer")

	start := time.Now()
	if err := b.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := b.waitExit(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("killed setlkw waiter: Wait() = %v, want signal: killed", err)
	}
	t.Logf("setlkw waiter gone %v after SIGKILL", time.Since(start))
	c.expect("setlk 0", "err EAGAIN")
}

// The recovery-lock case: lock calls on an fd opened before the freeze hang.
func TestFrozenSetlkBlocks(t *testing.T) {
	m := mount(t, hangfs.Options{})
	a := startChild(t, m, "fd")
	a.expect("open", "ok fd=0")
	m.fs.Freeze()
	a.send("setlk 0")
	if err := m.fs.WaitBlocked(1, eventually); err != nil {
		t.Fatal(err)
	}
	a.assertStuck("setlk")
	m.fs.Thaw()
	if got := a.reply(); got != "ok" {
		t.Fatalf("setlk after thaw: %q", got)
	}
}

func TestKernelLocksDoNotBlock(t *testing.T) {
	m := mount(t, hangfs.Options{KernelLocks: true})
	a, b := startChild(t, m, "fd"), startChild(t, m, "fd")
	a.expect("open", "ok fd=0")
	b.expect("open", "ok fd=0")
	m.fs.Freeze()
	a.expect("setlk 0", "ok")
	b.expect("setlk 0", "err EAGAIN")
	if n := m.fs.Blocked(); n != 0 {
		t.Fatalf("Blocked() = %d, want kernel-local locks never to reach hangfs", n)
	}
}

// BSD flock() stays in the kernel (CAP_FLOCK_LOCKS off), as on the real
// cluster filesystems: it works and excludes while frozen.
func TestFlockStaysKernelLocal(t *testing.T) {
	m := mount(t, hangfs.Options{})
	a, b := startChild(t, m, "fd"), startChild(t, m, "fd")
	a.expect("open", "ok fd=0")
	b.expect("open", "ok fd=0")
	m.fs.Freeze()
	a.expect("flock 0", "ok")
	b.expect("flock 0", "err EAGAIN")
	if n := m.fs.Blocked(); n != 0 {
		t.Fatalf("Blocked() = %d, want flock never to reach hangfs", n)
	}
}

func TestInterruptibleStatCanBeKilled(t *testing.T) {
	m := mount(t, hangfs.Options{Interruptible: true})
	m.fs.Freeze()
	c := startChild(t, m, "stat")
	if err := m.fs.WaitBlocked(1, eventually); err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := c.waitExit(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("killed stat: Wait() = %v, want signal: killed", err)
	}
	if !m.fs.Frozen() {
		t.Fatal("mount thawed; the kill must work while frozen")
	}
}

func TestUnmountWithBlockedCall(t *testing.T) {
	m := mount(t, hangfs.Options{})
	m.fs.Freeze()
	c := startChild(t, m, "stat")
	if err := m.fs.WaitBlocked(1, eventually); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- m.fs.WaitBlocked(2, eventually) }()

	if err := m.fs.Unmount(); err != nil {
		t.Fatalf("Unmount with a blocked call: %v", err)
	}
	if got := c.reply(); got != "ok size=5" {
		t.Fatalf("blocked stat after Unmount: %q, want it thawed and completed", got)
	}
	if err := <-errc; err != hangfs.ErrClosed {
		t.Fatalf("pending WaitBlocked after Unmount: %v, want ErrClosed", err)
	}
	if isMounted(t, m.mnt) {
		t.Fatalf("%s still mounted", m.mnt)
	}
	select {
	case <-m.fs.Done():
	default:
		t.Fatal("FUSE server still running after Unmount")
	}
	m.fs.Freeze() // no-op after Unmount
	if m.fs.Frozen() {
		t.Fatal("Freeze after Unmount took effect")
	}
}

func TestControlSocket(t *testing.T) {
	m := mount(t, hangfs.Options{})
	sock := t.TempDir() + "/ctl"
	srv, err := hangfs.ListenControl(sock, m.fs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	req := func(line string) string {
		t.Helper()
		out, err := hangfs.ControlRequest(sock, line, eventually)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		return out
	}

	req("freeze")
	c := startChild(t, m, "stat")
	if got := req("wait-blocked 1 10s"); got != "blocked=1" {
		t.Fatalf("wait-blocked: %q", got)
	}
	if got := req("status"); got != "frozen=1 blocked=1" {
		t.Fatalf("status while frozen: %q", got)
	}
	if _, err := hangfs.ControlRequest(sock, "wait-blocked 2 0.1", eventually); err == nil ||
		!strings.Contains(err.Error(), "want 2") {
		t.Fatalf("wait-blocked 2 with one parked: %v, want a timeout error", err)
	}
	req("thaw")
	if got := c.reply(); got != "ok size=5" {
		t.Fatalf("stat after thaw via socket: %q", got)
	}
	if got := req("status"); got != "frozen=0 blocked=0" {
		t.Fatalf("status after thaw: %q", got)
	}
	if _, err := hangfs.ListenControl(sock, m.fs); err == nil {
		t.Fatal("second ListenControl on a live socket succeeded")
	}
}

func TestMountErrors(t *testing.T) {
	if ok, why := hangfs.Available(); !ok {
		suite.Skip(t, suite.FUSE, why)
	}
	if _, err := hangfs.Mount(hangfs.Options{Mountpoint: t.TempDir()}); err == nil {
		t.Fatal("Mount without Backing succeeded")
	}
	missing := t.TempDir() + "/missing"
	_, err := hangfs.Mount(hangfs.Options{Backing: missing, Mountpoint: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("Mount with missing backing dir: %v, want an error naming it", err)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Mount with missing backing dir: %v, want ENOENT", err)
	}
}
