package daemon

import (
	"context"
	"errors"
	"time"

	"github.com/ctdb-go/ctdb/internal/eventd"
	"github.com/ctdb-go/ctdb/internal/health"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

// monitorLoop runs the monitor event every MonitorInterval, measured from
// the planned start of one run to the planned start of the next (a slow or
// failing monitor does not stretch the interval, and neither does a late
// wake-up on a loaded machine). The tunable is re-read every cycle, so
// `ctdb setvar MonitorInterval` takes effect at the next run.
func (d *Daemon) monitorLoop(ctx context.Context) {
	next := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
		if !d.canMonitor() {
			// In recovery or inactive: look again soon rather than a
			// whole interval later.
			next = time.Now().Add(min(time.Second, d.monitorInterval()))
			continue
		}
		res, err := d.runEvent(ctx, "monitor", nil, 0)
		if ctx.Err() != nil {
			return
		}
		d.observeMonitor(res, err)
		next = nextMonitor(next, d.monitorInterval(), time.Now())
	}
}

// nextMonitor is when the run after the one planned for planned starts: one
// interval after the plan, not after the moment the run really started,
// so lateness does not add up from run to run. A run that overran the
// interval is followed at once.
func nextMonitor(planned time.Time, interval time.Duration, now time.Time) time.Time {
	next := planned.Add(interval)
	if next.Before(now) {
		return now
	}
	return next
}

func (d *Daemon) monitorInterval() time.Duration {
	v, _ := d.tun.Get("MonitorInterval")
	if v == 0 {
		v = 1
	}
	return time.Duration(v) * time.Second
}

// canMonitor: as CTDB, no monitoring during recovery, while the node is
// inactive (stopped, banned), or before the node is RUNNING.
func (d *Daemon) canMonitor() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.st.runstate == RunstateRunning &&
		d.st.recmode == protocol.RecModeNormal &&
		d.st.self().Flags&protocol.FlagInactive == 0
}

func monitorResult(res *eventd.EventResult, err error) health.Result {
	switch {
	case errors.Is(err, eventd.ErrCancelled):
		return health.Cancelled
	case err != nil:
		return health.Failed
	case res.Outcome == eventd.OutcomeOK:
		return health.OK
	case res.Outcome == eventd.OutcomeTimedOut:
		return health.TimedOut
	case res.Outcome == eventd.OutcomeCancelled:
		return health.Cancelled
	}
	return health.Failed
}

// observeMonitor feeds a monitor result to the health tracker and updates
// the node's UNHEALTHY flag.
func (d *Daemon) observeMonitor(res *eventd.EventResult, err error) {
	r := monitorResult(res, err)
	limit, _ := d.tun.Get("MonitorTimeoutCount")
	d.mu.Lock()
	changed := d.health.Observe(r, int(limit))
	healthy := d.health.Healthy
	timeouts := d.health.Timeouts
	if changed {
		if healthy {
			d.st.self().Flags &^= protocol.FlagUnhealthy
		} else {
			d.st.self().Flags |= protocol.FlagUnhealthy
		}
	}
	d.mu.Unlock()
	if changed {
		d.stateChanged()
	}
	switch {
	case r == health.TimedOut && !changed:
		d.log.Warningf("Monitor event timed out (%d of %d before the node counts as unhealthy)", timeouts, limit)
	case changed && healthy:
		d.log.Info("Monitor event OK - node re-enabled")
		d.log.Info("Node became HEALTHY")
	case changed:
		d.log.Errorf("Monitor event failed (%s) - node marked UNHEALTHY", describeResult(res, err))
		d.log.Info("Node became UNHEALTHY")
	}
}

func describeResult(res *eventd.EventResult, err error) string {
	if err != nil {
		return err.Error()
	}
	return describeFailure(res)
}
