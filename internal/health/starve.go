package health

import (
	"fmt"
	"time"
)

// Starvation is the rule that monitoring is never starved: every other
// event cancels a running monitor (as in CTDB), so a stream of events (a
// takeover run every few seconds, each with its ipreallocated) could keep
// the node from ever completing one, and it would stay HEALTHY unchecked.
// A monitor must complete (succeed, fail or time out) at least once every
// MonitorInterval + EventScriptTimeout while the node can be monitored;
// past that bound the node counts as UNHEALTHY, and Reason says why, until
// a monitor completes again.
//
// It is a plain value over plain data: the caller passes the time and
// serialises access.
type Starvation struct {
	Since     time.Time // last completed monitor, or when the watch (re)started
	Cancelled int       // monitors cancelled since then
	Starved   bool
}

// Reset (re)starts the watch at now: the node has just become able to be
// monitored (RUNNING, active).
func (s *Starvation) Reset(now time.Time) { *s = Starvation{Since: now} }

// Ran records one monitor attempt at now. A completed one restarts the
// watch; it returns whether that ended the starvation.
func (s *Starvation) Ran(r Result, now time.Time) (ended bool) {
	if r == Cancelled {
		s.Cancelled++
		return false
	}
	was := s.Starved
	s.Reset(now)
	return was
}

// Check applies the bound at now; it returns whether the node has just
// become starved. A watch never started (zero Since) never starves.
func (s *Starvation) Check(now time.Time, interval, timeout time.Duration) (began bool) {
	if s.Starved || s.Since.IsZero() || now.Sub(s.Since) <= interval+timeout {
		return false
	}
	s.Starved = true
	return true
}

// Reason says why the node is starved, at now.
func (s *Starvation) Reason(now time.Time) string {
	return fmt.Sprintf("no monitor event completed for %.0f s, %d cancelled by other events",
		now.Sub(s.Since).Seconds(), s.Cancelled)
}
