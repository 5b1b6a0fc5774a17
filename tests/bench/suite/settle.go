package suite

import (
	"fmt"
	"sort"
	"sync"
	"time"
)

// Timing a cluster-wide state change (all nodes up, a recovery done) by
// polling `ctdb status` on every node at once would cost more than it
// measures: one call of either system's tool costs about 5 ms of CPU, and
// CTDB 4.17's `ctdb status` takes about a second (it waits for the
// leader's next broadcast). So the change is timed on one observer node,
// polled with staggered calls, and then every other node is checked:
//
//   - A call is timed at its start. CTDB's tool reads node flags,
//     generation and recovery mode first and only then waits for the
//     leader; ours answers within milliseconds.
//   - A node found not yet there by the check is polled the same way, and
//     its own time counts: a real laggard extends the result.
//   - If the nodes then disagree on leader or generation (another
//     recovery came after the first), everything starts over.
const (
	stagger     = 50 * time.Millisecond // a new call to the polled node this often
	maxInFlight = 25                    // at most this many calls to it at once
	sweepWidth  = 8                     // nodes checked at once
)

// settleTime returns how long after t0 every node of nodes answers a
// status that ok accepts, all agreeing on leader and generation (see
// above); nodes[0] is the observer.
func (c *clu) settleTime(nodes []int, ok func(Status) bool, t0 time.Time, timeout time.Duration) (time.Duration, error) {
	deadline := t0.Add(timeout)
	for {
		at, st, err := c.firstOK(nodes[0], ok, deadline)
		if err != nil {
			return 0, err
		}
		worst := at
		fresh := c.statusAll(nodes[1:])
		var lag []int
		for _, i := range nodes[1:] {
			if r := fresh[i]; r.err != nil || !ok(r.st) {
				lag = append(lag, i)
			}
		}
		lagAt, err := c.firstOKAll(lag, ok, deadline)
		if err != nil {
			return 0, err
		}
		if lagAt.After(worst) {
			worst = lagAt
		}
		if why := agree(c.statusAll(nodes), st); why == "" {
			return worst.Sub(t0), nil
		} else if time.Now().After(deadline) {
			return 0, fmt.Errorf("not settled within %v: %s", timeout, why)
		}
	}
}

// agree says why the answers do not all show ref's leader and generation.
func agree(answers map[int]statusResult, ref Status) string {
	var nodes []int
	for i := range answers {
		nodes = append(nodes, i)
	}
	sort.Ints(nodes)
	for _, i := range nodes {
		r := answers[i]
		if r.err != nil {
			return r.err.Error()
		}
		if r.st.Leader != ref.Leader || r.st.Generation != ref.Generation {
			return fmt.Sprintf("node %d: leader %s generation %s, observer: leader %s generation %s",
				i, r.st.Leader, r.st.Generation, ref.Leader, ref.Generation)
		}
	}
	return ""
}

type statusResult struct {
	start time.Time
	st    Status
	err   error
}

// firstOK polls node i with staggered calls until one answers a status ok
// accepts, and returns the earliest start of such a call and its status.
func (c *clu) firstOK(i int, ok func(Status) bool, deadline time.Time) (time.Time, Status, error) {
	results := make(chan statusResult, maxInFlight)
	inFlight := 0
	var best *statusResult
	var last statusResult
	tick := time.NewTicker(stagger)
	defer tick.Stop()
	launch := func() {
		inFlight++
		go func() {
			r := statusResult{start: time.Now()}
			r.st, r.err = c.status(i)
			results <- r
		}()
	}
	launch()
	for inFlight > 0 || (best == nil && time.Now().Before(deadline)) {
		select {
		case r := <-results:
			inFlight--
			last = r
			if r.err == nil && ok(r.st) && (best == nil || r.start.Before(best.start)) {
				best = &r
			}
		case <-tick.C:
			if best == nil && inFlight < maxInFlight && time.Now().Before(deadline) {
				launch()
			}
		}
	}
	if best == nil {
		why := fmt.Sprintf("node %d: %s", i, last.st.Problem(nil))
		if last.err != nil {
			why = last.err.Error()
		}
		return time.Time{}, Status{}, fmt.Errorf("not there by the deadline: %s", why)
	}
	return best.start, best.st, nil
}

// firstOKAll runs firstOK on every node at once and returns the latest
// of their times (zero for no nodes).
func (c *clu) firstOKAll(nodes []int, ok func(Status) bool, deadline time.Time) (time.Time, error) {
	var mu sync.Mutex
	var latest time.Time
	var firstErr error
	var wg sync.WaitGroup
	for _, i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			at, _, err := c.firstOK(i, ok, deadline)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			if at.After(latest) {
				latest = at
			}
		}()
	}
	wg.Wait()
	return latest, firstErr
}

// statusAll asks every node of nodes for its status, sweepWidth at a time.
func (c *clu) statusAll(nodes []int) map[int]statusResult {
	out := make(map[int]statusResult, len(nodes))
	var mu sync.Mutex
	sem := make(chan struct{}, sweepWidth)
	var wg sync.WaitGroup
	for _, i := range nodes {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r := statusResult{start: time.Now()}
			r.st, r.err = c.status(i)
			mu.Lock()
			out[i] = r
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}
