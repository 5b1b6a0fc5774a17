package daemon

import (
	"context"
	"errors"
	"time"

	"github.com/ctdb-go/ctdb/internal/eventd"
	"github.com/ctdb-go/ctdb/internal/health"
	"github.com/ctdb-go/ctdb/internal/nodestate"
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
	next := d.clk.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.clk.After(next.Sub(d.clk.Now())):
		}
		start := d.clk.Now()
		can, watched := d.monitorState()
		d.watchStarvation(start, watched)
		if !can {
			// In recovery or inactive: look again soon rather than a
			// whole interval later.
			next = d.clk.Now().Add(min(time.Second, d.monitorInterval()))
			continue
		}
		res, err := d.runEvent(ctx, "monitor", nil, 0)
		if ctx.Err() != nil {
			return
		}
		d.observeMonitor(res, err)
		d.warnUnmonitored(res, start)
		if monitorResult(res, err) == health.Cancelled {
			next = nextMonitor(next, min(time.Second, d.monitorInterval()), d.clk.Now())
		} else {
			next = nextMonitor(next, d.monitorInterval(), d.clk.Now())
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

// watchStarvation applies the starvation bound at now (nodestate:
// MonitorDue).
func (d *Daemon) watchStarvation(now time.Time, watched bool) {
	d.mu.Lock()
	acts := d.st.Step(nodestate.Input{Kind: nodestate.MonitorDue, Now: now, Params: d.params(), Watched: watched})
	d.mu.Unlock()
	d.do(context.Background(), acts)
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

// observeMonitor feeds a monitor result to the state machine, which sets
// the node's health (nodestate: MonitorDone).
func (d *Daemon) observeMonitor(res *eventd.EventResult, err error) {
	r := monitorResult(res, err)
	if r != health.Cancelled && res != nil {
		d.obs.reg.Monitor(monitorFacts(res))
	}
	in := nodestate.Input{Kind: nodestate.MonitorDone, Result: r}
	if r == health.Failed || r == health.TimedOut {
		in.Detail = describeResult(res, err)
	}
	d.do(context.Background(), d.step(in))
}

func describeResult(res *eventd.EventResult, err error) string {
	if err != nil {
		return err.Error()
	}
	return describeFailure(res)
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
