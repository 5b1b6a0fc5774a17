// Package tests runs the real binaries: ctdbd nodes on loopback, the ctdb
// tool, the eventscripts, a real rsyslogd, and a freezable FUSE filesystem.
package tests

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/tests/hangfs"
	"github.com/ctdb-go/ctdb/tests/harness"
	"github.com/ctdb-go/ctdb/tests/labelsrv"
)

var (
	binDir string // the binaries built for this test run
	srcDir string // the source tree (events.d/, functions)
)

func TestMain(m *testing.M) {
	labelsrv.ServeIfAsked()
	// The FUSE tests must mount in a private mount namespace (a mount made
	// in the host namespace leaks into namespaces created later).
	hangfs.ReexecInPrivateMountNS(m)
	os.Exit(runMain(m))
}

// parallelTests is how many t.Parallel tests of this package run at once
// unless -test.parallel says otherwise: they mostly wait on daemons, so
// three fit on two cores, and the two long partition schedules then run
// side by side whatever order Go starts them in.
const parallelTests = 3

func runMain(m *testing.M) int {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		flag.Set("test.parallel", strconv.Itoa(parallelTests))
	}
	var err error
	srcDir, err = filepath.Abs("..")
	if err != nil {
		panic(err)
	}
	tmp, err := os.MkdirTemp("", "ctdb-tests-bin-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(tmp)
	binDir = tmp
	bins := maps.Clone(harness.NodeBinaries)
	maps.Copy(bins, map[string]string{"ctdb_local": "./tools/ctdb_local", "ctdb-config": "./tools/ctdb-config",
		"ctdb-path": "./tools/ctdb-path", "ctdb_etcd_lock": "./tools/ctdb_etcd_lock"})
	if err := harness.Build(srcDir, binDir, bins); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// cluster sets up n local nodes in a temp dir and stops them (and anything
// they left behind) when the test ends.
func cluster(t *testing.T, o localcluster.Options) *localcluster.Cluster {
	t.Helper()
	if o.Nodes == 0 {
		o.Nodes = 1
	}
	o.Base = t.TempDir()
	if o.Port == 0 {
		o.Port = freePort(t)
	}
	o.BinDir, o.SrcDir = binDir, srcDir
	c, err := localcluster.Setup(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.StopAll(30 * time.Second); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			for i := 0; i < c.Nodes; i++ {
				t.Logf("log of node %d:\n%s", i, tail(c.Log(i), 60))
			}
		}
		killLeftovers(t, c.Base)
	})
	return c
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// addScript writes an eventscript into node i's events.d.
func addScript(t *testing.T, c *localcluster.Cluster, i int, name, body string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(c.ConfigDir(i), "events.d", name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func start(t *testing.T, c *localcluster.Cluster, i int) {
	t.Helper()
	if err := c.Start(i); err != nil {
		t.Fatal(err)
	}
}

// ctdb runs the tool as node i and fails the test on a non-zero exit.
func ctdb(t *testing.T, c *localcluster.Cluster, i int, args ...string) string {
	t.Helper()
	out, errOut, code := c.Ctdb(i, args...)
	if code != 0 {
		t.Fatalf("ctdb %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// eventually polls cond every 50 ms until it returns "" or timeout passes.
func eventually(t *testing.T, timeout time.Duration, cond func() string) {
	t.Helper()
	harness.Eventually(t, timeout, cond)
}

func waitRunning(t *testing.T, c *localcluster.Cluster, i int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.WaitRunstate(ctx, i, "RUNNING"); err != nil {
		t.Fatal(err)
	}
}

// nodeFlags returns node i's own flags ("OK", "UNHEALTHY", ...), read
// through the client library; "?" and the error when it cannot be read.
func nodeFlags(c *localcluster.Cluster, i int) string {
	st, err := harness.ReadStatus(c.Socket(i), 5*time.Second)
	if err != nil {
		return "?" + err.Error()
	}
	return st.Flags[st.PNN]
}

// procsUnder lists the live processes whose environment has
// CTDB_BASE under base: the daemons' and everything they started.
func procsUnder(base string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil {
			continue
		}
		for _, kv := range strings.Split(string(env), "\x00") {
			if strings.HasPrefix(kv, "CTDB_BASE="+base) {
				if st, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil && !localcluster.IsZombie(string(st)) {
					pids = append(pids, pid)
				}
				break
			}
		}
	}
	return pids
}

func describePids(pids []int) string {
	var b strings.Builder
	for _, p := range pids {
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p))
		fmt.Fprintf(&b, "%d:%s ", p, strings.ReplaceAll(string(cmd), "\x00", " "))
	}
	return b.String()
}

// killLeftovers kills, by PID, processes a failed test left behind.
func killLeftovers(t *testing.T, base string) {
	var pids []int
	if harness.Until(5*time.Second, 50*time.Millisecond, func() string {
		if pids = procsUnder(base); len(pids) > 0 {
			return "left"
		}
		return ""
	}) == nil {
		return
	}
	t.Errorf("processes left behind: %s", describePids(pids))
	for _, p := range pids {
		syscall.Kill(p, syscall.SIGKILL)
	}
}

// freePort returns a TCP port for a test cluster: every node listens on
// it on its own loopback address (see harness.FreePort).
func freePort(t *testing.T) int {
	t.Helper()
	return harness.MustFreePort(t)
}

// isDaemonPart reports whether pid is one of a node's own long-lived
// processes (the recovery daemon, its lock helper and the address guard),
// not a script.
func isDaemonPart(pid int) bool {
	cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	argv := strings.Split(string(cmd), "\x00")
	switch filepath.Base(argv[0]) {
	case "ctdb-recoverd", "ctdb_mutex_fcntl_helper", "ctdb_ipguard":
		return true
	}
	return false
}

// A test binary started with listenEnv set is a label server (run inside a
// node's network namespace): it answers every connection with its label
// (labelsrv.ServeIfAsked in TestMain).
const (
	listenEnv = labelsrv.ListenEnv
	labelEnv  = labelsrv.LabelEnv
)

// envInt reads a non-negative integer knob (def when unset); a bad value
// fails the test.
func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	n, err := harness.EnvInt(name, def)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// envHold reads a range of seconds, "MIN-MAX" or "N" (def when unset).
func envHold(t *testing.T, name string, def [2]time.Duration) [2]time.Duration {
	t.Helper()
	h, err := harness.EnvHold(name, def)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// envTunables reads extra tunables "Name=V,Name=V" for a local
// investigation (nil when unset).
func envTunables(t *testing.T, name string) map[string]uint32 {
	t.Helper()
	m, err := harness.EnvTunables(name)
	if err != nil {
		t.Fatal(err)
	}
	if m != nil {
		t.Logf("%s: tunables %v", name, m)
	}
	return m
}
