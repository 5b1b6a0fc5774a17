package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/internal/stats"
)

// statsProtocolVersion is what CTDB prints as "CTDB version" (its
// CTDB_PROTOCOL).
const statsProtocolVersion = 1

// runStatistics: `ctdb statistics`, counters since the daemon started or
// since the last statisticsreset.
func runStatistics(e *env, args []string) error {
	var s protocol.Statistics
	if err := e.call(protocol.OpGetStatistics, nil, &s); err != nil {
		return fmt.Errorf("Failed to get statistics from node %d: %w", e.cmdPNN, err)
	}
	if e.opts.machine {
		writeStatisticsHeader(e.out, e.sep())
		writeStatisticsRow(e.out, e.sep(), s)
		return nil
	}
	writeStatistics(e.out, s)
	return nil
}

// runStatisticsReset: `ctdb statisticsreset`.
func runStatisticsReset(e *env, args []string) error {
	if err := e.call(protocol.OpResetStatistics, nil, nil); err != nil {
		return fmt.Errorf("Failed to reset statistics on node %d: %w", e.cmdPNN, err)
	}
	return nil
}

// runStats: `ctdb stats [COUNT]`, the history of StatHistoryInterval
// periods, newest first. COUNT is read as C's atoi reads it (a
// non-number is 0, meaning all); as in CTDB 4.17, COUNT N shows N+1
// periods when there are that many.
func runStats(e *env, args []string) error {
	count := 0
	if len(args) == 1 {
		count = atoi(args[0])
	}
	var h protocol.StatHistory
	if err := e.call(protocol.OpGetStatHistory, nil, &h); err != nil {
		return fmt.Errorf("Failed to get statistics history from node %d: %w", e.cmdPNN, err)
	}
	periods := h.Periods
	if count > 0 && count+1 < len(periods) {
		periods = periods[:count+1]
	}
	if e.opts.machine {
		writeStatisticsHeader(e.out, e.sep())
		for _, s := range periods {
			writeStatisticsRow(e.out, e.sep(), s)
		}
		return nil
	}
	for _, s := range periods {
		writeStatistics(e.out, s)
	}
	return nil
}

// atoi is C's atoi: leading digits (after an optional sign), else 0.
func atoi(s string) int {
	s = strings.TrimLeft(s, " \t")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' || n > 1<<30 {
			break
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		return -n
	}
	return n
}

// counter is field f of s, 0 if the daemon sent fewer fields.
func counter(s protocol.Statistics, f stats.Field) uint64 {
	if int(f) < len(s.Counters) {
		return s.Counters[f]
	}
	return 0
}

func latency(s protocol.Statistics, l stats.Latency) protocol.LatencyStat {
	if int(l) < len(s.Latencies) {
		return s.Latencies[l]
	}
	return protocol.LatencyStat{}
}

// writeStatistics prints one period in CTDB's human layout.
func writeStatistics(w io.Writer, s protocol.Statistics) {
	printf(w, "CTDB version %d\n", statsProtocolVersion)
	printf(w, "Current time of statistics  :                %s\n", ctime(s.Now))
	printf(w, "Statistics collected since  : (%s) %s\n", interval(s.Start, s.Now), ctime(s.Start))
	group := ""
	for f := stats.Field(0); f < stats.NumFields; f++ {
		fi := stats.Fields[f]
		if fi.Group != "" && fi.Group != group {
			printf(w, " %s\n", fi.Group)
		}
		group = fi.Group
		if fi.Group != "" {
			printf(w, "     %-22s%10d\n", fi.Name, counter(s, f))
		} else {
			printf(w, " %-22s    %10d\n", fi.Name, counter(s, f))
		}
	}
	// Hop counts belong to record migration in volatile databases, lock
	// buckets to record locks: ctdbd has neither, always zero.
	printf(w, " hop_count_buckets:%s\n", strings.Repeat(" 0", 16))
	printf(w, " lock_buckets:%s\n", strings.Repeat(" 0", 16))
	for _, l := range []struct {
		name string
		l    stats.Latency
	}{
		{"locks_latency", stats.LatencyLockwait}, {"reclock_ctdbd", stats.LatencyReclockCtdbd},
		{"reclock_recd", stats.LatencyReclockRecd}, {"call_latency", stats.LatencyCall},
		{"childwrite_latency", stats.LatencyChildwrite},
	} {
		v := latency(s, l.l)
		printf(w, " %-18s MIN/AVG/MAX     %f/%f/%f sec out of %d\n", l.name, v.Min, v.Avg(), v.Max, v.Num)
	}
}

// machineLatencies is the latencies' order in the -X layout.
var machineLatencies = []stats.Latency{stats.LatencyReclockCtdbd, stats.LatencyReclockRecd,
	stats.LatencyCall, stats.LatencyLockwait, stats.LatencyChildwrite}

func writeStatisticsHeader(w io.Writer, sep string) {
	var b strings.Builder
	for _, n := range []string{"CTDB version", "Current time of statistics", "Statistics collected since"} {
		b.WriteString(n + sep)
	}
	for _, fi := range stats.Fields {
		if fi.Group != "" {
			b.WriteString(fi.Group + ".")
		}
		b.WriteString(fi.Name + sep)
	}
	for _, l := range machineLatencies {
		n := stats.LatencyNames[l]
		for _, p := range []string{"num", "min", "avg", "max"} {
			b.WriteString(p + "_" + n + "_latency" + sep)
		}
	}
	printf(w, "%s\n", b.String())
}

func writeStatisticsRow(w io.Writer, sep string, s protocol.Statistics) {
	var b strings.Builder
	fmt.Fprintf(&b, "%d%s%d%s%d%s", statsProtocolVersion, sep, s.Now.Unix(), sep, s.Start.Unix(), sep)
	for f := stats.Field(0); f < stats.NumFields; f++ {
		fmt.Fprintf(&b, "%d%s", counter(s, f), sep)
	}
	for _, l := range machineLatencies {
		v := latency(s, l)
		fmt.Fprintf(&b, "%d%s%f%s%f%s%f%s", v.Num, sep, v.Min, sep, v.Avg(), sep, v.Max, sep)
	}
	printf(w, "%s\n", b.String())
}
