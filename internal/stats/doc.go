// Package stats is the one place that owns ctdbd's counters and
// observations: packet and control counts, recoveries, elections, cluster
// lock latencies, keepalive round trips and the last monitor's per-script
// results. The daemon feeds it through a few calls (Add, ObserveLatency,
// Recovery...); `ctdb statistics`, `ctdb stats` and the Prometheus
// metrics read from it (Statistics, History, Facts).
//
// Counters are kept as running totals since the daemon started. A
// statistics period (since the last `statisticsreset`) and a history
// interval (StatHistoryInterval) are the difference between the total now
// and the total at the period's start, so one Add serves all three.
// Latencies (min/avg/max) cannot be differenced and are accumulated per
// period instead.
package stats
