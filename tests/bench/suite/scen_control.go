package suite

import (
	"fmt"
	"time"

	"github.com/ctdb-go/ctdb/tests/bench/system"
)

// controlCalls is how many `ctdb status` calls one repetition times;
// controlBudget bounds a repetition in case the tool is slow.
const (
	controlCalls  = 200
	controlWarmup = 5
	controlBudget = 120 * time.Second
)

func controlLatency() Scenario {
	return Scenario{
		Name: "control-latency",
		About: fmt.Sprintf("3 nodes on loopback, settled; wall time of the system's own `ctdb status` on node 0, "+
			"%d calls in a row per repetition (after %d warm-up calls); p50 and p99 of each repetition.", controlCalls, controlWarmup),
		Metrics: func(*Env) []Metric {
			return []Metric{{Name: "ctdb status p50", Unit: "ms", Target: targetNoSlower}, {Name: "ctdb status p99", Unit: "ms", Target: targetUnder20ms}}
		},
		Run: runControlLatency,
	}
}

func runControlLatency(e *Env, sys system.System, r *Rec) error {
	c, stop, err := newConverged(e, sys, "control", 3)
	if err != nil {
		return err
	}
	defer stop()
	for i := 0; i < controlWarmup; i++ {
		c.status(0)
	}
	for rep := 0; rep < e.Reps; rep++ {
		var ms []float64
		t0 := time.Now()
		for len(ms) < controlCalls && time.Since(t0) < controlBudget {
			t := time.Now()
			if _, _, err := c.ctdb(0, statusTimeout, "status"); err != nil {
				return fmt.Errorf("repetition %d: %w", rep+1, err)
			}
			ms = append(ms, millis(time.Since(t)))
		}
		if len(ms) < controlCalls {
			r.Note("only %d calls fitted in %v per repetition", len(ms), controlBudget)
		}
		r.Add("ctdb status p50", percentile(ms, 0.50))
		r.Add("ctdb status p99", percentile(ms, 0.99))
	}
	return nil
}
