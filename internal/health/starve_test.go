package health

import (
	"testing"
	"time"
)

// A fake clock steps through a run of monitors: cancelled ones do not
// restart the watch, a completed one (of any outcome but Cancelled) does.
func TestStarvationBound(t *testing.T) {
	const interval, timeout = 15 * time.Second, 30 * time.Second
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	type step struct {
		at      float64
		ran     *Result // nil: only a check
		starved bool    // Starved after the step
		edge    bool    // the step began or ended starvation
	}
	r := func(x Result) *Result { return &x }
	cases := []struct {
		name  string
		steps []step
	}{
		{"completed monitors keep it fed", []step{
			{15, r(OK), false, false}, {30, r(Failed), false, false}, {75, r(TimedOut), false, false}, {119, nil, false, false},
		}},
		{"the bound is inclusive", []step{{45, nil, false, false}, {45.001, nil, true, true}}},
		{"cancelled monitors do not count", []step{
			{3, r(Cancelled), false, false}, {6, r(Cancelled), false, false}, {44, r(Cancelled), false, false},
			{46, nil, true, true}, {49, r(Cancelled), true, false}, {60, nil, true, false},
			{61, r(OK), false, true}, {100, nil, false, false}, {107, nil, true, true},
		}},
		{"a timed-out monitor completes", []step{{40, r(TimedOut), false, false}, {84, nil, false, false}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s Starvation
			if s.Check(at(1000), interval, timeout) {
				t.Fatal("a watch never started starved")
			}
			s.Reset(t0)
			for i, st := range c.steps {
				var edge bool
				if st.ran != nil {
					edge = s.Ran(*st.ran, at(st.at))
				} else {
					edge = s.Check(at(st.at), interval, timeout)
				}
				if s.Starved != st.starved || edge != st.edge {
					t.Fatalf("step %d (%+v): starved %v edge %v, want %v %v", i, st, s.Starved, edge, st.starved, st.edge)
				}
			}
		})
	}
	var s Starvation
	s.Reset(t0)
	s.Ran(Cancelled, at(5))
	s.Ran(Cancelled, at(9))
	s.Check(at(50), interval, timeout)
	if got, want := s.Reason(at(50)), "no monitor event completed for 50 s, 2 cancelled by other events"; got != want {
		t.Errorf("Reason = %q, want %q", got, want)
	}
}
