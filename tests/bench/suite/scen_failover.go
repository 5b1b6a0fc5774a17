package suite

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ctdb-go/ctdb/tests/bench/system"
	"github.com/ctdb-go/ctdb/tests/harness"
)

// tunableSet is one keepalive setting the failover scenarios run with.
type tunableSet struct {
	interval, limit uint32
}

func (t tunableSet) label() string { return fmt.Sprintf("[KI=%d,KL=%d]", t.interval, t.limit) }

// detection is KeepaliveInterval x KeepaliveLimit, the detection
// time that "overhead" is measured beyond.
func (t tunableSet) detection() time.Duration {
	return time.Duration(t.interval*t.limit) * time.Second
}

func (t tunableSet) tunables() map[string]uint32 {
	return map[string]uint32{"KeepaliveInterval": t.interval, "KeepaliveLimit": t.limit}
}

var failoverSets = []tunableSet{{5, 5}, {1, 3}}

func failoverScenario(name string, leader bool) Scenario {
	who := "a node that hosts addresses and is not the leader"
	if leader {
		who = "the leader (which hosts addresses)"
	}
	return Scenario{
		Name: name,
		About: fmt.Sprintf("3 nodes in network namespaces, 6 public addresses %s101-106/24, a client host. kill -9 of the daemon of %s; "+
			"time until the client's TCP connection to one of its addresses succeeds and is served by another node (a label server on every node says which). "+
			"overhead = that time - KeepaliveInterval x KeepaliveLimit. One cluster per tunable set; after each repetition the victim is restarted and must host addresses again.", publicPrefix, who),
		Metrics: func(*Env) []Metric {
			var ms []Metric
			var t *Target
			if leader {
				t = targetAllUnderHalfSecond
			}
			for _, s := range failoverSets {
				ms = append(ms, Metric{Name: "failover " + s.label(), Unit: "s", Target: t},
					Metric{Name: "overhead " + s.label(), Unit: "s", Target: targetOverhead})
			}
			return ms
		},
		Notes: func(*Env) []string {
			return []string{"A killed daemon's TCP connections close at once, so its peers notice it before any keepalive " +
				"timeout: the overhead is then negative (failover faster than KeepaliveInterval x KeepaliveLimit). " +
				fmt.Sprintf("The client tries a new connection every %v (each with a %v timeout), so times are accurate to about %v.",
					attemptEvery, attemptTimeout, attemptEvery),
				fmt.Sprintf("A repetition faster than KeepaliveInterval x KeepaliveLimit but slower than %v keeps every node's log "+
					"under the -out directory's slow/ (the run's log says where).", slowFailover)}
		},
		Run: func(e *Env, sys system.System, r *Rec) error {
			for _, set := range failoverSets {
				err := runFailoverSet(e, sys, r, set, leader)
				if _, na := err.(errNotAvailable); na {
					return err
				}
				if err != nil {
					r.Fail(fmt.Errorf("%s: %w", set.label(), err))
				}
			}
			return nil
		},
	}
}

func runFailoverSet(e *Env, sys system.System, r *Rec, set tunableSet, leader bool) error {
	nc, cleanup, err := startedNetClu(e, sys, "failover", set.tunables())
	if err != nil {
		return err
	}
	defer cleanup()
	limit := set.detection() + 60*time.Second
	for rep := 0; rep < e.Reps; rep++ {
		victim, addrs, err := nc.victimFor(leader)
		if err != nil {
			return err
		}
		a := addrs[0]
		e.Logf("%s repetition %d: kill -9 node %d, watching %s", set.label(), rep+1, victim, a)
		if l, err := nc.Reach(a, time.Second); err != nil || l != fmt.Sprintf("node%d", victim) {
			return fmt.Errorf("before the kill, %s answers %q (%v), want node%d", a, l, err, victim)
		}
		old := nc.PIDs(victim)
		t0 := time.Now()
		if err := nc.Kill(victim, syscall.SIGKILL); err != nil {
			return err
		}
		d, err := nc.servedElsewhere(a, victim, t0, limit)
		if err != nil {
			r.Never("failover "+set.label(), limit.Seconds())
			r.Never("overhead "+set.label(), (limit - set.detection()).Seconds())
			return err
		}
		r.Add("failover "+set.label(), seconds(d))
		r.Add("overhead "+set.label(), seconds(d-set.detection()))
		if d > slowFailover && d < set.detection() {
			keepSlowLogs(e, nc, fmt.Sprintf("%s-%s-rep%d", sys.Name(), set.label(), rep+1), d, t0)
		}
		if rep == e.Reps-1 {
			break // no need to restore after the last one
		}
		if err := nc.restore(victim, true, old); err != nil {
			return fmt.Errorf("restoring node %d: %w; its log ends:\n%s", victim, err, tailLines(nc.Log(victim), 15))
		}
	}
	return nil
}

func gracefulDisable() Scenario {
	return Scenario{
		Name: "graceful-disable",
		About: "The failover network (3 nodes, 6 public addresses, a client), default tunables. `ctdb disable` on a node that hosts addresses " +
			"and is not the leader; time from the command until the client is served by other nodes on every address that node held. " +
			"Then `ctdb enable`, and the node must host addresses again before the next repetition.",
		Metrics: func(*Env) []Metric {
			return []Metric{{Name: "disable → addresses served elsewhere", Unit: "s"}}
		},
		Run: func(e *Env, sys system.System, r *Rec) error {
			return runDisable(e, sys, r)
		},
	}
}

func runDisable(e *Env, sys system.System, r *Rec) error {
	nc, cleanup, err := startedNetClu(e, sys, "disable", nil)
	if err != nil {
		return err
	}
	defer cleanup()
	const limit = 60 * time.Second
	for rep := 0; rep < e.Reps; rep++ {
		victim, addrs, err := nc.victimFor(false)
		if err != nil {
			return err
		}
		e.Logf("repetition %d: disable node %d, watching %v", rep+1, victim, addrs)
		t0 := time.Now()
		if _, _, err := nc.ctdb(victim, 30*time.Second, "disable"); err != nil {
			return err
		}
		type result struct {
			d   time.Duration
			err error
		}
		results := make(chan result, len(addrs))
		for _, a := range addrs {
			go func() {
				d, err := nc.servedElsewhere(a, victim, t0, limit)
				results <- result{d, err}
			}()
		}
		var worst time.Duration
		var failed error
		for range addrs {
			res := <-results
			worst = max(worst, res.d)
			if res.err != nil {
				failed = res.err
			}
		}
		if failed != nil {
			r.Never("disable → addresses served elsewhere", limit.Seconds())
			return failed
		}
		r.Add("disable → addresses served elsewhere", seconds(worst))
		if rep == e.Reps-1 {
			break
		}
		if _, _, err := nc.ctdb(victim, 30*time.Second, "enable"); err != nil {
			return err
		}
		if err := nc.restore(victim, false, nil); err != nil {
			return fmt.Errorf("after enable of node %d: %w", victim, err)
		}
	}
	return nil
}

// slowFailover: a failover that did not wait for keepalive detection (the
// killed daemon's connections closed at once) yet took longer than this
// is out of line (0.14-0.22 s is usual for ctdb-go); keepSlowLogs keeps
// the nodes' logs of such repetitions so that the cause can be read.
const slowFailover = 300 * time.Millisecond

// keepSlowLogs writes every node's log to KeepDir/slow/NAME/nodeI.log,
// after a pause so the logs show what followed, and says where.
func keepSlowLogs(e *Env, nc *netClu, name string, d time.Duration, t0 time.Time) {
	if e.KeepDir == "" {
		return
	}
	time.Sleep(2 * time.Second) // Deliberate pause: only for a slow repetition, so the kept logs show what followed
	dir := filepath.Join(e.KeepDir, "slow", strings.NewReplacer("[", "", "]", "", ",", "-", "=", "").Replace(name))
	if err := harness.KeepLogs(dir, "", netNodes, nc.Log); err != nil {
		e.Logf("  slow repetition (%.3f s, kill at %s): %v", d.Seconds(), t0.UTC().Format("15:04:05.000000"), err)
		return
	}
	e.Logf("  slow repetition (%.3f s, kill at %s): nodes' logs kept in %s", d.Seconds(), t0.UTC().Format("15:04:05.000000"), dir)
}

// tailLines is the last n lines of s.
func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
