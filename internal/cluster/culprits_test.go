package cluster

import (
	"slices"
	"testing"
	"time"
)

func TestCulpritsSequence(t *testing.T) {
	const grace = 120 * sec
	type step struct {
		at      time.Duration
		op      string // "add", "ban", "forgive"
		pnn     uint32
		credits int
		numNds  int      // for "ban"
		wantBan []uint32 // for "ban"
		want    map[uint32]int
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"credits accumulate within grace", []step{
			{at: 0, op: "add", pnn: 1, credits: 1, want: map[uint32]int{1: 1}},
			{at: 60 * sec, op: "add", pnn: 1, credits: 2, want: map[uint32]int{1: 3}},
			{at: 180 * sec, op: "add", pnn: 1, credits: 1, want: map[uint32]int{1: 4}},
		}},
		{"old transgressions forgiven", []step{
			{at: 0, op: "add", pnn: 1, credits: 5, want: map[uint32]int{1: 5}},
			{at: 120 * sec, op: "add", pnn: 1, credits: 1, want: map[uint32]int{1: 6}},
			{at: 240*sec + 1, op: "add", pnn: 1, credits: 1, want: map[uint32]int{1: 1}},
		}},
		{"per node grace", []step{
			{at: 0, op: "add", pnn: 1, credits: 3},
			{at: 100 * sec, op: "add", pnn: 2, credits: 3},
			{at: 200 * sec, op: "add", pnn: 2, credits: 1, want: map[uint32]int{1: 3, 2: 4}},
			{at: 200 * sec, op: "add", pnn: 1, credits: 1, want: map[uint32]int{1: 1, 2: 4}},
		}},
		{"ignored credits", []step{
			{at: 0, op: "add", pnn: 1, credits: 0},
			{at: 0, op: "add", pnn: 1, credits: -3},
			{at: 0, op: "add", pnn: unknown, credits: 5, want: map[uint32]int{1: 0, unknown: 0}},
		}},
		{"ban at twice the node count and reset", []step{
			{at: 0, op: "add", pnn: 2, credits: 5},
			{at: 0, op: "add", pnn: 0, credits: 6},
			{at: 0, op: "add", pnn: 1, credits: 9},
			{at: 0, op: "ban", numNds: 3, wantBan: []uint32{0, 1}, want: map[uint32]int{0: 0, 1: 0, 2: 5}},
			{at: 1 * sec, op: "add", pnn: 2, credits: 1},
			{at: 1 * sec, op: "ban", numNds: 3, wantBan: []uint32{2}, want: map[uint32]int{2: 0}},
			{at: 1 * sec, op: "ban", numNds: 3, wantBan: nil},
		}},
		{"takeover failures: numNodes credits each, two ban", []step{
			{at: 0, op: "add", pnn: 3, credits: 4},
			{at: 0, op: "ban", numNds: 4, wantBan: nil},
			{at: 10 * sec, op: "add", pnn: 3, credits: 4},
			{at: 10 * sec, op: "ban", numNds: 4, wantBan: []uint32{3}},
		}},
		{"no nodes bans nobody", []step{
			{at: 0, op: "add", pnn: 0, credits: 1},
			{at: 0, op: "ban", numNds: 0, wantBan: nil, want: map[uint32]int{0: 1}},
		}},
		{"forgive after successful recovery", []step{
			{at: 0, op: "add", pnn: 0, credits: 4},
			{at: 0, op: "add", pnn: 1, credits: 2},
			{at: 5 * sec, op: "forgive", want: map[uint32]int{0: 0, 1: 0}},
			{at: 6 * sec, op: "add", pnn: 0, credits: 1, want: map[uint32]int{0: 1}},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var cu Culprits // zero value is ready
			for i, s := range c.steps {
				switch s.op {
				case "add":
					cu.Add(s.pnn, s.credits, at(s.at), grace)
				case "forgive":
					cu.Forgive()
				case "ban":
					if got := cu.ToBan(s.numNds); !slices.Equal(got, s.wantBan) {
						t.Fatalf("step %d: ToBan(%d) = %v, want %v", i, s.numNds, got, s.wantBan)
					}
				}
				for pnn, want := range s.want {
					if got := cu.Count(pnn); got != want {
						t.Fatalf("step %d (%s %d at +%v): Count(%d) = %d, want %d", i, s.op, s.pnn, s.at, pnn, got, want)
					}
				}
			}
		})
	}
}

func TestBanFromFailures(t *testing.T) {
	cases := []struct {
		name     string
		failures map[uint32]int
		want     uint32
		wantOK   bool
	}{
		{"none", nil, unknown, false},
		{"below threshold", map[uint32]int{0: 2, 1: 1}, unknown, false},
		{"at threshold", map[uint32]int{0: 1, 2: 3}, 2, true},
		{"top node chosen", map[uint32]int{0: 3, 1: 5, 2: 4}, 1, true},
		{"tie goes to lower pnn", map[uint32]int{4: 3, 1: 3, 7: 3}, 1, true},
		{"zeros ignored", map[uint32]int{0: 0, 5: 0}, unknown, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for i := 0; i < 20; i++ { // map order varies between runs
				got, ok := BanFromFailures(c.failures)
				if ok != c.wantOK || got != c.want {
					t.Fatalf("BanFromFailures(%v) = (%d, %v), want (%d, %v)", c.failures, got, ok, c.want, c.wantOK)
				}
			}
		})
	}
}
