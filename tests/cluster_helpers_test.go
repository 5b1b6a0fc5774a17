package tests

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/tests/harness"
)

// clusterStatus is `ctdb status` as one node sees it.
type clusterStatus struct {
	Flags      map[int]string // pnn -> "OK", "DISCONNECTED|INACTIVE", ...
	Generation string
	Size       int
	RecMode    string
	Leader     string
}

// parseStatusText reads the human output of `ctdb status`. Kept for tests
// written against it; read the status with statusOf (client library).
func parseStatusText(out string) (clusterStatus, bool) {
	ts, ok := harness.ParseToolStatus(out)
	size := 0
	for _, l := range strings.Split(out, "\n") {
		if v, found := strings.CutPrefix(l, "Size:"); found {
			size, _ = strconv.Atoi(v)
		}
	}
	return clusterStatus{Flags: ts.Flags, Generation: ts.Generation, Size: size, RecMode: ts.RecMode, Leader: ts.Leader}, ok
}

// statusOf reads node i's status through the client library.
func statusOf(c *localcluster.Cluster, i int) (clusterStatus, error) {
	st, err := harness.ReadStatus(c.Socket(i), 5*time.Second)
	if err != nil {
		return clusterStatus{Flags: map[int]string{}}, fmt.Errorf("node %d: %w", i, err)
	}
	out := clusterStatus{Flags: st.Flags, Generation: "INVALID", Size: st.Size, RecMode: "RECOVERY (1)", Leader: "UNKNOWN"}
	if st.Generation != 1 {
		out.Generation = fmt.Sprint(st.Generation)
	}
	if st.Normal {
		out.RecMode = "NORMAL (0)"
	}
	if st.Leader >= 0 {
		out.Leader = fmt.Sprint(st.Leader)
	}
	return out, nil
}

// converged says why the given running nodes do not yet agree on one
// leader, one generation and NORMAL mode with the expected flags ("" if
// they do). want maps pnn -> expected flag text as seen from every node.
func converged(c *localcluster.Cluster, running []int, want map[int]string) string {
	sts := map[int]harness.Status{}
	for _, i := range running {
		st, err := harness.ReadStatus(c.Socket(i), 5*time.Second)
		if err != nil {
			return fmt.Sprintf("node %d: %v", i, err)
		}
		sts[i] = st
	}
	return harness.Converged(sts, want)
}

func allOK(n int) map[int]string {
	m := map[int]string{}
	for i := 0; i < n; i++ {
		m[i] = "OK"
	}
	return m
}

func seq(n int) []int { return harness.Seq(n) }

// waitFlags waits until node i shows its own flags as want.
func waitFlags(t *testing.T, c *localcluster.Cluster, i int, want string, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, func() string {
		if f := nodeFlags(c, i); f != want {
			return fmt.Sprintf("node %d flags %s, want %s", i, f, want)
		}
		return ""
	})
}

// waitConverged waits for convergence and returns how long it took.
func waitConverged(t *testing.T, c *localcluster.Cluster, running []int, want map[int]string, timeout time.Duration) time.Duration {
	t.Helper()
	t0 := time.Now()
	eventually(t, timeout, func() string { return converged(c, running, want) })
	return time.Since(t0)
}

func leaderOf(t *testing.T, c *localcluster.Cluster, i int) int {
	t.Helper()
	st, err := statusOf(c, i)
	if err != nil {
		t.Fatal(err)
	}
	l, err := strconv.Atoi(st.Leader)
	if err != nil {
		t.Fatalf("node %d: no leader (%q)", i, st.Leader)
	}
	return l
}

func startAll(t *testing.T, c *localcluster.Cluster) {
	t.Helper()
	errs := make(chan error, c.Nodes)
	for i := 0; i < c.Nodes; i++ {
		go func(i int) { errs <- c.Start(i) }(i)
	}
	for i := 0; i < c.Nodes; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func without(s []int, x int) []int {
	var out []int
	for _, v := range s {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}
