// Package health turns monitor-event outcomes into the node's health, with
// CTDB's rule for timeouts: a monitor that times out is not held against the
// node until MonitorTimeoutCount of them happen in a row.
package health

// Result is the outcome of one monitor event.
type Result int

const (
	OK        Result = iota // every script passed
	Failed                  // a script failed (error, cannot run)
	TimedOut                // the event hit EventScriptTimeout
	Cancelled               // another event cancelled it: says nothing
)

func (r Result) String() string {
	return [...]string{"OK", "FAILED", "TIMEDOUT", "CANCELLED"}[r]
}

// Tracker holds the node's health and the run of consecutive timeouts.
// It is a plain value: the caller serialises access.
type Tracker struct {
	Healthy  bool
	Timeouts int // consecutive monitor timeouts so far
}

// NewTracker starts healthy: CTDB's node is not UNHEALTHY before its first
// monitor (it is not RUNNING yet, so it hosts nothing anyway).
func NewTracker() *Tracker { return &Tracker{Healthy: true} }

// Observe records one monitor result. timeoutLimit is MonitorTimeoutCount.
// It returns whether the health changed.
//
// A timeout below the limit changes nothing (CTDB "pretends this is OK",
// which would also clear UNHEALTHY; we keep the previous state instead, so a
// node whose checks now hang does not look healthy again). Reaching the
// limit counts as a failure. Any result other than a timeout ends the run.
func (t *Tracker) Observe(r Result, timeoutLimit int) (changed bool) {
	was := t.Healthy
	switch r {
	case OK:
		t.Timeouts = 0
		t.Healthy = true
	case Failed:
		t.Timeouts = 0
		t.Healthy = false
	case TimedOut:
		t.Timeouts++
		if t.Timeouts >= timeoutLimit {
			t.Healthy = false
		}
	case Cancelled:
	}
	return was != t.Healthy
}
