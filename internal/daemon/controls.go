package daemon

import (
	"context"
	"errors"
	"os"
	"strings"
	"time"

	"github.com/ctdb-go/ctdb/internal/eventd"
	"github.com/ctdb-go/ctdb/internal/logging"
	"github.com/ctdb-go/ctdb/internal/nodestate"
	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/sirupsen/logrus"
)

type handlerFunc func(d *Daemon, ctx context.Context, h protocol.Header, req any) (any, error)

// controls maps each operation to its handler. Handlers answer from the
// daemon's in-memory state: none of them waits for an event to finish,
// except EVENT_RUN, which is what it asks for.
var controls = map[protocol.Op]handlerFunc{
	protocol.OpPing:            (*Daemon).ctlPing,
	protocol.OpGetPNN:          (*Daemon).ctlPNN,
	protocol.OpGetPID:          (*Daemon).ctlPID,
	protocol.OpGetNodemap:      (*Daemon).ctlNodemap,
	protocol.OpGetStatus:       (*Daemon).ctlStatus,
	protocol.OpGetRunstate:     (*Daemon).ctlRunstate,
	protocol.OpGetReclock:      (*Daemon).ctlReclock,
	protocol.OpListTunables:    (*Daemon).ctlListTunables,
	protocol.OpGetTunable:      (*Daemon).ctlGetTunable,
	protocol.OpSetTunable:      (*Daemon).ctlSetTunable,
	protocol.OpUptime:          (*Daemon).ctlUptime,
	protocol.OpGetDebug:        (*Daemon).ctlGetDebug,
	protocol.OpSetDebug:        (*Daemon).ctlSetDebug,
	protocol.OpShutdown:        (*Daemon).ctlShutdown,
	protocol.OpEventStatus:     (*Daemon).ctlEventStatus,
	protocol.OpEventRun:        (*Daemon).ctlEventRun,
	protocol.OpEventScriptList: (*Daemon).ctlScriptList,
	protocol.OpEventScriptSet:  (*Daemon).ctlScriptSet,
	protocol.OpModifyFlags:     (*Daemon).ctlModifyFlags,
	protocol.OpGetCapabilities: (*Daemon).ctlCapabilities,
	protocol.OpGetVersion:      (*Daemon).ctlVersion,
	protocol.OpSetRecMode:      (*Daemon).ctlSetRecMode,
	protocol.OpStartRecovery:   (*Daemon).ctlStartRecovery,
	protocol.OpSetVNNMap:       (*Daemon).ctlSetVNNMap,
	protocol.OpEndRecovery:     (*Daemon).ctlEndRecovery,
	protocol.OpBan:             (*Daemon).ctlBan,
	protocol.OpBroadcast:       (*Daemon).ctlBroadcast,
	protocol.OpSubscribe:       (*Daemon).ctlSubscribe,
	protocol.OpLockHeld:        (*Daemon).ctlLockHeld,
	protocol.OpLockLost:        (*Daemon).ctlLockLost,
	protocol.OpGetNodeInfo:     (*Daemon).ctlNodeInfo,
	protocol.OpReloadNodes:     (*Daemon).ctlReloadNodes,
	protocol.OpGetPublicIPs:    (*Daemon).ctlGetPublicIPs,
	protocol.OpGetIfaces:       (*Daemon).ctlGetIfaces,
	protocol.OpTakeIP:          (*Daemon).ctlTakeIP,
	protocol.OpReleaseIP:       (*Daemon).ctlReleaseIP,
	protocol.OpIPReallocated:   (*Daemon).ctlIPReallocated,
	protocol.OpSetAssignment:   (*Daemon).ctlSetAssignment,
	protocol.OpMoveIP:          (*Daemon).ctlMoveIP,
	protocol.OpAddIP:           (*Daemon).ctlAddIP,
	protocol.OpDelIP:           (*Daemon).ctlDelIP,
	protocol.OpReloadIPs:       (*Daemon).ctlReloadIPs,
	protocol.OpGratARP:         (*Daemon).ctlGratARP,
	protocol.OpTakeoverRun:     (*Daemon).ctlTakeoverRun,
	protocol.OpGetStatistics:   (*Daemon).ctlGetStatistics,
	protocol.OpResetStatistics: (*Daemon).ctlResetStatistics,
	protocol.OpGetStatHistory:  (*Daemon).ctlGetStatHistory,
	protocol.OpRecdReport:      (*Daemon).ctlRecdReport,
	protocol.OpDebugStall:      (*Daemon).ctlDebugStall,
	protocol.OpGetTickles:      (*Daemon).ctlGetTickles,
	protocol.OpAddTickle:       (*Daemon).ctlAddTickle,
	protocol.OpDelTickle:       (*Daemon).ctlDelTickle,
	protocol.OpSetIfaceLink:    (*Daemon).ctlSetIfaceLink,
	protocol.OpProcessExists:   (*Daemon).ctlProcessExists,
	protocol.OpSetCapabilities: (*Daemon).ctlSetCapabilities,
	protocol.OpRecover:         (*Daemon).ctlRecover,
	protocol.OpDumpMemory:      (*Daemon).ctlDumpMemory,
	protocol.OpRecdDumpMemory:  (*Daemon).ctlRecdDumpMemory,
}

// localOnly controls are never forwarded: they concern the local daemon's
// own clients.
var localOnly = map[protocol.Op]bool{protocol.OpSubscribe: true, protocol.OpBroadcast: true, protocol.OpLockHeld: true,
	protocol.OpRecdReport: true, protocol.OpLockLost: true}

// handle is the control socket's entry point.
func (d *Daemon) handle(ctx context.Context, h protocol.Header, req any) (any, error) {
	fn, ok := controls[h.Op]
	if !ok {
		return nil, protocol.Errorf(protocol.StatusUnknownOp, "control %s is not supported", h.Op)
	}
	if h.DstPNN != protocol.PNNCurrent && h.DstPNN != d.st.Self && !localOnly[h.Op] {
		return d.forward(ctx, h, req)
	}
	if fenced[h.Op] {
		if err := d.checkFence(h); err != nil {
			d.log.Warning(err.Error())
			return nil, err
		}
	}
	return fn(d, ctx, h, req)
}

func (d *Daemon) ctlPing(context.Context, protocol.Header, any) (any, error) {
	return protocol.PingReply{Clients: d.srv.NumClients()}, nil
}

func (d *Daemon) ctlPNN(context.Context, protocol.Header, any) (any, error) {
	return protocol.PNNReply{PNN: d.st.Self}, nil
}

func (d *Daemon) ctlPID(context.Context, protocol.Header, any) (any, error) {
	return protocol.PIDReply{PID: os.Getpid()}, nil
}

func (d *Daemon) ctlNodemap(context.Context, protocol.Header, any) (any, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return protocol.Nodemap{Nodes: append([]protocol.NodeInfo(nil), d.st.Nodes...)}, nil
}

func (d *Daemon) ctlStatus(context.Context, protocol.Header, any) (any, error) {
	d.mu.Lock()
	st := d.st.status()
	if d.st.StaleSelfLeader(d.clk.Now(), d.params()) {
		// Answered before the next tick clears it (a resumed ctdbd):
		// a leader without lock confirmations is not shown as one.
		st.Leader, st.FenceToken = protocol.PNNUnknown, 0
	}
	d.mu.Unlock()
	d.ip.mu.Lock()
	st.Misplaced = d.ip.misplaced
	d.ip.mu.Unlock()
	st.Quorum = d.quorumText()
	return st, nil
}

func (d *Daemon) ctlRunstate(context.Context, protocol.Header, any) (any, error) {
	return protocol.Runstate{Name: d.runstate().String()}, nil
}

func (d *Daemon) ctlReclock(context.Context, protocol.Header, any) (any, error) {
	return protocol.Reclock{Value: d.cfg.Cluster.ClusterLock}, nil
}

func (d *Daemon) ctlListTunables(context.Context, protocol.Header, any) (any, error) {
	var out protocol.TunableList
	for _, v := range d.tun.List() {
		out.Vars = append(out.Vars, protocol.Tunable{Name: v.Name, Value: v.Value})
	}
	return out, nil
}

func (d *Daemon) ctlGetTunable(_ context.Context, _ protocol.Header, req any) (any, error) {
	name := req.(*protocol.TunableName).Name
	canon, ok := d.tun.Canonical(name)
	if !ok {
		return nil, protocol.Errorf(protocol.StatusNotFound, "Unable to get tunable variable '%s'", name)
	}
	v, _ := d.tun.Get(canon)
	return protocol.Tunable{Name: canon, Value: v}, nil
}

// Tunables that must not be zero: the daemon would spin or never time out.
var nonZeroTunables = map[string]bool{"MonitorInterval": true, "EventScriptTimeout": true,
	"KeepaliveInterval": true, "KeepaliveLimit": true, "RecoverInterval": true}

func (d *Daemon) ctlSetTunable(_ context.Context, _ protocol.Header, req any) (any, error) {
	t := req.(*protocol.Tunable)
	canon, ok := d.tun.Canonical(t.Name)
	if !ok {
		return nil, protocol.Errorf(protocol.StatusNotFound, "Unable to set tunable variable '%s'", t.Name)
	}
	if t.Value == 0 && nonZeroTunables[canon] {
		return nil, protocol.Errorf(protocol.StatusBadRequest, "%s must be greater than 0", canon)
	}
	if err := d.tun.Set(canon, t.Value); err != nil {
		return nil, protocol.Errorf(protocol.StatusBadRequest, "%v", err)
	}
	d.log.Infof("Tunable %s set to %d", canon, t.Value)
	d.pushRecd(protocol.MsgRecdWake, protocol.Empty{}) // it reads tunables when told
	if d.cl.tunables != nil {
		select {
		case d.cl.tunables <- struct{}{}:
		default:
		}
	}
	return nil, nil
}

func (d *Daemon) ctlUptime(context.Context, protocol.Header, any) (any, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return protocol.Uptime{Now: d.clk.Now(), Started: d.st.started, RecoveryStart: d.st.lastRecStart, RecoveryEnd: d.st.recEnd}, nil
}

func (d *Daemon) ctlGetDebug(context.Context, protocol.Header, any) (any, error) {
	return protocol.DebugLevel{Level: logging.LevelName(d.logger.GetLevel())}, nil
}

func (d *Daemon) ctlSetDebug(_ context.Context, _ protocol.Header, req any) (any, error) {
	lv, err := logging.ParseLevel(req.(*protocol.DebugLevel).Level)
	if err != nil {
		return nil, protocol.Errorf(protocol.StatusBadRequest, "%v", err)
	}
	d.logger.SetLevel(lv)
	return nil, nil
}

func (d *Daemon) ctlShutdown(context.Context, protocol.Header, any) (any, error) {
	// Reply first; the shutdown runs after this handler returns.
	go d.Shutdown("ctdb shutdown")
	return nil, nil
}

func (d *Daemon) ctlEventStatus(_ context.Context, _ protocol.Header, req any) (any, error) {
	event := req.(*protocol.EventName).Event
	if event == "" {
		event = "monitor"
	}
	res, ok := d.runner.Status(event)
	if !ok {
		return protocol.EventStatus{Event: event, NeverRun: true, Hung: eventStatus(&eventd.EventResult{}, d.runner.Hung()).Hung}, nil
	}
	return eventStatus(res, d.runner.Hung()), nil
}

func (d *Daemon) ctlEventRun(ctx context.Context, _ protocol.Header, req any) (any, error) {
	r := req.(*protocol.EventRun)
	if !validEventName(r.Event) {
		return nil, protocol.Errorf(protocol.StatusBadRequest, "invalid event name %q", r.Event)
	}
	timeout := time.Duration(r.Timeout * float64(time.Second))
	res, err := d.runner.Run(ctx, r.Event, r.Args, timeout0(timeout, d.eventTimeout()))
	if errors.Is(err, eventd.ErrCancelled) {
		return nil, protocol.Errorf(protocol.StatusCancelled, "Event %s got cancelled", r.Event)
	}
	if err != nil {
		return nil, err
	}
	return eventStatus(res, d.runner.Hung()), nil
}

func timeout0(t, def time.Duration) time.Duration {
	if t <= 0 {
		return def
	}
	return t
}

func validEventName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == ""
}

func (d *Daemon) ctlScriptList(context.Context, protocol.Header, any) (any, error) {
	l, err := d.runner.ListScriptsCTDB()
	if err != nil {
		return nil, err
	}
	var out protocol.ScriptList
	for _, s := range l.Packaged {
		out.Packaged = append(out.Packaged, protocol.Script{Name: s.Name, Enabled: s.Enabled})
	}
	for _, s := range l.Local {
		out.Scripts = append(out.Scripts, protocol.Script{Name: s.Name, Enabled: s.Enabled})
	}
	return out, nil
}

func (d *Daemon) ctlScriptSet(_ context.Context, _ protocol.Header, req any) (any, error) {
	r := req.(*protocol.ScriptSet)
	var err error
	if r.Enable {
		err = d.runner.EnableScript(r.Name)
	} else {
		err = d.runner.DisableScript(r.Name)
	}
	if errors.Is(err, eventd.ErrNoScript) {
		return nil, protocol.Errorf(protocol.StatusNotFound, "%v", err)
	}
	if errors.Is(err, eventd.ErrNotScriptFile) {
		return nil, protocol.Errorf(protocol.StatusBadRequest, "%v", err)
	}
	if err != nil {
		return nil, protocol.Errorf(protocol.StatusError, "%v", err)
	}
	d.log.WithFields(logrus.Fields{"script": r.Name, "enabled": r.Enable}).Info("Event script changed")
	return nil, nil
}

// ctlModifyFlags sets or clears an administrator's flags (nodestate:
// ModifyFlags).
func (d *Daemon) ctlModifyFlags(ctx context.Context, _ protocol.Header, req any) (any, error) {
	r := req.(*protocol.ModifyFlags)
	return nil, d.do(ctx, d.step(nodestate.Input{Kind: nodestate.ModifyFlags, Set: r.Set, Clear: r.Clear}))
}

func (d *Daemon) ctlCapabilities(context.Context, protocol.Header, any) (any, error) {
	return protocol.Capabilities{Leader: d.sc.leader.Load(), LMaster: d.sc.lmaster.Load()}, nil
}

func (d *Daemon) ctlVersion(context.Context, protocol.Header, any) (any, error) {
	return protocol.VersionReply{Version: Version}, nil
}
