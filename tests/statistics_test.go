package tests

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/tests/harness"
)

// statField is a named value of `ctdb -X statistics` (or one row of -X
// stats).
func statFields(t *testing.T, header, row string) map[string]string {
	t.Helper()
	h, r := strings.Split(header, "|"), strings.Split(row, "|")
	if len(h) != len(r) || len(h) < 60 {
		t.Fatalf("-X statistics: %d names, %d values:\n%s\n%s", len(h), len(r), header, row)
	}
	m := map[string]string{}
	for i := range h {
		m[h[i]] = r[i]
	}
	return m
}

func xStatistics(t *testing.T, c *localcluster.Cluster, i int, args ...string) []map[string]string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(ctdb(t, c, i, append([]string{"-X"}, args...)...)), "\n")
	var out []map[string]string
	for _, row := range lines[1:] {
		out = append(out, statFields(t, lines[0], row))
	}
	return out
}

func num(t *testing.T, m map[string]string, k string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(m[k], 10, 64)
	if err != nil {
		t.Fatalf("%s = %q", k, m[k])
	}
	return v
}

// TestStatisticsCounted: on a real 2-node cluster the counters that exist
// here are counted, statisticsreset restarts them, and stats keeps one
// period per StatHistoryInterval.
func TestStatisticsCounted(t *testing.T) {
	t.Parallel()
	c := cluster(t, localcluster.Options{Nodes: 2, Scripts: []string{"00.ctdb"},
		Tunables: map[string]uint32{"KeepaliveInterval": 1, "MonitorInterval": 1}})
	start(t, c, 0)
	start(t, c, 1)
	var s map[string]string
	if err := harness.Until(30*time.Second, 200*time.Millisecond, func() string {
		s = xStatistics(t, c, 0, "statistics")[0]
		if num(t, s, "keepalive_packets_recv") >= 2 && num(t, s, "num_recoveries") >= 1 && s["num_reclock_recd_latency"] != "" {
			return ""
		}
		return fmt.Sprintf("counters never moved: %v", s)
	}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"num_recoveries", "client_packets_sent", "client_packets_recv", "client.req_control",
		"node_packets_sent", "node_packets_recv", "keepalive_packets_sent", "keepalive_packets_recv",
		"node.req_message", "memory_used", "num_clients", "num_reclock_ctdbd_latency"} {
		if num(t, s, k) == 0 {
			t.Errorf("%s is 0 on a running cluster", k)
		}
	}
	if num(t, s, "node.req_call") != 0 || num(t, s, "locks.num_calls") != 0 {
		t.Errorf("database counters are not 0: %v", s)
	}
	// The leader's recovery daemon took the lock and reports its latency.
	leader, _ := strconv.Atoi(strings.TrimSpace(ctdb(t, c, 0, "leader")))
	if l := xStatistics(t, c, leader, "statistics")[0]; num(t, l, "num_reclock_recd_latency") == 0 {
		t.Errorf("leader %d: no reclock_recd latency: %v", leader, l)
	}

	human := ctdb(t, c, 0, "statistics")
	if !strings.HasPrefix(human, "CTDB version 1\nCurrent time of statistics  :") || !strings.Contains(human, " num_recoveries ") {
		t.Errorf("ctdb statistics:\n%s", human)
	}
	ctdb(t, c, 0, "statisticsreset")
	r := xStatistics(t, c, 0, "statistics")[0]
	if num(t, r, "num_recoveries") != 0 || num(t, r, "keepalive_packets_recv") > 3 || num(t, r, "num_reclock_ctdbd_latency") != 0 {
		t.Errorf("after statisticsreset: %v", r)
	}
	// One history period a second (StatHistoryInterval 1).
	before := len(xStatistics(t, c, 0, "stats"))
	var h []map[string]string
	if harness.Until(10*time.Second, 200*time.Millisecond, func() string {
		if h = xStatistics(t, c, 0, "stats"); len(h) < before+3 {
			return "too few periods"
		}
		return ""
	}) != nil {
		t.Fatalf("history: %d periods, then %d 10 s later", before, len(h))
	}
	for i, p := range h {
		d := num(t, p, "Current time of statistics") - num(t, p, "Statistics collected since")
		if d > 2 || (i > 0 && num(t, p, "Current time of statistics") > num(t, h[i-1], "Current time of statistics")) {
			t.Errorf("period %d: %v", i, p)
		}
	}
	if n := strings.Count(ctdb(t, c, 0, "stats", "1"), "CTDB version 1\n"); n != 2 {
		t.Errorf("stats 1 shows %d periods, want 2 (as CTDB 4.17)", n)
	}
}

// TestStatisticsCountDatabaseWrites: as in CTDB 4.17, every pstore or
// ptrans commit is one childwrite call, with its latency, on each node
// that writes it; `stats` carries them in its periods, statisticsreset
// clears them, and nothing stays pending.
func TestStatisticsCountDatabaseWrites(t *testing.T) {
	t.Parallel()
	const nodes = 2
	c := cluster(t, localcluster.Options{Nodes: nodes, Scripts: []string{"00.ctdb"},
		Tunables: map[string]uint32{"KeepaliveInterval": 1, "MonitorInterval": 5}})
	startAll(t, c)
	waitConverged(t, c, seq(nodes), allOK(nodes), 30*time.Second)
	ctdb(t, c, 0, "attach", "counted.tdb", "persistent")
	before := make([]map[string]string, nodes)
	for i := range before {
		before[i] = xStatistics(t, c, i, "statistics")[0]
	}
	const pstores, ptranses = 4, 2
	for k := 0; k < pstores; k++ {
		ctdb(t, c, k%nodes, "pstore", "counted.tdb", fmt.Sprintf("key%d", k), fmt.Sprintf("value %d", k))
	}
	for k := 0; k < ptranses; k++ {
		cmd := exec.Command(filepath.Join(c.BinDir, "ctdb"), "ptrans", "counted.tdb")
		cmd.Env = c.Env(1)
		cmd.Stdin = strings.NewReader(fmt.Sprintf("\"a%d\" \"1\"\n\"b%d\" \"2\"\n", k, k))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ctdb ptrans: %v\n%s", err, out)
		}
	}
	const commits = pstores + ptranses
	for i := 0; i < nodes; i++ {
		s := xStatistics(t, c, i, "statistics")[0]
		for _, k := range []string{"childwrite_calls", "num_childwrite_latency"} {
			if d := num(t, s, k) - num(t, before[i], k); d != commits {
				t.Errorf("node %d: %s went up by %d after %d commits", i, k, d, commits)
			}
		}
		if num(t, s, "pending_childwrite_calls") != 0 {
			t.Errorf("node %d: pending_childwrite_calls %s after the commits ended", i, s["pending_childwrite_calls"])
		}
		lat, _ := strconv.ParseFloat(s["max_childwrite_latency"], 64)
		if lat <= 0 || lat > 30 {
			t.Errorf("node %d: max_childwrite_latency %s", i, s["max_childwrite_latency"])
		}
		// CTDB counts no locks, calls or read-only delegations for them.
		for _, k := range []string{"locks.num_calls", "total_calls", "client.req_call", "total_ro_delegations"} {
			if num(t, s, k) != num(t, before[i], k) {
				t.Errorf("node %d: %s moved: %s -> %s", i, k, before[i][k], s[k])
			}
		}
	}
	want := num(t, xStatistics(t, c, 0, "statistics")[0], "childwrite_calls")
	if human := ctdb(t, c, 0, "statistics"); !regexp.MustCompile(fmt.Sprintf(`(?m)^ childwrite_calls +%d$`, want)).MatchString(human) {
		t.Errorf("ctdb statistics: want childwrite_calls %d:\n%s", want, human)
	}
	// The history periods (one a second) carry the same writes.
	eventually(t, 10*time.Second, func() string {
		var sum uint64
		for _, p := range xStatistics(t, c, 0, "stats") {
			sum += num(t, p, "childwrite_calls")
		}
		if sum < commits {
			return fmt.Sprintf("ctdb stats: %d childwrite calls, want at least %d", sum, commits)
		}
		return ""
	})
	ctdb(t, c, 0, "statisticsreset")
	if r := xStatistics(t, c, 0, "statistics")[0]; num(t, r, "childwrite_calls") != 0 || num(t, r, "num_childwrite_latency") != 0 {
		t.Errorf("after statisticsreset: childwrite_calls %s, num_childwrite_latency %s", r["childwrite_calls"], r["num_childwrite_latency"])
	}
}
