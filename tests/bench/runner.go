package main

import (
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
	tmp   string
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
	env := &Env{Reps: cfg.Reps, Smoke: cfg.Smoke, Logf: logf, tmp: tmp}
	rep := &Report{Started: time.Now(), Config: cfg, Machine: machineInfo(), env: env, scenarios: scenarios}
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
			if !avail[s.Name()] {
				rep.Outcomes = append(rep.Outcomes, Outcome{Scenario: sc.Name, System: s.Name(), NA: rep.Systems[i].Reason})
				continue
			}
			rep.Outcomes = append(rep.Outcomes, runOne(env, sc, s, logf))
		}
	}
	rep.Finished = time.Now()
	return rep, nil
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
