package suite

import (
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	if Summarize(nil) != nil {
		t.Error("no samples must give no summary")
	}
	s := Summarize([]Sample{{Value: 3}, {Value: 1}, {Value: 2}})
	if s.N != 3 || s.Median != 2 || s.Min != 1 || s.Max != 3 || s.MedianNvr || s.MaxNvr {
		t.Errorf("odd count: %+v", s)
	}
	s = Summarize([]Sample{{Value: 4}, {Value: 1}, {Value: 2}, {Value: 3}})
	if s.Median != 2.5 {
		t.Errorf("even count: median %v, want 2.5", s.Median)
	}
	s = Summarize([]Sample{{Value: 1}, {Never: true, Bound: 60}, {Value: 2}})
	if s.MedianNvr || s.Median != 2 || !s.MaxNvr || s.Never != 1 || s.NeverBound != 60 {
		t.Errorf("one censored of three: %+v", s)
	}
	s = Summarize([]Sample{{Never: true, Bound: 60}, {Never: true, Bound: 60}, {Value: 2}})
	if !s.MedianNvr || s.Finite() {
		t.Errorf("two censored of three: median must be never: %+v", s)
	}
}

func TestCellAndRatio(t *testing.T) {
	s := Summarize([]Sample{{Value: 0.5}, {Value: 0.25}, {Value: 1}})
	if got := cell(s, "s", 3); got != "0.500 s (0.250–1.000)" {
		t.Errorf("cell = %q", got)
	}
	if got := cell(s, "s", 5); !strings.HasSuffix(got, " n=3") {
		t.Errorf("fewer samples than repetitions not shown: %q", got)
	}
	never := Summarize([]Sample{{Never: true, Bound: 60}})
	if got := cell(never, "s", 1); got != "never (>60.0 s)" {
		t.Errorf("never cell = %q", got)
	}
	ref := Summarize([]Sample{{Value: 2}})
	if got := ratio(s, ref); got != "0.25" {
		t.Errorf("ratio = %q", got)
	}
	if got := ratio(s, never); got != "CTDB never" {
		t.Errorf("ratio against never = %q", got)
	}
	neg := Summarize([]Sample{{Value: -1}})
	if got := ratio(neg, ref); got != "" {
		t.Errorf("ratio of a negative median = %q, want none", got)
	}
}

func TestTargets(t *testing.T) {
	sum := func(v float64) *Summary { return Summarize([]Sample{{Value: v}}) }
	cases := []struct {
		name       string
		target     *Target
		ours, ref  *Summary
		met, known bool
	}{
		{"overhead met", targetOverhead, sum(0.2), sum(1), true, true},
		{"overhead over half", targetOverhead, sum(0.2), sum(0.3), false, true},
		{"overhead too big", targetOverhead, sum(0.6), sum(5), false, true},
		{"overhead, CTDB negative", targetOverhead, sum(-3), sum(-2), true, true},
		{"overhead, no CTDB", targetOverhead, sum(0.2), nil, false, false},
		{"half of CTDB", targetHalfCTDB, sum(10), sum(20), true, true},
		{"above half of CTDB", targetHalfCTDB, sum(11), sum(20), false, true},
		{"under 2 s", targetUnder2s, sum(1.5), nil, true, true},
		{"every kill under 0.5 s", targetAllUnderHalfSecond, sum(0.4), nil, true, true},
		{"one kill of five over 0.5 s", targetAllUnderHalfSecond, &Summary{N: 5, Median: 0.1, Min: 0.08, Max: 4.08}, nil, false, true},
		{"zero", targetZero, sum(1), nil, false, true},
	}
	for _, c := range cases {
		met, known := c.target.Check(c.ours, c.ref)
		if met != c.met || known != c.known {
			t.Errorf("%s: met=%v known=%v, want %v %v", c.name, met, known, c.met, c.known)
		}
	}
}

func TestPercentile(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3}
	if p := percentile(xs, 0.5); p != 3 {
		t.Errorf("p50 = %v", p)
	}
	if p := percentile(xs, 0.99); p != 5 {
		t.Errorf("p99 = %v", p)
	}
	if p := percentile(xs, 0.2); p != 1 {
		t.Errorf("p20 = %v", p)
	}
}

func TestParseStatus(t *testing.T) {
	out := `Number of nodes:3
pnn:0 10.97.0.1        OK (THIS NODE)
pnn:1 10.97.0.2        DISCONNECTED|INACTIVE
pnn:2 10.97.0.3        UNHEALTHY
Generation:1045786688
Size:2
hash:0 lmaster:0
hash:1 lmaster:2
Recovery mode:NORMAL (0)
Leader:2
`
	st, ok := ParseStatus(out)
	if !ok || st.This != 0 || st.Generation != "1045786688" || !st.Normal() || st.LeaderPNN() != 2 {
		t.Fatalf("parsed %+v ok=%v", st, ok)
	}
	if !isOK(st.Flags[0]) || !isDisconnected(st.Flags[1]) || !hasFlag(st.Flags[2], "UNHEALTHY") || hasFlag(st.Flags[1], "DISABLED") {
		t.Errorf("flags %v", st.Flags)
	}
	if why := st.Problem(map[int]func(string) bool{1: isOK}); !strings.Contains(why, "node 1") {
		t.Errorf("problem() = %q", why)
	}
	st, ok = ParseStatus("Number of nodes:3\nGeneration:INVALID\nRecovery mode:RECOVERY (1)\nLeader:UNKNOWN\n")
	if !ok || st.Normal() || st.LeaderPNN() != -1 || st.Problem(nil) == "" {
		t.Errorf("recovering cluster parsed as settled: %+v", st)
	}
	if _, ok := ParseStatus("connection refused"); ok {
		t.Error("garbage parsed as a status")
	}
}

func TestSelect(t *testing.T) {
	all := allScenarios()
	got, err := selectScenarios(all, []string{"scale", "hung-fs"})
	if err != nil || len(got) != 2 || got[0].Name != "scale" || got[1].Name != "hung-fs" {
		t.Errorf("select = %v, %v", got, err)
	}
	if _, err := selectScenarios(all, []string{"nope"}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown scenario: %v", err)
	}
	var stderr strings.Builder
	if _, err := parseFlags([]string{"bench", "-reps", "0"}, &stderr); err == nil {
		t.Error("-reps 0 accepted")
	}
	cfg, err := parseFlags([]string{"bench", "-smoke", "-reps", "7", "-systems", "ctdb-go, ctdb"}, &stderr)
	if err != nil || cfg.Reps != 1 || len(cfg.Systems) != 2 || cfg.Systems[1] != "ctdb" {
		t.Errorf("parse = %+v, %v", cfg, err)
	}
}

func TestRenderTable(t *testing.T) {
	got := renderTable([][]string{{"a", "bb"}, {"ccc", "–"}})
	want := "| a   | bb |\n| --- | -- |\n| ccc | –  |\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// A system that is not available shows "n/a" and its reason in every row;
// the ratio and the target use the other two columns.
func TestReportRows(t *testing.T) {
	sc := Scenario{Name: "demo", About: "a demo",
		Metrics: func(*Env) []Metric {
			return []Metric{{Name: "latency", Unit: "ms", Target: targetNoSlower}, {Name: "size", Unit: "MiB"}}
		}}
	rep := &Report{Config: Config{Reps: 2}, env: &Env{Reps: 2}, scenarios: []Scenario{sc},
		Systems: []SystemInfo{{Name: "ctdb-go", Available: true}, {Name: "CTDB", Available: true}, {Name: "Other", Reason: "not installed"}},
		Outcomes: []Outcome{
			{Scenario: "demo", System: "ctdb-go", Samples: map[string][]Sample{"latency": {{Value: 1}, {Value: 3}}, "extra": {{Value: 7}}}},
			{Scenario: "demo", System: "CTDB", Samples: map[string][]Sample{"latency": {{Value: 4}, {Value: 4}}}, Errors: []string{"boom\nmore"}},
			{Scenario: "demo", System: "Other", NA: "not installed"},
		}}
	rep.buildRows()
	if len(rep.Rows) != 3 || rep.Rows[2].Metric != "extra" {
		t.Fatalf("rows %+v: want the declared two and the undeclared extra", rep.Rows)
	}
	lat, size := rep.Rows[0], rep.Rows[1]
	if lat.Cells[0] != "2.00 ms (1.00–3.00)" || lat.Cells[1] != "4.00 ms (4.00–4.00)" || lat.Cells[2] != "n/a: not installed" {
		t.Errorf("latency cells %q", lat.Cells)
	}
	if lat.Ratio != "0.50" || lat.Target != "no slower than CTDB: met" {
		t.Errorf("latency ratio %q target %q", lat.Ratio, lat.Target)
	}
	if size.Cells[1] != "error: boom" || size.Cells[0] != "no data" {
		t.Errorf("size cells %q", size.Cells)
	}
	table := rep.Table()
	if strings.Count(table, "\n") != 5 || !strings.Contains(table, "| ctdb-go/CTDB |") {
		t.Errorf("table:\n%s", table)
	}
	md := rep.Markdown()
	for _, want := range []string{"a demo", "CTDB: ERROR: boom more", "Other: not run: not installed"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}
