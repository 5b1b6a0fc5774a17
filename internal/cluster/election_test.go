package cluster

import (
	"testing"
	"time"
)

func TestElectNoLock(t *testing.T) {
	c := func(pnn uint32, started time.Duration, flags uint32, capable bool) Candidate {
		return Candidate{PNN: pnn, Started: at(started), Flags: flags, Capable: capable}
	}
	cases := []struct {
		name   string
		cands  []Candidate
		want   uint32
		wantOK bool
	}{
		{"empty", nil, 0, false},
		{"single capable", []Candidate{c(3, 0, 0, true)}, 3, true},
		{"longest running wins", []Candidate{c(0, 20*sec, 0, true), c(1, 10*sec, 0, true), c(2, 30*sec, 0, true)}, 1, true},
		{"tie goes to higher pnn", []Candidate{c(4, 10*sec, 0, true), c(2, 10*sec, 0, true), c(7, 10*sec, 0, true)}, 7, true},
		{"tie order independent", []Candidate{c(7, 10*sec, 0, true), c(4, 10*sec, 0, true)}, 7, true},
		{"banned longest runner loses", []Candidate{c(0, 0, banned, true), c(1, 10*sec, 0, true)}, 1, true},
		{"stopped loses", []Candidate{c(0, 0, stopped, true), c(1, 10*sec, 0, true)}, 1, true},
		{"disconnected loses", []Candidate{c(0, 0, disc, true), c(1, 10*sec, 0, true)}, 1, true},
		{"deleted loses", []Candidate{c(0, 0, deleted, true), c(1, 10*sec, 0, true)}, 1, true},
		{"incapable loses", []Candidate{c(0, 0, 0, false), c(1, 10*sec, 0, true)}, 1, true},
		{"unhealthy may win", []Candidate{c(0, 0, unh, true), c(1, 10*sec, 0, true)}, 0, true},
		{"nobody can lead", []Candidate{c(0, 0, banned, true), c(1, 0, 0, false)}, 0, false},
		{"unknown start ranks last", []Candidate{{PNN: 9, Capable: true}, c(1, 50*sec, 0, true)}, 1, true},
		{"unknown starts tie by pnn", []Candidate{{PNN: 2, Capable: true}, {PNN: 5, Capable: true}}, 5, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ElectNoLock(tc.cands)
			if ok != tc.wantOK || (ok && got != tc.want) {
				t.Errorf("ElectNoLock = (%d, %v), want (%d, %v)", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestCandidatesFromViews(t *testing.T) {
	views := map[uint32]NodeView{
		2: {PNN: 2, Flags: banned, Started: at(1 * sec), LeaderCapable: true},
		0: {PNN: 0, Flags: 0, Started: at(3 * sec), LeaderCapable: false},
		1: {PNN: 1, Flags: unh, Started: at(2 * sec), LeaderCapable: true},
	}
	got := CandidatesFromViews(views)
	want := []Candidate{
		{PNN: 0, Started: at(3 * sec), Flags: 0, Capable: false},
		{PNN: 1, Started: at(2 * sec), Flags: unh, Capable: true},
		{PNN: 2, Started: at(1 * sec), Flags: banned, Capable: true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d candidates, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("candidate %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if w, ok := ElectNoLock(got); !ok || w != 1 {
		t.Errorf("winner = %d (ok %v), want 1 (0 incapable, 2 banned)", w, ok)
	}
}
