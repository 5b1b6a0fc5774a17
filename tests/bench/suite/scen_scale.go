package suite

import (
	"fmt"
	"syscall"
	"time"

	"github.com/ctdb-go/ctdb/tests/bench/procfs"
	"github.com/ctdb-go/ctdb/tests/bench/system"
)

func scaleSizes(e *Env) []int {
	if e.Smoke {
		return []int{3}
	}
	return []int{3, 8, 16, 32, 64}
}

// idleWindow is how long idle CPU is measured; idleSettle lets the
// startup work (first monitor runs, takeover) finish before.
func idleWindow(e *Env) time.Duration {
	if e.Smoke {
		return 5 * time.Second
	}
	return 60 * time.Second
}

func idleSettle(e *Env) time.Duration {
	if e.Smoke {
		return time.Second
	}
	return 3 * time.Second
}

func scaleMetricNames(n int) (start, recNonLeader, recLeader, cpu, rss string) {
	return fmt.Sprintf("start, N=%d", n), fmt.Sprintf("recover after kill -9 of a non-leader, N=%d", n),
		fmt.Sprintf("recover after kill -9 of the leader, N=%d", n), fmt.Sprintf("idle CPU per node, N=%d", n),
		fmt.Sprintf("RSS per node, N=%d", n)
}

func scaleScenario() Scenario {
	return Scenario{
		Name: "scale",
		About: "N nodes on loopback (127.0.0.1..N), no public addresses, default tunables. " +
			"start: from starting every node at once until every node reports all N OK, one leader, one generation, recovery mode NORMAL. " +
			"idle CPU (% of one core) and RSS (MiB, summed over the node's long-lived processes, i.e. the system's PIDs(i)), averaged over the nodes, over an idle window after settling. " +
			"Then kill -9 of a non-leader's daemon, and afterwards of the (new) leader's: time until every survivor shows the killed nodes DISCONNECTED, recovery mode NORMAL, a new generation and a live leader, and all survivors agree.",
		Metrics: func(e *Env) []Metric {
			var ms []Metric
			for _, n := range scaleSizes(e) {
				start, recN, recL, cpu, rss := scaleMetricNames(n)
				var t *Target
				if n == 32 {
					t = targetUnder2s
				}
				ms = append(ms, Metric{Name: start, Unit: "s", Target: t}, Metric{Name: recN, Unit: "s", Target: t},
					Metric{Name: recL, Unit: "s", Target: t}, Metric{Name: cpu, Unit: "%", Target: targetAtMostCTDB},
					Metric{Name: rss, Unit: "MiB", Target: targetHalfCTDB})
			}
			return ms
		},
		Notes: func(e *Env) []string {
			return []string{fmt.Sprintf("Idle window %v after %v of settling.", idleWindow(e), idleSettle(e)),
				fmt.Sprintf("Start and recovery are timed on one observer node (the lowest PNN concerned) with a `ctdb status` call started every %v, "+
					"each call timed at its start (CTDB's tool reads flags, generation and recovery mode first, then waits up to 1 s for the leader's broadcast); "+
					"then every other node is checked, and one not yet there is polled the same way and extends the time. "+
					"Polling every node at once would cost more CPU than it measures (about 5 ms per call of either tool).", stagger)}
		},
		Run: runScale,
	}
}

func runScale(e *Env, sys system.System, r *Rec) error {
	for _, n := range scaleSizes(e) {
		for rep := 0; rep < e.Reps; rep++ {
			e.Logf("scale N=%d repetition %d", n, rep+1)
			if err := scaleOnce(e, sys, r, n); err != nil {
				r.Fail(fmt.Errorf("N=%d repetition %d: %w", n, rep+1, err))
				break // the next size may still work
			}
		}
	}
	return nil
}

func scaleOnce(e *Env, sys system.System, r *Rec, n int) error {
	startM, recN, recL, cpuM, rssM := scaleMetricNames(n)
	c, stop, err := newClu(e, sys, fmt.Sprintf("scale%d", n), system.ClusterOptions{Nodes: n})
	if err != nil {
		return err
	}
	defer stop()
	t0 := time.Now()
	if err := c.startAll(seq(n)); err != nil {
		return err
	}
	want := allOK(seq(n))
	d, err := c.settleTime(seq(n), func(st Status) bool { return st.Problem(want) == "" }, t0, startTimeout)
	if err != nil {
		r.Never(startM, startTimeout.Seconds())
		return err
	}
	r.Add(startM, seconds(d))

	time.Sleep(idleSettle(e)) // Deliberate pause: start-up activity dies down before idle CPU is measured
	cpu, rss := c.idle(idleWindow(e))
	r.Add(cpuM, cpu)
	r.Add(rssM, rss)

	st, err := c.status(0)
	if err != nil {
		return err
	}
	leader := st.LeaderPNN()
	victim := (leader + 1) % n
	d, err = c.killAndRecover(victim, without(seq(n), victim), []int{victim}, st.Generation, recoverTimeout)
	if err != nil {
		r.Never(recN, recoverTimeout.Seconds())
		return err
	}
	r.Add(recN, seconds(d))

	survivors := without(seq(n), victim)
	if st, err = c.status(survivors[0]); err != nil {
		return err
	}
	leader = st.LeaderPNN()
	d, err = c.killAndRecover(leader, without(survivors, leader), []int{victim, leader}, st.Generation, recoverTimeout)
	if err != nil {
		r.Never(recL, recoverTimeout.Seconds())
		return err
	}
	r.Add(recL, seconds(d))
	return nil
}

// idle measures, over window, the mean per-node CPU (% of one core) and
// the mean per-node RSS (MiB) at the end, over each node's PIDs.
func (c *clu) idle(window time.Duration) (cpuPct, rssMiB float64) {
	pids := make([][]int, c.n)
	cpu0 := make([]time.Duration, c.n)
	for i := range pids {
		pids[i] = c.PIDs(i)
		cpu0[i] = procfs.CPU(pids[i])
	}
	t0 := time.Now()
	time.Sleep(window) // Deliberate pause: the measurement window
	el := time.Since(t0)
	for i := range pids {
		cpuPct += float64(procfs.CPU(pids[i])-cpu0[i]) / float64(el) * 100
		rssMiB += float64(procfs.SumRSS(pids[i])) / (1 << 20)
	}
	return cpuPct / float64(c.n), rssMiB / float64(c.n)
}

// killAndRecover kills victim's daemon with SIGKILL and returns how long
// until every survivor shows each of dead DISCONNECTED, recovery mode
// NORMAL, a generation other than oldGen and a live leader, all agreeing
// (timed as settleTime describes).
func (c *clu) killAndRecover(victim int, survivors, dead []int, oldGen string, timeout time.Duration) (time.Duration, error) {
	if err := c.Kill(victim, syscall.SIGKILL); err != nil {
		return 0, fmt.Errorf("kill node %d: %w", victim, err)
	}
	t0 := time.Now()
	ok := func(st Status) bool {
		for _, d := range dead {
			if !isDisconnected(st.Flags[d]) || st.LeaderPNN() == d {
				return false
			}
		}
		return st.Problem(nil) == "" && st.Generation != oldGen
	}
	d, err := c.settleTime(survivors, ok, t0, timeout)
	if err != nil {
		return 0, fmt.Errorf("node %d killed: survivors not recovered: %w", victim, err)
	}
	return d, nil
}
