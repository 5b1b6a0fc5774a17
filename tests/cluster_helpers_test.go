package tests

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
)

// clusterStatus is `ctdb status` as one node sees it.
type clusterStatus struct {
	Flags      map[int]string // pnn -> "OK", "DISCONNECTED|INACTIVE", ...
	Generation string
	Size       int
	RecMode    string
	Leader     string
}

var nodeLine = regexp.MustCompile(`^pnn:(\d+) \S+\s+(\S+)`)

func parseStatusText(out string) (clusterStatus, bool) {
	st := clusterStatus{Flags: map[int]string{}}
	for _, l := range strings.Split(out, "\n") {
		switch {
		case nodeLine.MatchString(l):
			m := nodeLine.FindStringSubmatch(l)
			pnn, _ := strconv.Atoi(m[1])
			st.Flags[pnn] = m[2]
		case strings.HasPrefix(l, "Generation:"):
			st.Generation = strings.TrimPrefix(l, "Generation:")
		case strings.HasPrefix(l, "Size:"):
			st.Size, _ = strconv.Atoi(strings.TrimPrefix(l, "Size:"))
		case strings.HasPrefix(l, "Recovery mode:"):
			st.RecMode = strings.TrimPrefix(l, "Recovery mode:")
		case strings.HasPrefix(l, "Leader:"):
			st.Leader = strings.TrimPrefix(l, "Leader:")
		}
	}
	return st, st.Generation != "" && st.Leader != ""
}

func statusOf(c *localcluster.Cluster, i int) (clusterStatus, error) {
	out, errOut, code := c.Ctdb(i, "status")
	st, ok := parseStatusText(out)
	if code != 0 || !ok {
		return st, fmt.Errorf("node %d: ctdb status exit %d: %s%s", i, code, out, errOut)
	}
	return st, nil
}

// converged says why the given running nodes do not yet agree on one
// leader, one generation and NORMAL mode with the expected flags ("" if
// they do). want maps pnn -> expected flag text as seen from every node.
func converged(c *localcluster.Cluster, running []int, want map[int]string) string {
	var first *clusterStatus
	for _, i := range running {
		st, err := statusOf(c, i)
		if err != nil {
			return err.Error()
		}
		if st.RecMode != "NORMAL (0)" || st.Leader == "UNKNOWN" || st.Generation == "INVALID" {
			return fmt.Sprintf("node %d: recmode %s leader %s generation %s", i, st.RecMode, st.Leader, st.Generation)
		}
		for pnn, f := range want {
			if st.Flags[pnn] != f {
				return fmt.Sprintf("node %d sees node %d as %s, want %s", i, pnn, st.Flags[pnn], f)
			}
		}
		if first == nil {
			first = &st
			continue
		}
		if st.Leader != first.Leader || st.Generation != first.Generation {
			return fmt.Sprintf("nodes disagree: leader %s/%s generation %s/%s", first.Leader, st.Leader, first.Generation, st.Generation)
		}
	}
	return ""
}

func allOK(n int) map[int]string {
	m := map[int]string{}
	for i := 0; i < n; i++ {
		m[i] = "OK"
	}
	return m
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
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
