package ctdbref

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/bench/procfs"
	"github.com/ctdb-go/ctdb/tests/bench/system"
	"github.com/ctdb-go/ctdb/tests/harness"
	"github.com/ctdb-go/ctdb/tests/harness/poll"
	"github.com/ctdb-go/ctdb/tests/harness/suite"
	"github.com/ctdb-go/ctdb/tests/netns"
)

// healthyTimeout bounds the wait for a whole cluster to be OK with a
// leader; 4.17 in test mode needs about 15 s here.
const healthyTimeout = 90 * time.Second

// status is what the tests read from `ctdb status`.
type status struct {
	flags  map[int]string // pnn -> "OK", "DISCONNECTED|UNHEALTHY|INACTIVE"...
	leader int            // -1 when unknown
}

// parseStatus reads the node lines and the Leader line of `ctdb status`
// (CTDB's -X output has no leader).
func parseStatus(out string) status {
	ts, _ := harness.ParseToolStatus(out)
	return status{flags: ts.Flags, leader: ts.LeaderPNN()}
}

func TestParseStatus(t *testing.T) {
	st := parseStatus("Number of nodes:3\npnn:0 10.97.0.1        OK (THIS NODE)\n" +
		"pnn:1 10.97.0.2        DISCONNECTED|UNHEALTHY|INACTIVE\npnn:2 10.97.0.3        OK\n" +
		"Generation:1\nSize:2\nhash:0 lmaster:0\nRecovery mode:NORMAL (0)\nLeader:2\n")
	if st.leader != 2 || st.flags[0] != "OK" || st.flags[1] != "DISCONNECTED|UNHEALTHY|INACTIVE" || len(st.flags) != 3 {
		t.Errorf("parsed %+v", st)
	}
	if parseStatus("Leader:UNKNOWN\n").leader != -1 {
		t.Error("unknown leader not -1")
	}
}

// waitStatus polls `ctdb status` on node via until ok accepts it.
func waitStatus(t *testing.T, c system.Cluster, via int, d time.Duration, what string, ok func(status) bool) status {
	t.Helper()
	var last string
	var st status
	if poll.True(d, 250*time.Millisecond, func() bool {
		out, errOut, code := c.Ctdb(via, "status")
		last = fmt.Sprintf("exit %d\n%s%s", code, out, errOut)
		st = parseStatus(out)
		return code == 0 && ok(st)
	}) {
		return st
	}
	t.Fatalf("no %s within %v; last `ctdb status` on node %d: %s\nlog of node %d:\n%s",
		what, d, via, last, via, lastLines(c.Log(via), 40))
	return status{}
}

// allOK accepts a status where the given nodes are OK, the others
// disconnected, and the leader is one of the OK nodes.
func allOK(n int, down ...int) func(status) bool {
	isDown := map[int]bool{}
	for _, d := range down {
		isDown[d] = true
	}
	return func(st status) bool {
		if len(st.flags) != n || st.leader < 0 || isDown[st.leader] {
			return false
		}
		for pnn, f := range st.flags {
			if isDown[pnn] != strings.Contains(f, "DISCONNECTED") || (!isDown[pnn] && f != "OK") {
				return false
			}
		}
		return true
	}
}

// skipUnlessAvailable skips process tests in -short mode and where the
// package cannot run.
func skipUnlessAvailable(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts real CTDB daemons (-short)")
	}
	if ok, why := New().Available(); !ok {
		suite.Skip(t, suite.CTDB, why)
	}
}

// newCluster makes a cluster under a fresh directory, or skips. Its
// cleanup stops it and checks, in /proc, that no process of it is left.
func newCluster(t *testing.T, sys system.System, o system.ClusterOptions) system.Cluster {
	t.Helper()
	skipUnlessAvailable(t)
	if o.Base == "" {
		o.Base = t.TempDir()
	}
	c, err := sys.NewCluster(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s %s under %s", sys.Name(), sys.Version(), o.Base)
	t.Cleanup(func() {
		if err := c.StopAll(); err != nil {
			t.Errorf("StopAll: %v", err)
		}
		if left := procfs.WithEnv(nodeMark + "=" + o.Base + "/"); len(left) > 0 {
			t.Errorf("processes left after StopAll: %s", procfs.Describe(left))
			for _, p := range left {
				_ = syscall.Kill(p, syscall.SIGKILL)
			}
		}
	})
	return c
}

func startAll(t *testing.T, c system.Cluster, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if err := c.Start(i); err != nil {
			t.Fatal(err)
		}
	}
}

func TestClusterComesUpRecoversAndStops(t *testing.T) {
	t.Parallel()
	port := harness.MustFreePort(t)
	c := newCluster(t, New(), system.ClusterOptions{Nodes: 3, Port: port, TrivialScripts: 2,
		Tunables: map[string]uint32{"MonitorInterval": 5}})
	t0 := time.Now()
	startAll(t, c, 3)
	st := waitStatus(t, c, 0, healthyTimeout, "healthy cluster", allOK(3))
	t.Logf("3 nodes OK, leader %d, %v after the first Start", st.leader, time.Since(t0).Round(time.Millisecond))

	if !strings.Contains(c.Log(1), fmt.Sprintf("127.0.0.2:%d: connected to", port)) {
		t.Errorf("node 1's log shows no connection on port %d:\n%s", port, lastLines(c.Log(1), 30))
	}
	if out, _, _ := c.Ctdb(2, "getvar", "MonitorInterval"); strings.Join(strings.Fields(out), " ") != "MonitorInterval = 5" {
		t.Errorf("getvar MonitorInterval = %q, want 5 from ctdb.tunables", out)
	}
	waitEvent(t, c, 0, "20.trivial1", "21.trivial2", "00.ctdb")
	checkPIDs(t, c, st.leader, true)

	victim := st.leader
	survivor := (victim + 1) % 3
	if err := c.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	st = waitStatus(t, c, survivor, healthyTimeout, "recovery without node "+strconv.Itoa(victim), allOK(3, victim))
	t.Logf("after kill -9 of leader %d: leader %d, others OK in %v", victim, st.leader, time.Since(t1).Round(time.Millisecond))
	// Its event daemon, recovery daemon and mutex helper follow on their
	// own (the helper checks its parent every few seconds).
	if !waitUntil(15*time.Second, func() bool { return len(c.(*Cluster).nodeProcs(victim)) == 0 }) {
		t.Errorf("killed node %d: processes left: %s", victim, procfs.Describe(c.(*Cluster).nodeProcs(victim)))
	}
	if pid := c.DaemonPID(victim); pid != 0 || c.PIDs(victim) != nil {
		t.Errorf("killed node %d: DaemonPID %d, PIDs %v", victim, pid, c.PIDs(victim))
	}

	if err := c.Start(victim); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, c, victim, healthyTimeout, "healthy cluster after restart", allOK(3))
	if err := c.Stop(survivor); err != nil {
		t.Errorf("Stop(%d): %v", survivor, err)
	}
	if pid := c.DaemonPID(survivor); pid != 0 {
		t.Errorf("node %d still has ctdbd %d after Stop", survivor, pid)
	}
	if !strings.Contains(c.Log(survivor), "Shutdown sequence complete") {
		t.Errorf("node %d did not shut down cleanly:\n%s", survivor, lastLines(c.Log(survivor), 20))
	}
}

// waitEvent waits until node's last monitor event ran every script OK.
func waitEvent(t *testing.T, c system.Cluster, node int, scripts ...string) {
	t.Helper()
	var out string
	ok := waitUntil(30*time.Second, func() bool {
		out, _, _ = c.Ctdb(node, "event", "status", "legacy", "monitor")
		for _, s := range scripts {
			if !containsLine(out, s, "OK") {
				return false
			}
		}
		return true
	})
	if !ok {
		t.Errorf("monitor event on node %d did not run %v OK:\n%s", node, scripts, out)
	}
}

// containsLine says whether some line of out starts with the fields a, b.
func containsLine(out, a, b string) bool {
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == a && f[1] == b {
			return true
		}
	}
	return false
}

// checkPIDs checks that node's PIDs are its ctdbd and the expected
// long-lived helpers, all with the node's CTDB_BASE.
func checkPIDs(t *testing.T, c system.Cluster, node int, leader bool) {
	t.Helper()
	pids := c.PIDs(node)
	if len(pids) == 0 || pids[0] != c.DaemonPID(node) {
		t.Fatalf("PIDs(%d) = %v, DaemonPID %d", node, pids, c.DaemonPID(node))
	}
	comms := map[string]int{}
	for _, p := range pids {
		st, err := procfs.ReadStat(p)
		if err != nil {
			t.Fatalf("PIDs(%d): %d: %v", node, p, err)
		}
		comms[st.Comm]++
	}
	want := map[string]int{"ctdbd": 1, "ctdb_recoverd": 1, "ctdb-eventd": 1}
	if leader {
		want["ctdb_mutex_fcnt"] = 2 // the helper and its fcntl-holding child
	}
	for comm, n := range want {
		if comms[comm] != n {
			t.Errorf("PIDs(%d): %d %s, want %d (all: %v)", node, comms[comm], comm, n, comms)
		}
	}
}

func TestTestModeCluster(t *testing.T) {
	t.Parallel()
	c := newCluster(t, NewWith(Options{TestMode: true}), system.ClusterOptions{Nodes: 3,
		Port: harness.MustFreePort(t), TrivialScripts: 1, Tunables: map[string]uint32{"MonitorInterval": 5}})
	t0 := time.Now()
	startAll(t, c, 3)
	st := waitStatus(t, c, 2, healthyTimeout, "healthy cluster", allOK(3))
	t.Logf("test mode: 3 nodes OK, leader %d, %v after the first Start", st.leader, time.Since(t0).Round(time.Millisecond))
	waitEvent(t, c, 2, "20.trivial1", "00.ctdb")
	checkPIDs(t, c, st.leader, true)

	frozen := (st.leader + 1) % 3
	if err := c.Kill(frozen, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	if err := c.Stop(frozen); err != nil {
		t.Errorf("Stop of a SIGSTOPped node: %v", err)
	}
	if left := c.(*Cluster).nodeProcs(frozen); len(left) > 0 || time.Since(t1) > 15*time.Second {
		t.Errorf("Stop of a SIGSTOPped node took %v, left %s", time.Since(t1), procfs.Describe(left))
	}
	if err := c.StopAll(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if pid := c.DaemonPID(i); pid != 0 || (i != frozen && !strings.Contains(c.Log(i), "Shutdown sequence complete")) {
			t.Errorf("node %d: DaemonPID %d after StopAll; log:\n%s", i, pid, lastLines(c.Log(i), 20))
		}
	}
}

func TestPublicAddressesInNetns(t *testing.T) {
	skipUnlessAvailable(t)
	t.Parallel()
	nw := netns.New(t, 3)
	addrs := make([]string, 3)
	for i, h := range nw.Hosts() {
		addrs[i] = h.Addr.String()
	}
	public := []string{"10.97.1.101", "10.97.1.102", "10.97.1.103"}
	var pa strings.Builder
	for _, ip := range public {
		fmt.Fprintf(&pa, "%s/24 eth0\n", ip)
	}
	// Registered after netns.New, so its cleanup runs before the
	// namespaces go.
	c := newCluster(t, New(), system.ClusterOptions{Nodes: 3, Addrs: addrs, Port: 4379,
		PublicAddresses: pa.String(), Tunables: map[string]uint32{"MonitorInterval": 5},
		Wrap: func(i int, argv []string) []string { return nw.Host(i).Command(argv[0], argv[1:]...).Args }})
	t0 := time.Now()
	startAll(t, c, 3)
	waitStatus(t, c, 0, healthyTimeout, "healthy cluster", allOK(3))
	t.Logf("3 nodes in namespaces OK after %v", time.Since(t0).Round(time.Millisecond))

	var out string
	ok := waitUntil(30*time.Second, func() bool {
		out, _, _ = c.Ctdb(0, "ip")
		for _, ip := range public {
			if !hostedBy(t, nw, out, ip) {
				return false
			}
		}
		return true
	})
	if !ok {
		t.Fatalf("public addresses not hosted where `ctdb ip` says:\n%s", out)
	}
	waitEvent(t, c, 1, "10.interface")
}

// hostedBy says whether `ctdb ip` output gives ip a node and that node's
// namespace has ip on eth0.
func hostedBy(t *testing.T, nw *netns.Net, out, ip string) bool {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) != 2 || f[0] != ip {
			continue
		}
		pnn, err := strconv.Atoi(f[1])
		if err != nil || pnn < 0 || pnn >= 3 {
			return false
		}
		addrs, err := nw.Host(pnn).Addrs("eth0")
		if err != nil {
			t.Logf("addresses of host %d: %v", pnn, err)
			return false
		}
		for _, a := range addrs {
			if a.Addr().String() == ip {
				return true
			}
		}
	}
	return false
}
