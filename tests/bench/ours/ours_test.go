package ours

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/bench/procfs"
	"github.com/ctdb-go/ctdb/tests/bench/system"
	"github.com/ctdb-go/ctdb/tests/harness"
)

func newSystem(t *testing.T) *System {
	t.Helper()
	s := NewWith(Options{})
	t.Cleanup(func() { s.Close() })
	if ok, why := s.Available(); !ok {
		t.Fatalf("not available: %s", why)
	}
	return s
}

// NewCluster enables exactly the scripts the options ask for and writes
// the trivial ones.
func TestScriptsFollowOptions(t *testing.T) {
	s := newSystem(t)
	c, err := s.NewCluster(system.ClusterOptions{Base: t.TempDir(), Nodes: 2, TrivialScripts: 3, ReclockScript: true,
		PublicAddresses: "10.97.1.101/24 eth0\n", Tunables: map[string]uint32{"MonitorInterval": 7}})
	if err != nil {
		t.Fatal(err)
	}
	lc := c.(*Cluster).lc
	for i := 0; i < 2; i++ {
		dir := filepath.Join(lc.ConfigDir(i), "events.d")
		want := map[string]bool{"00.ctdb": true, "01.reclock": true, "05.system": false, "10.interface": true,
			"20.trivial1": true, "21.trivial2": true, "22.trivial3": true}
		for name, enabled := range want {
			fi, err := os.Stat(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode()&0o100 != 0; got != enabled {
				t.Errorf("node %d %s enabled=%v, want %v", i, name, got, enabled)
			}
		}
		if b, _ := os.ReadFile(filepath.Join(lc.ConfigDir(i), "ctdb.tunables")); !strings.Contains(string(b), "MonitorInterval=7") {
			t.Errorf("tunables: %q", b)
		}
		if b, _ := os.ReadFile(filepath.Join(lc.ConfigDir(i), "public_addresses")); !strings.Contains(string(b), "10.97.1.101/24") {
			t.Errorf("public_addresses: %q", b)
		}
	}
	if _, err := s.NewCluster(system.ClusterOptions{Base: t.TempDir(), Nodes: 1, TrivialScripts: 71}); err == nil {
		t.Error("71 trivial scripts accepted")
	}
}

// A running node: the tool answers, PIDs lists ctdbd and its recovery
// daemon, Kill and StopAll leave nothing of the cluster behind.
func TestRunningNode(t *testing.T) {
	s := newSystem(t)
	base := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	c, err := s.NewCluster(system.ClusterOptions{Base: base, Nodes: 1, Port: port})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.StopAll() })
	if err := c.Start(0); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := c.Ctdb(0, "pnn"); code != 0 || strings.TrimSpace(out) != "0" {
		t.Fatalf("ctdb pnn: %q %q exit %d", out, errOut, code)
	}
	var names []string
	harness.Until(10*time.Second, 50*time.Millisecond, func() string {
		names = names[:0]
		for _, p := range c.PIDs(0) {
			names = append(names, filepath.Base(procfs.Cmdline(p)[0]))
		}
		if !strings.Contains(strings.Join(names, " "), "ctdb-recoverd") {
			return "no ctdb-recoverd yet"
		}
		return ""
	})
	if len(names) < 2 || names[0] != "ctdbd" || !strings.Contains(strings.Join(names, " "), "ctdb-recoverd") {
		t.Fatalf("PIDs(0) = %v, want ctdbd first and ctdb-recoverd", names)
	}
	pid := c.DaemonPID(0)
	if err := c.Kill(0, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	harness.WaitGone([]int{pid}, 5*time.Second)
	if c.DaemonPID(0) != 0 {
		t.Error("DaemonPID of a killed node is not 0")
	}
	if err := c.StopAll(); err != nil {
		t.Logf("StopAll: %v", err) // it may have had to kill the recovery daemon
	}
	if left := procfs.WithEnv("CTDB_BASE=" + base + "/"); len(left) > 0 {
		t.Errorf("left behind: %s", procfs.Describe(left))
	}
	if _, _, code := c.Ctdb(5, "pnn"); code != -1 {
		t.Error("node 5 of a 1-node cluster accepted")
	}
}
