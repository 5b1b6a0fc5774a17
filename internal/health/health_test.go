package health

import "testing"

func TestTrackerSequences(t *testing.T) {
	type step struct {
		r           Result
		healthy     bool
		changed     bool
		timeoutsNow int
	}
	cases := []struct {
		name  string
		limit int
		steps []step
	}{
		{"fail then recover", 20, []step{
			{OK, true, false, 0}, {Failed, false, true, 0}, {Failed, false, false, 0}, {OK, true, true, 0},
		}},
		{"timeouts below limit change nothing", 3, []step{
			{TimedOut, true, false, 1}, {TimedOut, true, false, 2}, {OK, true, false, 0}, {TimedOut, true, false, 1},
		}},
		{"timeouts reach limit", 3, []step{
			{TimedOut, true, false, 1}, {TimedOut, true, false, 2}, {TimedOut, false, true, 3}, {TimedOut, false, false, 4}, {OK, true, true, 0},
		}},
		{"timeout does not clear unhealthy", 20, []step{
			{Failed, false, true, 0}, {TimedOut, false, false, 1}, {Cancelled, false, false, 1}, {Failed, false, false, 0},
		}},
		{"failure resets the timeout run", 2, []step{
			{TimedOut, true, false, 1}, {Failed, false, true, 0}, {OK, true, true, 0}, {TimedOut, true, false, 1}, {TimedOut, false, true, 2},
		}},
		{"limit 1 makes every timeout a failure", 1, []step{{TimedOut, false, true, 1}}},
		{"cancelled says nothing", 20, []step{{Cancelled, true, false, 0}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := NewTracker()
			for i, s := range c.steps {
				changed := tr.Observe(s.r, c.limit)
				if changed != s.changed || tr.Healthy != s.healthy || tr.Timeouts != s.timeoutsNow {
					t.Fatalf("step %d (%v): changed=%v healthy=%v timeouts=%d; want %v %v %d",
						i, s.r, changed, tr.Healthy, tr.Timeouts, s.changed, s.healthy, s.timeoutsNow)
				}
			}
		})
	}
}
