package suite

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ctdb-go/ctdb/tests/bench/system"
)

// Scenario is one benchmark. Run repeats the measurement e.Reps times
// against one system and records samples in r; it cleans up everything it
// started, even on failure, and keeps its runtime bounded. An error means
// the remaining samples were lost; errNotAvailable (from skipf) means the
// scenario cannot run here at all.
type Scenario struct {
	Name    string
	About   string                // what it measures, for the notes
	Metrics func(e *Env) []Metric // the rows, in order
	Run     func(e *Env, sys system.System, r *Rec) error
	Notes   func(e *Env) []string // fixed remarks for the report
}

// Env is what a scenario gets besides the system.
type Env struct {
	Reps  int
	Smoke bool
	Logf  func(format string, args ...any)
	// KeepDir, when set (the -out directory), receives the nodes' logs of
	// repetitions that a scenario finds slow enough to explain.
	KeepDir string
	tmp     string
}

// TempDir makes a fresh directory for one cluster under the run's
// temporary directory (removed at the end of the run).
func (e *Env) TempDir(label string) (string, error) {
	return os.MkdirTemp(e.tmp, label+"-")
}

// errNotAvailable marks a scenario that cannot run on this machine.
type errNotAvailable struct{ why string }

func (e errNotAvailable) Error() string { return e.why }

func skipf(format string, args ...any) error {
	return errNotAvailable{fmt.Sprintf(format, args...)}
}

// Outcome is one scenario against one system.
type Outcome struct {
	Scenario string              `json:"scenario"`
	System   string              `json:"system"`
	NA       string              `json:"not_available,omitempty"`
	Errors   []string            `json:"errors,omitempty"`
	Notes    []string            `json:"notes,omitempty"`
	Samples  map[string][]Sample `json:"samples"`
	Seconds  float64             `json:"seconds"`
}

// SystemInfo describes one system of the run.
type SystemInfo struct {
	Name      string `json:"name"`
	Version   string `json:"version,omitempty"`
	Available bool   `json:"available"`
	Reason    string `json:"reason,omitempty"`
}

// Config is the command line.
type Config struct {
	Reps    int
	Smoke   bool
	Only    []string
	Out     string
	Systems []string
	BinDir  string
	Args    []string
	// Resume is an earlier run's JSON result: its outcomes without errors
	// are kept (when the system's version and the repetitions match) and
	// those scenarios are not run again.
	Resume string `json:",omitempty"`
}

// Run runs the selected scenarios against the selected systems.
func Run(cfg Config, systems []system.System, scenarios []Scenario, log io.Writer) (*Report, error) {
	tmp, err := os.MkdirTemp("", "ctdb-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	logf := func(format string, args ...any) {
		fmt.Fprintf(log, "%s %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
	}
	defer onInterrupt(tmp, logf, func() {
		for _, s := range systems {
			if c, ok := s.(io.Closer); ok {
				c.Close()
			}
		}
	})()
	sweepStale(logf)
	env := &Env{Reps: cfg.Reps, Smoke: cfg.Smoke, Logf: logf, KeepDir: cfg.Out, tmp: tmp}
	rep := &Report{Started: time.Now(), Config: cfg, Machine: machineInfo(), env: env, scenarios: scenarios}
	var prev *Report
	if cfg.Resume != "" {
		if prev, err = loadReport(cfg.Resume); err != nil {
			return nil, err
		}
		rep.Started = prev.Started
	}
	avail := map[string]bool{}
	for _, s := range systems {
		ok, why := s.Available()
		info := SystemInfo{Name: s.Name(), Available: ok, Reason: why}
		if ok {
			info.Version = s.Version()
		}
		logf("system %s: available=%v %s %s", info.Name, ok, info.Version, why)
		rep.Systems = append(rep.Systems, info)
		avail[s.Name()] = ok
	}
	for _, sc := range scenarios {
		for i, s := range systems {
			switch o := prev.reusable(sc.Name, rep.Systems[i], cfg.Reps); {
			case !avail[s.Name()]:
				rep.Outcomes = append(rep.Outcomes, Outcome{Scenario: sc.Name, System: s.Name(), NA: rep.Systems[i].Reason})
			case o != nil:
				logf("=== %s on %s: kept from %s", sc.Name, s.Name(), cfg.Resume)
				rep.Outcomes = append(rep.Outcomes, *o)
			default:
				rep.Outcomes = append(rep.Outcomes, runOne(env, sc, s, logf))
			}
			rep.saveProgress(len(scenarios) * len(systems))
		}
	}
	rep.Finished = time.Now()
	rep.Partial = ""
	return rep, nil
}

// saveProgress writes what is done so far (marked partial), so that a run
// that dies or is stopped keeps its figures and can be resumed.
func (r *Report) saveProgress(total int) {
	if r.Config.Out == "" || len(r.Outcomes) == total {
		return
	}
	r.Finished = time.Now()
	r.Partial = fmt.Sprintf("%d of %d scenario runs done", len(r.Outcomes), total)
	r.buildRows()
	if _, err := r.Write(r.Config.Out); err != nil {
		r.env.Logf("writing partial results: %v", err)
	}
}

// loadReport reads a result written by Write.
func loadReport(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("resume: %s: %w", path, err)
	}
	return &r, nil
}

// reusable is r's outcome of scenario on sys when it can stand in a run
// with reps repetitions: same system version, same repetitions, no errors.
func (r *Report) reusable(scenario string, sys SystemInfo, reps int) *Outcome {
	if r == nil || r.Config.Reps != reps || r.Config.Smoke {
		return nil
	}
	for _, s := range r.Systems {
		if s.Name == sys.Name && (!s.Available || s.Version != sys.Version) {
			return nil
		}
	}
	o := r.outcome(scenario, sys.Name)
	if o == nil || o.NA != "" || len(o.Errors) > 0 {
		return nil
	}
	return o
}

// runOne runs a scenario, turning a panic into an error so one broken
// scenario does not lose the others' results.
func runOne(env *Env, sc Scenario, s system.System, logf func(string, ...any)) (o Outcome) {
	logf("=== %s on %s (%d reps)", sc.Name, s.Name(), env.Reps)
	t0 := time.Now()
	rec := newRec(logf)
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic: %v", p)
			}
		}()
		return sc.Run(env, s, rec)
	}()
	samples, notes, errs := rec.snapshot()
	o = Outcome{Scenario: sc.Name, System: s.Name(), Samples: samples, Notes: notes, Errors: errs,
		Seconds: time.Since(t0).Seconds()}
	var na errNotAvailable
	switch {
	case errors.As(err, &na):
		o.NA = na.why
	case err != nil:
		o.Errors = append(o.Errors, err.Error())
	}
	logf("=== %s on %s done in %.1f s (errors: %d)", sc.Name, s.Name(), o.Seconds, len(o.Errors))
	return o
}

// selectScenarios keeps the named ones (all when names is empty).
func selectScenarios(all []Scenario, names []string) ([]Scenario, error) {
	if len(names) == 0 {
		return all, nil
	}
	var out []Scenario
	for _, n := range names {
		found := false
		for _, s := range all {
			if s.Name == n {
				out = append(out, s)
				found = true
			}
		}
		if !found {
			var known []string
			for _, s := range all {
				known = append(known, s.Name)
			}
			return nil, fmt.Errorf("unknown scenario %q (known: %s)", n, strings.Join(known, ", "))
		}
	}
	return out, nil
}

// selectSystems keeps the named ones, matched case-insensitively.
func selectSystems(all []system.System, names []string) ([]system.System, error) {
	if len(names) == 0 {
		return all, nil
	}
	var out []system.System
	for _, n := range names {
		found := false
		for _, s := range all {
			if strings.EqualFold(s.Name(), n) {
				out = append(out, s)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown system %q", n)
		}
	}
	return out, nil
}

// resultPaths are the files a report is written to under dir.
func resultPaths(dir string, t time.Time) (md, js, latest string) {
	stamp := t.Format("2006-01-02T150405")
	return filepath.Join(dir, "bench-"+stamp+".md"), filepath.Join(dir, "bench-"+stamp+".json"),
		filepath.Join(dir, "latest.md")
}
