package cluster

import (
	"testing"
	"time"
)

func TestCanLead(t *testing.T) {
	cases := []struct {
		name    string
		flags   uint32
		capable bool
		active  bool
		want    bool
	}{
		{"healthy capable", 0, true, true, true},
		{"healthy incapable", 0, false, true, false},
		{"unhealthy may lead", unh, true, true, true},
		{"permanently disabled may lead", pdis, true, true, true},
		{"disconnected", disc, true, false, false},
		{"banned", banned, true, false, false},
		{"stopped", stopped, true, false, false},
		{"deleted", deleted, true, false, false},
		{"banned and unhealthy", banned | unh, true, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := IsActive(c.flags); got != c.active {
				t.Errorf("IsActive(0x%x) = %v, want %v", c.flags, got, c.active)
			}
			if got := CanLead(c.flags, c.capable); got != c.want {
				t.Errorf("CanLead(0x%x, %v) = %v, want %v", c.flags, c.capable, got, c.want)
			}
		})
	}
}

func TestPriorityTime(t *testing.T) {
	started := at(0)
	cases := []struct {
		name  string
		flags uint32
		now   time.Duration
		want  time.Time
	}{
		{"active keeps its start", 0, 100 * sec, started},
		{"unhealthy keeps its start", unh, 100 * sec, started},
		{"banned restarts now", banned, 100 * sec, at(100 * sec)},
		{"stopped restarts now", stopped, 50 * sec, at(50 * sec)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := PriorityTime(started, c.flags, at(c.now)); !got.Equal(c.want) {
				t.Errorf("PriorityTime(t0, 0x%x, t0+%v) = %v, want %v", c.flags, c.now, got, c.want)
			}
		})
	}
}

// A node banned for a while ranks behind nodes started after its original
// start once it is active again.
func TestPriorityTimeAfterBanLosesElection(t *testing.T) {
	p := at(0) // node 0 started first
	for _, step := range []struct {
		d     time.Duration
		flags uint32
	}{{10 * sec, 0}, {20 * sec, banned}, {30 * sec, banned}, {40 * sec, 0}} {
		p = PriorityTime(p, step.flags, at(step.d))
	}
	if !p.Equal(at(30 * sec)) {
		t.Fatalf("priority time after ban = %v, want last inactive moment t0+30s", p)
	}
	w, ok := ElectNoLock([]Candidate{
		{PNN: 0, Started: p, Capable: true},
		{PNN: 1, Started: at(5 * sec), Capable: true},
	})
	if !ok || w != 1 {
		t.Fatalf("winner = %d (ok %v), want node 1 that ran without a ban", w, ok)
	}
}
