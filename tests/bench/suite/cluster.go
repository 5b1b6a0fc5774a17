package suite

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ctdb-go/ctdb/tests/bench/system"
	"github.com/ctdb-go/ctdb/tests/harness"
)

// clu is a cluster of either system, driven only through the
// system.Cluster interface and the system's own ctdb tool.
type clu struct {
	system.Cluster
	n    int
	base string
	logf func(format string, args ...any)
}

// newClu sets up a cluster in a fresh directory. The returned stop
// function stops every node and removes the directory; call it (deferred)
// even when later steps fail.
func newClu(e *Env, sys system.System, label string, o system.ClusterOptions) (*clu, func(), error) {
	base, err := e.TempDir(label)
	if err != nil {
		return nil, nil, err
	}
	o.Base = base
	if o.Port == 0 {
		if o.Port, err = harness.FreePort(); err != nil {
			return nil, nil, err
		}
	}
	c, err := sys.NewCluster(o)
	if err != nil {
		os.RemoveAll(base)
		return nil, nil, fmt.Errorf("set up %d nodes: %w", o.Nodes, err)
	}
	cl := &clu{Cluster: c, n: o.Nodes, base: base, logf: e.Logf}
	stop := func() {
		if err := c.StopAll(); err != nil {
			e.Logf("stopping %s: %v", label, err)
		}
		os.RemoveAll(base)
	}
	return cl, stop, nil
}

// newConverged is newClu for n nodes, all started and converged.
func newConverged(e *Env, sys system.System, label string, n int) (*clu, func(), error) {
	c, stop, err := newClu(e, sys, label, system.ClusterOptions{Nodes: n})
	if err != nil {
		return nil, nil, err
	}
	if err := c.startAll(seq(n)); err != nil {
		stop()
		return nil, nil, err
	}
	if _, err := c.waitConverged(seq(n), allOK(seq(n)), startTimeout); err != nil {
		stop()
		return nil, nil, err
	}
	return c, stop, nil
}

// errToolTimeout: the system's tool did not answer in time.
var errToolTimeout = errors.New("ctdb tool timed out")

// ctdb runs the system's tool as node i, giving up after timeout (the
// call itself then finishes in the background).
func (c *clu) ctdb(i int, timeout time.Duration, args ...string) (string, int, error) {
	type res struct {
		out, errOut string
		code        int
	}
	ch := make(chan res, 1)
	go func() {
		o, e, code := c.Ctdb(i, args...)
		ch <- res{o, e, code}
	}()
	select {
	case r := <-ch:
		if r.code != 0 {
			return r.out, r.code, fmt.Errorf("node %d: ctdb %s: exit %d: %s", i, strings.Join(args, " "), r.code,
				strings.TrimSpace(r.errOut+" "+r.out))
		}
		return r.out, 0, nil
	case <-time.After(timeout):
		return "", -1, fmt.Errorf("node %d: ctdb %s: %w after %v", i, strings.Join(args, " "), errToolTimeout, timeout)
	}
}

// Status is `ctdb status` as one node sees it. The benchmark reads it
// from each system's own tool, so both are measured the same way (see
// harness.ToolStatus).
type Status = harness.ToolStatus

// ParseStatus parses `ctdb status` (harness.ParseToolStatus).
func ParseStatus(out string) (Status, bool) { return harness.ParseToolStatus(out) }

// statusTimeout bounds one `ctdb status` in waits and polls.
const statusTimeout = 10 * time.Second

func (c *clu) status(i int) (Status, error) {
	out, _, err := c.ctdb(i, statusTimeout, "status")
	if err != nil {
		return Status{}, err
	}
	st, ok := ParseStatus(out)
	if !ok {
		return st, fmt.Errorf("node %d: cannot parse ctdb status:\n%s", i, out)
	}
	return st, nil
}

// startAll starts the given nodes at once and waits for every Start.
func (c *clu) startAll(nodes []int) error {
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for k, i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[k] = c.Start(i)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// converged says why the running nodes do not yet agree on one leader and
// one generation in NORMAL mode with the wanted flags ("" if they do).
// want maps pnn -> a predicate on its flags as every running node sees it.
func (c *clu) converged(running []int, want map[int]func(string) bool) string {
	answers := c.statusAll(running)
	var first *Status
	for _, i := range running {
		r := answers[i]
		if r.err != nil {
			return r.err.Error()
		}
		if why := r.st.Problem(want); why != "" {
			return fmt.Sprintf("node %d: %s", i, why)
		}
		if first == nil {
			first = &r.st
		} else if r.st.Leader != first.Leader || r.st.Generation != first.Generation {
			return fmt.Sprintf("nodes disagree: leader %s/%s generation %s/%s", first.Leader, r.st.Leader, first.Generation, r.st.Generation)
		}
	}
	return ""
}

// waitConverged polls converged until it holds or timeout passes, and
// returns how long it took.
func (c *clu) waitConverged(running []int, want map[int]func(string) bool, timeout time.Duration) (time.Duration, error) {
	t0 := time.Now()
	if err := harness.Until(timeout, 50*time.Millisecond, func() string { return c.converged(running, want) }); err != nil {
		return 0, fmt.Errorf("not converged: %w%s", err, c.deadDaemons(running))
	}
	return time.Since(t0), nil
}

// deadDaemons names the nodes of running whose daemon is gone, with the
// end of each one's log (why it stopped, or never started), for an error.
func (c *clu) deadDaemons(running []int) string {
	var b strings.Builder
	for _, i := range running {
		if c.DaemonPID(i) != 0 {
			continue
		}
		fmt.Fprintf(&b, "; node %d's daemon is not running, its log ends: %q", i, tailLines(c.Log(i), 3))
	}
	return b.String()
}

// isOK, isDisconnected and hasFlag are flag predicates for converged.
func isOK(f string) bool           { return f == "OK" }
func isDisconnected(f string) bool { return hasFlag(f, "DISCONNECTED") }
func hasFlag(f, flag string) bool {
	for _, x := range strings.Split(f, "|") {
		if x == flag {
			return true
		}
	}
	return false
}

// allOK wants every node of nodes OK.
func allOK(nodes []int) map[int]func(string) bool {
	m := map[int]func(string) bool{}
	for _, i := range nodes {
		m[i] = isOK
	}
	return m
}

func seq(n int) []int { return harness.Seq(n) }

func without(s []int, xs ...int) []int {
	var out []int
outer:
	for _, v := range s {
		for _, x := range xs {
			if v == x {
				continue outer
			}
		}
		out = append(out, v)
	}
	return out
}

// leader asks node i who leads.
func (c *clu) leader(i int) (int, error) {
	st, err := c.status(i)
	if err != nil {
		return -1, err
	}
	if l := st.LeaderPNN(); l >= 0 {
		return l, nil
	}
	return -1, fmt.Errorf("node %d knows no leader (%q)", i, st.Leader)
}
