package tests

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/client"
	"github.com/ctdb-go/ctdb/internal/daemon"
	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

// notification is one line of an sd_notify datagram and when it came.
type notification struct {
	at  time.Time
	msg string
}

// notifySocket is a NOTIFY_SOCKET owned by the test.
type notifySocket struct {
	path string
	ch   chan notification
}

func newNotifySocket(t *testing.T) *notifySocket {
	t.Helper()
	// A short path: unix socket names are limited to 108 bytes.
	dir, err := os.MkdirTemp("", "sdn")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &notifySocket{path: filepath.Join(dir, "notify"), ch: make(chan notification, 1000)}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: s.path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 4096)
		for {
			n, _, err := conn.ReadFromUnix(buf)
			if err != nil {
				return
			}
			at := time.Now()
			for _, line := range strings.Split(strings.TrimSpace(string(buf[:n])), "\n") {
				s.ch <- notification{at, line}
			}
		}
	}()
	return s
}

// until collects notifications until one equals want.
func (s *notifySocket) until(t *testing.T, want string, d time.Duration) []notification {
	t.Helper()
	var got []notification
	timeout := time.After(d)
	for {
		select {
		case n := <-s.ch:
			got = append(got, n)
			if n.msg == want {
				return got
			}
		case <-timeout:
			t.Fatalf("no %q within %v; got %v", want, d, got)
		}
	}
}

// logTime is the time of the first line of node i's log containing msg.
func logTime(t *testing.T, c *localcluster.Cluster, i int, msg string) time.Time {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(c.Log(i)))
	for sc.Scan() {
		if line := sc.Text(); strings.Contains(line, msg) {
			ts, _, _ := strings.Cut(line, " ")
			at, err := time.Parse(time.RFC3339Nano, ts)
			if err != nil {
				t.Fatalf("log line %q: %v", line, err)
			}
			return at
		}
	}
	t.Fatalf("node %d logged no %q", i, msg)
	return time.Time{}
}

// TestSystemdNotify runs ctdbd as systemd would (Type=notify, WatchdogSec=2)
// under a notify socket owned by the test: READY=1 comes only after the
// first recovery and a successful startup event, STATUS= says what the
// daemon waits for, watchdog pings stop while the main loop is frozen and
// resume after, and SIGTERM gives STOPPING=1 and a clean exit.
func TestSystemdNotify(t *testing.T) {
	t.Parallel()
	c := cluster(t, localcluster.Options{Nodes: 1, LogLevel: "INFO", Scripts: []string{"00.ctdb"}})
	// The startup event fails once, then succeeds and notes when.
	addScript(t, c, 0, "99.startonce", `case "$1" in startup)
	[ -e "$CTDB_VARDIR/startup-tried" ] || { touch "$CTDB_VARDIR/startup-tried"; echo "first startup fails"; exit 1; } ;;
esac
exit 0
`, 0o755)
	sock := newNotifySocket(t)

	cmd := exec.Command(filepath.Join(binDir, "ctdbd"))
	cmd.Env = append(c.Env(0), "NOTIFY_SOCKET="+sock.path, "WATCHDOG_USEC=2000000", daemon.DebugStallEnv+"=1")
	started := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})

	got := sock.until(t, "READY=1", 30*time.Second)
	ready := got[len(got)-1].at
	t.Logf("READY=1 %v after start", ready.Sub(started).Round(time.Millisecond))
	if out, _, _ := c.Ctdb(0, "runstate"); strings.TrimSpace(out) != "RUNNING" {
		t.Errorf("runstate at READY=1: %q", out)
	}
	// In order: what it runs and waits for, then READY.
	var statuses []string
	for _, n := range got {
		if s, ok := strings.CutPrefix(n.msg, "STATUS="); ok {
			statuses = append(statuses, s)
		}
	}
	want := []string{"Running the init event", "Running the setup event", "First recovery: waiting for the cluster lock",
		"Running the startup event", "Startup event failed, retrying in 5 s", "Running: node OK, leader 0"}
	if !inOrder(statuses, want) {
		t.Errorf("STATUS lines %q, want in order %q", statuses, want)
	}
	recovered := logTime(t, c, 0, "First recovery done")
	startupOK := logTime(t, c, 0, "Set runstate to RUNNING")
	if !recovered.Before(ready) || !startupOK.Before(ready) || ready.Sub(startupOK) > time.Second {
		t.Errorf("first recovery done at %v, startup done at %v, READY=1 at %v: want READY=1 after both, within 1 s",
			recovered, startupOK, ready)
	}

	// Watchdog: pings every WatchdogSec/2 = 1 s while the loop answers.
	sock.until(t, "WATCHDOG=1", 3*time.Second)
	sock.until(t, "WATCHDOG=1", 3*time.Second)
	cl, err := client.Dial(c.Socket(0), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	const stall = 4 * time.Second
	stallStart := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := cl.Call(ctx, protocol.PNNCurrent, protocol.OpDebugStall, protocol.DebugStall{Seconds: stall.Seconds()}, nil); err != nil {
		t.Fatal(err)
	}
	stallEnd := time.Now()
	// The loop counts as stuck after WatchdogSec/2; one ping may be in
	// flight then. No ping may come in the rest of the stall. The daemon
	// received the call after stallStart, so its lock is held until at
	// least stallOver; from then on a ping may follow the stall's end
	// (a liveness check waiting on the lock completes the moment it is
	// released, and that ping can overtake the call's reply).
	quietFrom := stallStart.Add(time.Second + 1100*time.Millisecond)
	stallOver := stallStart.Add(stall)
	var pingsDuring []time.Duration
	var resumed time.Time
	for resumed.IsZero() {
		n := sock.until(t, "WATCHDOG=1", 3*time.Second)
		switch at := n[len(n)-1].at; {
		case !at.Before(stallOver):
			resumed = at
		case at.After(quietFrom):
			pingsDuring = append(pingsDuring, at.Sub(stallStart))
		}
	}
	if len(pingsDuring) > 0 {
		t.Errorf("watchdog pings at %v into a %v stall (none wanted after %v); first ping after it %v after its end",
			pingsDuring, stall, quietFrom.Sub(stallStart), resumed.Sub(stallOver))
	}
	t.Logf("stall of %v (call returned after %v): pings resumed %v after its end", stall,
		stallEnd.Sub(stallStart).Round(time.Millisecond), resumed.Sub(stallOver).Round(time.Millisecond))

	// Clean stop on SIGTERM, as systemctl stop does.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	sock.until(t, "STOPPING=1", 10*time.Second)
	select {
	case err := <-exited:
		exited <- err
		if err != nil {
			t.Errorf("ctdbd after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("ctdbd still running 20 s after SIGTERM")
	}
	if !strings.Contains(c.Log(0), "Shutdown complete") {
		t.Errorf("no clean shutdown in the log")
	}
}

// inOrder says whether every want string is a substring of a got entry,
// in order.
func inOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && strings.Contains(g, want[i]) {
			i++
		}
	}
	return i == len(want)
}

// TestSystemdUnitVerifies runs systemd-analyze verify on the shipped unit,
// with the binaries' paths pointed at this build.
func TestSystemdUnitVerifies(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	unit, err := os.ReadFile(filepath.Join(srcDir, "etc", "systemd", "ctdb.service"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Type=notify", "WatchdogSec=", "ConditionFileNotEmpty=/etc/ctdb/nodes", "ExecStart=/usr/sbin/ctdbd\n"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("unit has no %q", want)
		}
	}
	text := strings.ReplaceAll(string(unit), "/usr/sbin/ctdbd", filepath.Join(binDir, "ctdbd"))
	path := filepath.Join(t.TempDir(), "ctdb.service")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("systemd-analyze", "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
