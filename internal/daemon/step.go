package daemon

import (
	"context"
	"time"

	"github.com/ctdb-go/ctdb/internal/nodestate"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

// The daemon drives the state machine nodestate.State (d.st.State): it
// feeds each event with the time and the tunables under d.mu, and carries
// out the actions after letting d.mu go.

// params are the tunables the machine's rules use, read now.
func (d *Daemon) params() nodestate.Params {
	iv, lim := d.keepaliveParams()
	count, _ := d.tun.Get("MonitorTimeoutCount")
	return nodestate.Params{KeepaliveInterval: iv, KeepaliveLimit: lim,
		MonitorInterval: d.monitorInterval(), EventScriptTimeout: d.eventTimeout(),
		MonitorTimeoutCount: int(count), LockPingTimeout: d.lockPing}
}

// stepLocked feeds one input, at the clock's now; the caller holds d.mu.
func (d *Daemon) stepLocked(in nodestate.Input) []nodestate.Action {
	in.Now, in.Params = d.clk.Now(), d.params()
	return d.st.Step(in)
}

// step feeds one input under d.mu.
func (d *Daemon) step(in nodestate.Input) []nodestate.Action {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stepLocked(in)
}

// do carries out actions, in order, without d.mu. It returns the refusal
// if there is one.
func (d *Daemon) do(ctx context.Context, acts []nodestate.Action) error {
	var refused error
	for _, a := range acts {
		switch a.Kind {
		case nodestate.Log:
			switch a.Level {
			case nodestate.Debug:
				d.log.Debug(a.Msg)
			case nodestate.Info:
				d.log.Info(a.Msg)
			case nodestate.Warning:
				d.log.Warning(a.Msg)
			default:
				d.log.Error(a.Msg)
			}
		case nodestate.ShowLeader:
			if a.PNN == protocol.PNNUnknown {
				d.obs.reg.Election()
			} else {
				d.obs.reg.Leader()
			}
		case nodestate.AnnounceLeader:
			body, _ := protocol.MarshalBody(a.Leader)
			d.cl.tr.Send(a.PNN, protocol.Header{Kind: protocol.KindMessage, Op: protocol.MsgLeader}, body)
		case nodestate.IgnoreLeader:
			d.log.Debugf("Ignoring leader message: %s", a.Msg)
		case nodestate.Refuse:
			if refused == nil {
				refused = protocol.Errorf(a.Status, "%s", a.Msg)
			}
		case nodestate.ReleaseAll:
			d.log.Error(a.Msg)
			d.releaseAll(ctx)
			d.step(nodestate.Input{Kind: nodestate.Released})
		case nodestate.NoteLockConfirmed:
			d.obs.reg.LockConfirmed()
		case nodestate.StateChanged:
			d.stateChanged()
		case nodestate.Notify:
			d.notify(a.Msg)
		case nodestate.StopServing:
			go func(event string) {
				d.releaseAll(context.WithoutCancel(ctx))
				if event != "" {
					d.runEvent(context.WithoutCancel(ctx), event, nil, 0)
				}
			}(a.Msg)
		case nodestate.BanTimer:
			d.setBanTimer(a.After)
		case nodestate.PeerFlagsChanged:
			// The recovery daemon reads the node map only when told that
			// it changed (a keepalive's payload can be the first to carry
			// it); the majority rule counts by flags.
			d.kickQuorum()
			d.pushRecd(protocol.MsgRecdWake, protocol.Empty{})
		case nodestate.RecoveryActive:
			d.mu.Lock()
			d.st.recmode = protocol.RecModeActive
			d.mu.Unlock()
		}
	}
	return refused
}

// heldCount is the number of public addresses held now.
func (d *Daemon) heldCount() int {
	d.ip.mu.Lock()
	defer d.ip.mu.Unlock()
	return len(d.ip.held)
}

// tick tells the machine that time passed (quorum, release bound) and
// carries out what it decides; it returns how long until the hold bound
// runs out without word from the leader (negative: it has).
func (d *Daemon) tick(ctx context.Context) time.Duration {
	in := nodestate.Input{Kind: nodestate.Tick, Held: d.heldCount()}
	if d.quorumOn() {
		d.mu.Lock()
		n := len(d.st.Nodes)
		d.mu.Unlock()
		in.Linked = map[uint32]bool{}
		for pnn := uint32(0); pnn < uint32(n); pnn++ {
			in.Linked[pnn] = d.cl.tr.Connected(pnn)
		}
	}
	d.mu.Lock()
	acts := d.stepLocked(in)
	left := d.st.ReleaseDue(d.params()).Sub(d.clk.Now())
	d.mu.Unlock()
	d.do(ctx, acts)
	return left
}
