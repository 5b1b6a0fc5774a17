package suite

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/ctdb-go/ctdb/tests/bench/procfs"
	"github.com/ctdb-go/ctdb/tests/bench/system"
	"github.com/ctdb-go/ctdb/tests/harness"
)

const (
	monitorScripts = 10
	// monitorPoll is how often a monitor run's end is looked for.
	monitorPoll = 20 * time.Millisecond
)

func monitorCycles(e *Env) int {
	if e.Smoke {
		return 5
	}
	return 20
}

func monitorCost() Scenario {
	return Scenario{
		Name: "monitor-cost",
		About: fmt.Sprintf("1 node, %d trivial eventscripts (exit 0) besides 00.ctdb, MonitorInterval=1. "+
			"CPU time of the daemon's own processes (not the scripts': children are excluded) per monitor cycle: "+
			"ours ctdbd, CTDB ctdbd + ctdb-eventd (the processes named ctdbd or ctdb-eventd among PIDs(0), the guard excluded).", monitorScripts),
		Metrics: func(*Env) []Metric {
			return []Metric{{Name: "daemon CPU per monitor cycle", Unit: "ms", Target: targetAtMostCTDB}, {Name: "monitor cycle period", Unit: "s"}}
		},
		Notes: func(e *Env) []string {
			return []string{fmt.Sprintf("A cycle ends when `ctdb event status legacy monitor` changes. The period is calibrated over 4 cycles; "+
				"the window starts at a cycle's end and lasts %d.5 periods, so it holds exactly %d cycles and no tool call.",
				monitorCycles(e), monitorCycles(e))}
		},
		Run: runMonitorCost,
	}
}

func runMonitorCost(e *Env, sys system.System, r *Rec) error {
	c, stop, err := newClu(e, sys, "monitor", system.ClusterOptions{Nodes: 1, TrivialScripts: monitorScripts,
		Tunables: map[string]uint32{"MonitorInterval": 1}})
	if err != nil {
		return err
	}
	defer stop()
	if err := c.Start(0); err != nil {
		return err
	}
	if _, err := c.waitConverged([]int{0}, allOK([]int{0}), startTimeout); err != nil {
		return err
	}
	time.Sleep(idleSettle(e)) // Deliberate pause: start-up activity dies down before idle CPU is measured
	pids := daemonProcs(c, 0)
	if len(pids) == 0 {
		return fmt.Errorf("no daemon process found")
	}
	r.Note("measured processes: %s", procNames(pids))
	period, err := c.monitorPeriod()
	if err != nil {
		return err
	}
	k := monitorCycles(e)
	for rep := 0; rep < e.Reps; rep++ {
		prev, err := c.monitorStatus()
		if err != nil {
			return err
		}
		if _, err := c.nextMonitorEnd(prev, 3*period+time.Second); err != nil {
			return err
		}
		cpu0 := procfs.CPU(pids)
		time.Sleep(time.Duration((float64(k) + 0.5) * float64(period))) // Deliberate pause: the measurement window of k monitor cycles
		cpu1 := procfs.CPU(pids)
		for _, p := range pids {
			if !procfs.Alive(p) {
				return fmt.Errorf("daemon process %d died during the measurement", p)
			}
		}
		r.Add("daemon CPU per monitor cycle", millis(cpu1-cpu0)/float64(k))
		r.Add("monitor cycle period", seconds(period))
	}
	return nil
}

// daemonProcs are node i's daemon and event daemon: its DaemonPID, and
// any of its PIDs named ctdb-eventd.
func daemonProcs(c *clu, i int) []int {
	main := c.DaemonPID(i)
	if main == 0 {
		return nil
	}
	out := []int{main}
	for _, p := range c.PIDs(i) {
		if st, err := procfs.ReadStat(p); err == nil && p != main && st.Comm == "ctdb-eventd" {
			out = append(out, p)
		}
	}
	return out
}

func procNames(pids []int) string {
	var names []string
	for _, p := range pids {
		st, _ := procfs.ReadStat(p)
		names = append(names, st.Comm)
	}
	sort.Strings(names)
	return strings.Join(names, " + ")
}

// monitorStatus is `ctdb event status legacy monitor` on node 0; "" while
// the monitor event has never run (exit 22, in both systems' tools: a node
// can be OK before its first monitor run has ended).
func (c *clu) monitorStatus() (string, error) {
	out, code, err := c.ctdb(0, statusTimeout, "event", "status", "legacy", "monitor")
	if code == 22 {
		return "", nil
	}
	return out, err
}

// nextMonitorEnd polls the monitor event's status until it differs from
// prev, and returns the new text.
func (c *clu) nextMonitorEnd(prev string, limit time.Duration) (string, error) {
	var out string
	if harness.Until(limit, monitorPoll, func() string {
		var err error
		out, _, err = c.ctdb(0, statusTimeout, "event", "status", "legacy", "monitor")
		if err == nil && out != prev && strings.TrimSpace(out) != "" {
			return ""
		}
		return "same"
	}) != nil {
		return "", fmt.Errorf("no monitor run ended within %v", limit)
	}
	return out, nil
}

// monitorPeriod measures the time from one monitor run's end to the
// next: a first estimate from one cycle, refined over four.
func (c *clu) monitorPeriod() (time.Duration, error) {
	prev, err := c.monitorStatus()
	if err != nil {
		return 0, err
	}
	const limit = 10 * time.Second
	if prev, err = c.nextMonitorEnd(prev, limit); err != nil {
		return 0, err
	}
	b1 := time.Now()
	if prev, err = c.nextMonitorEnd(prev, limit); err != nil {
		return 0, err
	}
	p1 := time.Since(b1)
	b1 = time.Now()
	if p1 > 4*monitorPoll {
		time.Sleep(4*p1 - 3*p1/10) // Deliberate pause: let about four cycles pass, then time the next end over them
		// The text of the run before the one awaited.
		if prev, err = c.monitorStatus(); err != nil {
			return 0, err
		}
	}
	if _, err = c.nextMonitorEnd(prev, limit); err != nil {
		return 0, err
	}
	span := time.Since(b1)
	cycles := math.Round(float64(span) / float64(p1))
	c.logf("monitor period: first %v, then %v over %.0f cycles", p1, span, cycles)
	if cycles < 1 {
		return 0, fmt.Errorf("monitor period calibration failed: %v over %v", span, p1)
	}
	return time.Duration(float64(span) / cycles), nil
}
