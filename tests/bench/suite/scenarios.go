package suite

import (
	"math"
	"sort"
	"time"
)

// allScenarios in the order of the table.
func allScenarios() []Scenario {
	return []Scenario{
		failoverScenario("failover-kill", false),
		failoverScenario("failover-kill-leader", true),
		gracefulDisable(),
		scaleScenario(),
		monitorCost(),
		controlLatency(),
		hungFS(),
		persistentDB(),
	}
}

// Bounds shared by the scenarios. CTDB needs about 25 s for a 3-node
// cluster to settle, more for bigger ones.
const (
	startTimeout   = 240 * time.Second
	recoverTimeout = 60 * time.Second
)

// percentile is the nearest-rank p-quantile (0 < p <= 1) of xs.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	k := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(0, min(k, len(s)-1))]
}

func seconds(d time.Duration) float64 { return d.Seconds() }
func millis(d time.Duration) float64  { return float64(d) / float64(time.Millisecond) }

// Targets from the issue.
var (
	targetNoSlower = &Target{Text: "no slower than CTDB", Check: func(o, r *Summary) (bool, bool) {
		if !o.Finite() || r == nil || !r.Finite() {
			return false, false
		}
		return o.Median <= r.Median, true
	}}
	targetBelowCTDB = &Target{Text: "below CTDB", Check: func(o, r *Summary) (bool, bool) {
		if !o.Finite() || r == nil || !r.Finite() {
			return false, false
		}
		return o.Median < r.Median, true
	}}
	targetUnder2s = &Target{Text: "< 2 s", Check: func(o, _ *Summary) (bool, bool) {
		return o.Finite() && o.Median < 2, o != nil
	}}
	targetZero = &Target{Text: "0", Check: func(o, _ *Summary) (bool, bool) {
		return o.Finite() && o.Max == 0 && !o.MaxNvr, o != nil
	}}
	// targetOverhead: failover overhead beyond detection < 0.5 s and at
	// most half of CTDB's. Half of a negative overhead (kill -9 is noticed
	// before the keepalive bound) means nothing; then ours must not exceed
	// CTDB's.
	targetOverhead = &Target{Text: "< 0.5 s and ≤ ½ CTDB", Check: func(o, r *Summary) (bool, bool) {
		if !o.Finite() {
			return false, o != nil
		}
		if o.Median >= 0.5 {
			return false, true
		}
		if r == nil || !r.Finite() {
			return r != nil && r.MedianNvr, r != nil
		}
		if r.Median <= 0 {
			return o.Median <= r.Median, true
		}
		return o.Median <= r.Median/2, true
	}}
)
