package netns

import (
	"errors"
	"fmt"
	"time"
)

// Grace periods for cleanup. They are bounds, not sleeps: cleanup moves on as
// soon as processes exit, and moves on anyway when one cannot (a process in
// uninterruptible sleep cannot be killed until what it waits for returns).
const (
	termGrace = 2 * time.Second
	killGrace = 2 * time.Second
)

// close is the cleanup of New and Create. It stops started processes,
// kills whatever else still runs inside the namespaces, and deletes them;
// the error names the namespaces it could not delete.
func (n *Net) close() error {
	n.mu.Lock()
	if n.isClosed {
		n.mu.Unlock()
		return nil
	}
	n.isClosed = true
	procs := append([]*Proc(nil), n.procs...)
	spaces := append([]string(nil), n.nsLive...)
	n.mu.Unlock()

	stopAll(procs)
	for _, ns := range spaces {
		if pids := killInside(ns); len(pids) > 0 {
			n.logf("netns: killed leftover processes %v in %s", pids, ns)
		}
	}
	// Hosts first: deleting the switch also removes the veths, but the
	// order does not matter for correctness.
	var errs []error
	for i := len(spaces) - 1; i >= 0; i-- {
		if _, err := ip("netns", "del", spaces[i]); err != nil {
			errs = append(errs, fmt.Errorf("netns: cleanup: %w", err))
		}
	}
	return errors.Join(errs...)
}

// stopAll sends SIGTERM to every running proc, waits up to termGrace for
// all of them, then SIGKILLs the rest and waits up to killGrace.
func stopAll(procs []*Proc) {
	for _, p := range procs {
		p.signalTerm()
	}
	waitAll(procs, termGrace)
	for _, p := range procs {
		p.signalKill()
	}
	waitAll(procs, killGrace)
}

// waitAll waits until every proc has exited or d has passed.
func waitAll(procs []*Proc, d time.Duration) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for _, p := range procs {
		select {
		case <-p.done:
		case <-deadline.C:
			return
		}
	}
}
