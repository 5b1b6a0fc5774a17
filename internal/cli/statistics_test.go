package cli

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/internal/stats"
)

// referenceStatistics are the counters of the capture in
// testdata/statistics-4.17.txt: human layout first, then -X (taken a
// moment later, so a few counters differ).
func referenceStatistics(machine bool) protocol.Statistics {
	c := make([]uint64, stats.NumFields)
	set := map[stats.Field]uint64{stats.NumClients: 2, stats.NumRecoveries: 1,
		stats.ClientPacketsSent: 214, stats.ClientPacketsRecv: 209, stats.NodePacketsSent: 412,
		stats.NodeReqMessage: 11, stats.NodeReqControl: 202, stats.NodeReplyControl: 199,
		stats.ClientReqMessage: 10, stats.ClientReqControl: 199, stats.MemoryUsed: 80912}
	if machine {
		set[stats.ClientPacketsSent], set[stats.ClientPacketsRecv], set[stats.NodePacketsSent] = 217, 212, 418
		set[stats.NodeReqControl], set[stats.NodeReplyControl], set[stats.ClientReqControl] = 205, 202, 202
	}
	for f, v := range set {
		c[f] = v
	}
	lat := make([]protocol.LatencyStat, stats.NumLatencies)
	lat[stats.LatencyReclockCtdbd] = protocol.LatencyStat{Num: 1, Min: 0.009251, Max: 0.009251, Sum: 0.009251}
	lat[stats.LatencyReclockRecd] = protocol.LatencyStat{Num: 1, Min: 0.017538, Max: 0.017538, Sum: 0.017538}
	return protocol.Statistics{Start: time.Unix(1796298015, 0), Now: time.Unix(1796298027, 0), Counters: c, Latencies: lat}
}

// referenceSection returns the lines of the capture after "### TITLE" up
// to the next "###".
func referenceSection(t *testing.T, title string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/statistics-4.17.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "### "+title+"\n")
	if !ok {
		t.Fatalf("no section %q in the capture", title)
	}
	sec, _, _ := strings.Cut(rest, "###")
	return sec
}

func statsHandler(st protocol.Statistics, hist []protocol.Statistics, resets *int) func(context.Context, protocol.Header, any) (any, error) {
	return func(_ context.Context, h protocol.Header, _ any) (any, error) {
		switch h.Op {
		case protocol.OpGetPNN:
			return protocol.PNNReply{PNN: 0}, nil
		case protocol.OpGetStatistics:
			return st, nil
		case protocol.OpGetStatHistory:
			return protocol.StatHistory{Periods: hist}, nil
		case protocol.OpResetStatistics:
			*resets++
			return nil, nil
		}
		return nil, protocol.Errorf(protocol.StatusUnknownOp, "no %s here", h.Op)
	}
}

func TestStatisticsMatchesCTDB(t *testing.T) {
	// CTDB 4.17's -Y prints the same as -X.
	for _, tc := range []struct {
		args, section string
		machine       bool
	}{{"statistics", "statistics", false}, {"-X statistics", "-X statistics", true}, {"-Y statistics", "-X statistics", true}} {
		path := serveHandler(t, statsHandler(referenceStatistics(tc.machine), nil, new(int)))
		r := runTool(path, nil, strings.Fields(tc.args)...)
		want := referenceSection(t, "ctdb "+tc.section)
		if r.code != 0 || r.stdout != want {
			t.Errorf("ctdb %s: exit %d, stderr %q\n--- got\n%s--- want (CTDB 4.17)\n%s", tc.args, r.code, r.stderr, r.stdout, want)
		}
	}
}

func TestStatsHistoryAndReset(t *testing.T) {
	var hist []protocol.Statistics
	for i := 0; i < 5; i++ {
		s := referenceStatistics(false)
		s.Now = time.Unix(int64(1796298027-i), 0)
		s.Start = s.Now.Add(-time.Second)
		hist = append(hist, s)
	}
	resets := 0
	path := serveHandler(t, statsHandler(referenceStatistics(false), hist, &resets))
	for args, blocks := range map[string]int{"stats": 5, "stats 2": 3, "stats 4": 5, "stats 9": 5, "stats x": 5} {
		r := runTool(path, nil, strings.Fields(args)...)
		if n := strings.Count(r.stdout, "CTDB version 1\n"); r.code != 0 || n != blocks {
			t.Errorf("ctdb %s: exit %d, %d periods, want %d", args, r.code, n, blocks)
		}
	}
	r := runTool(path, nil, "-X", "stats", "1")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if r.code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "CTDB version|") ||
		!strings.HasPrefix(lines[1], "1|1796298027|1796298026|") || !strings.HasPrefix(lines[2], "1|1796298026|1796298025|") {
		t.Errorf("ctdb -X stats 1: exit %d\n%s", r.code, r.stdout)
	}
	if r := runTool(path, nil, "statisticsreset"); r.code != 0 || r.stdout != "" || resets != 1 {
		t.Errorf("statisticsreset: exit %d, output %q, %d resets", r.code, r.stdout, resets)
	}
	if r := runTool(path, nil, "statistics", "extra"); r.code != 1 || !strings.Contains(r.stderr, "statistics") {
		t.Errorf("statistics extra: exit %d, stderr %q", r.code, r.stderr)
	}
}
