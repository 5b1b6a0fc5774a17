package protocol

import "time"

// Statistics, metrics and diagnostics (range 250-269).
const (
	OpGetStatistics   Op = 250 // Statistics: counters since the last reset
	OpResetStatistics Op = 251 // Empty: statisticsreset
	OpGetStatHistory  Op = 252 // StatHistory: the last StatHistoryInterval periods, newest first
	OpRecdReport      Op = 253 // RecdReport: the recovery daemon reports an election, recovery or lock latency
	OpDebugStall      Op = 254 // DebugStall: hold the daemon's state lock (tests only; refused unless enabled)
)

// LatencyStat is min/sum/max of a latency over a period, in seconds.
type LatencyStat struct {
	Num uint32  `json:"num"`
	Min float64 `json:"min"`
	Max float64 `json:"max"`
	Sum float64 `json:"sum"`
}

// Avg is the mean, 0 when nothing was observed.
func (l LatencyStat) Avg() float64 {
	if l.Num == 0 {
		return 0
	}
	return l.Sum / float64(l.Num)
}

// Statistics is one period of CTDB's statistics: Counters in the order of
// stats.Fields, Latencies in the order of stats.LatencyNames.
type Statistics struct {
	Start     time.Time     `json:"start"`
	Now       time.Time     `json:"now"`
	Counters  []uint64      `json:"counters"`
	Latencies []LatencyStat `json:"latencies"`
}

// StatHistory is the history of statistics periods, newest first.
type StatHistory struct {
	Periods []Statistics `json:"periods"`
}

// RecdReport kinds.
const (
	RecdElection = "election" // this node's recovery daemon started or joined an election
	RecdRecovery = "recovery" // the leader completed a recovery (Seconds: its duration)
	RecdLock     = "lock"     // a cluster lock attempt (Seconds: latency, OK: taken)
)

// RecdReport is a fact from the recovery daemon for the statistics.
type RecdReport struct {
	Kind    string  `json:"kind"`
	Seconds float64 `json:"seconds,omitempty"`
	OK      bool    `json:"ok,omitempty"`
}

// DebugStall asks ctdbd to hold its state lock for Seconds (a frozen main
// loop, for the watchdog test).
type DebugStall struct {
	Seconds float64 `json:"seconds"`
}

func init() {
	Ops[OpGetStatistics] = OpInfo{"GET_STATISTICS", newOf[Empty](), newOf[Statistics]()}
	Ops[OpResetStatistics] = OpInfo{"RESET_STATISTICS", newOf[Empty](), newOf[Empty]()}
	Ops[OpGetStatHistory] = OpInfo{"GET_STAT_HISTORY", newOf[Empty](), newOf[StatHistory]()}
	Ops[OpRecdReport] = OpInfo{"RECD_REPORT", newOf[RecdReport](), newOf[Empty]()}
	Ops[OpDebugStall] = OpInfo{"DEBUG_STALL", newOf[DebugStall](), newOf[Empty]()}
}
