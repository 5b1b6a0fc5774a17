package suite

import (
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ctdb-go/ctdb/tests/bench/system"
)

// fakeSys is a system that never builds a cluster: the scenarios below
// record figures without one.
type fakeSys struct{ name, version string }

func (f fakeSys) Name() string              { return f.name }
func (f fakeSys) Version() string           { return f.version }
func (f fakeSys) Available() (bool, string) { return true, "" }
func (f fakeSys) NewCluster(system.ClusterOptions) (system.Cluster, error) {
	return nil, errors.New("no clusters here")
}

// A run writes its progress after every scenario run, and -resume keeps
// the error-free outcomes of the same version and repetitions and runs
// only the rest.
func TestProgressAndResume(t *testing.T) {
	out := t.TempDir()
	runs := map[string]int{}
	scen := func(name string, fail bool) Scenario {
		return Scenario{Name: name, Metrics: func(*Env) []Metric { return []Metric{{Name: "m", Unit: "s"}} },
			Run: func(e *Env, sys system.System, r *Rec) error {
				runs[name+"/"+sys.Name()]++
				for i := 0; i < e.Reps; i++ {
					r.Add("m", float64(i+1))
				}
				if fail {
					return errors.New("broken")
				}
				return nil
			}}
	}
	a, b := scen("a", false), scen("b", true)
	sys := []system.System{fakeSys{"ctdb-go", "1 (abc)"}, fakeSys{"CTDB", "4.17"}}
	cfg := Config{Reps: 2, Out: out}
	rep, err := Run(cfg, sys, []Scenario{a, b}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Partial != "" {
		t.Errorf("finished run marked partial: %q", rep.Partial)
	}
	files, _ := filepath.Glob(filepath.Join(out, "bench-*.json"))
	if len(files) != 1 {
		t.Fatalf("progress files %v, want one JSON", files)
	}
	saved, err := loadReport(files[0])
	if err != nil {
		t.Fatal(err)
	}
	// The last write is the progress after 3 of the 4 runs.
	if saved.Partial != "3 of 4 scenario runs done" || len(saved.Outcomes) != 3 {
		t.Fatalf("progress file: partial %q with %d outcomes, want 3 of 4", saved.Partial, len(saved.Outcomes))
	}
	rep.buildRows()
	if _, err := rep.Write(out); err != nil {
		t.Fatal(err)
	}

	// Resume with a new ctdb-go version: only CTDB's error-free "a" stays.
	cfg.Resume = files[0]
	sys[0] = fakeSys{"ctdb-go", "1 (def)"}
	if _, err := Run(cfg, sys, []Scenario{a, b}, io.Discard); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"a/ctdb-go": 2, "a/CTDB": 1, "b/ctdb-go": 2, "b/CTDB": 2}
	for k, n := range want {
		if runs[k] != n {
			t.Errorf("%s ran %d times, want %d (all: %v)", k, runs[k], n, runs)
		}
	}
	// Other repetitions: nothing is kept.
	cfg.Reps = 3
	if _, err := Run(cfg, sys, []Scenario{a}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if runs["a/CTDB"] != 2 {
		t.Errorf("a/CTDB kept across different repetitions (ran %d times)", runs["a/CTDB"])
	}
	cfg.Resume = filepath.Join(out, "missing.json")
	if _, err := Run(cfg, sys, []Scenario{a}, io.Discard); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("resume from a missing file: %v, want an error naming it", err)
	}
}
