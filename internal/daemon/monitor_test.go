package daemon

import (
	"testing"
	"time"
)

// A run that starts late (a loaded machine) does not push later runs back:
// the cadence stays on the plan. Before, the next run was planned from the
// moment a run really started, and lateness added up (the hung-filesystem
// test saw a third run 2.4 s after the second with MonitorInterval 2).
func TestNextMonitorKeepsTheCadence(t *testing.T) {
	t0 := time.Unix(1000, 0)
	const iv = 2 * time.Second
	for _, c := range []struct {
		name         string
		planned, now time.Duration // after t0
		want         time.Duration
	}{
		{"on time, quick run", 0, 50 * time.Millisecond, 2 * time.Second},
		{"woke 0.4 s late", 0, 450 * time.Millisecond, 2 * time.Second},
		{"run overran the interval", 0, 2500 * time.Millisecond, 2500 * time.Millisecond},
		{"late twice in a row", 2 * time.Second, 2700 * time.Millisecond, 4 * time.Second},
	} {
		got := nextMonitor(t0.Add(c.planned), iv, t0.Add(c.now))
		if want := t0.Add(c.want); !got.Equal(want) {
			t.Errorf("%s: next run at +%v, want +%v", c.name, got.Sub(t0), c.want)
		}
	}
}
