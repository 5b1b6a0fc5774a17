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
// `ctdb setvar MonitorInterval` takes effect at the next run. A monitor
// cancelled by another event is tried again a second later, and a node
// whose monitor has not completed for MonitorInterval + EventScriptTimeout
// is marked UNHEALTHY (see health.Starvation).
func (d *Daemon) monitorLoop(ctx context.Context) {
	next := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
		start := time.Now()
		can, watched := d.monitorState()
		d.watchStarvation(start, watched)
		if !can {
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
		d.warnUnmonitored(res, start)
		if monitorResult(res, err) == health.Cancelled {
			next = nextMonitor(next, min(time.Second, d.monitorInterval()), time.Now())
		} else {
			next = nextMonitor(next, d.monitorInterval(), time.Now())
		}
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

// monitorState: as CTDB, no monitoring (can) during recovery, while the
// node is inactive (stopped, banned), or before the node is RUNNING.
// watched is whether the starvation bound applies: a RUNNING, active node,
// in recovery or not (a storm of recoveries starves monitoring too).
func (d *Daemon) monitorState() (can, watched bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	watched = d.st.runstate == RunstateRunning && d.st.self().Flags&protocol.FlagInactive == 0
	return watched && d.st.recmode == protocol.RecModeNormal, watched
}

// watchStarvation applies the starvation bound at now.
func (d *Daemon) watchStarvation(now time.Time, watched bool) {
	interval, timeout := d.monitorInterval(), d.eventTimeout()
	d.mu.Lock()
	switch {
	case !watched:
		d.starve = health.Starvation{}
	case d.starve.Since.IsZero():
		d.starve.Reset(now)
	}
	began := d.starve.Check(now, interval, timeout)
	reason := d.starve.Reason(now)
	changed, healthy := d.applyHealthLocked()
	d.mu.Unlock()
	if began {
		d.log.Errorf("Monitoring starved (%s) - node marked UNHEALTHY", reason)
	}
	if changed {
		d.stateChanged()
		d.notifyHealth(healthy, false)
		if healthy {
			d.log.Info("Node became HEALTHY")
		} else {
			d.log.Info("Node became UNHEALTHY")
		}
	}
}

// applyHealthLocked sets the UNHEALTHY flag from the monitor results and
// the starvation rule; it returns whether the flag changed, and the health.
func (d *Daemon) applyHealthLocked() (changed, healthy bool) {
	healthy = d.health.Healthy && !d.starve.Starved
	self := d.st.self()
	was := self.Flags&protocol.FlagUnhealthy == 0
	if healthy {
		self.Flags &^= protocol.FlagUnhealthy
	} else {
		self.Flags |= protocol.FlagUnhealthy
	}
	return was != healthy, healthy
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
	if r != health.Cancelled && res != nil {
		d.obs.reg.Monitor(monitorFacts(res))
	}
	limit, _ := d.tun.Get("MonitorTimeoutCount")
	d.mu.Lock()
	trackerChanged := d.health.Observe(r, int(limit))
	ended := d.starve.Ran(r, time.Now())
	timeouts := d.health.Timeouts
	changed, healthy := d.applyHealthLocked()
	d.mu.Unlock()
	if changed {
		d.stateChanged()
	}
	d.notifyHealth(healthy, r == health.TimedOut && !trackerChanged)
	switch {
	case r == health.TimedOut && !trackerChanged:
		d.log.Warningf("Monitor event timed out (%d of %d before the node counts as unhealthy)", timeouts, limit)
	case changed && healthy:
		d.log.Info("Monitor event OK - node re-enabled")
		d.log.Info("Node became HEALTHY")
	case changed || (ended && !healthy):
		d.log.Errorf("Monitor event failed (%s) - node marked UNHEALTHY", describeResult(res, err))
		if changed {
			d.log.Info("Node became UNHEALTHY")
		}
	}
}

func describeResult(res *eventd.EventResult, err error) string {
	if err != nil {
		return err.Error()
	}
	return describeFailure(res)
}

// notifyHealth tells the notification hook "healthy" or "unhealthy" after
// the first monitor result (a timeout below the limit does not count) and
// after every change.
func (d *Daemon) notifyHealth(healthy, pending bool) {
	if pending || (d.healthNotified && d.healthNotifiedAs == healthy) {
		return
	}
	d.healthNotified, d.healthNotifiedAs = true, healthy
	if healthy {
		d.notify("healthy")
	} else {
		d.notify("unhealthy")
	}
}

// unmonitoredWarnEvery is how often a node whose monitor runs no script at
// all says so again, after the warning at startup.
const unmonitoredWarnEvery = 10 * time.Minute

// warnUnmonitored logs, at most every unmonitoredWarnEvery, that a
// successful monitor ran no script: the node is OK only because nothing
// checks it. Only the monitor loop calls it.
func (d *Daemon) warnUnmonitored(res *eventd.EventResult, now time.Time) {
	if res == nil || res.Outcome != eventd.OutcomeOK {
		return
	}
	for _, s := range res.Scripts {
		if s.State != eventd.StateDisabled {
			return
		}
	}
	if !d.unmonitoredWarned.IsZero() && now.Sub(d.unmonitoredWarned) < unmonitoredWarnEvery {
		return
	}
	d.unmonitoredWarned = now
	d.log.Warningf("Monitor event ran no script: nothing checks this node's health (enable scripts in %s)",
		d.cfg.LegacyEventsDir())
}
