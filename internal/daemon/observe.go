package daemon

// The daemon's side of observability: the hooks that feed the statistics
// registry (internal/stats), the controls that read it, the main-loop
// heartbeat behind the systemd watchdog and /healthz, and the view the
// metrics endpoint renders.

import (
	"context"
	"fmt"
	"os"
	rtmetrics "runtime/metrics"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ctdb-go/ctdb/internal/eventd"
	"github.com/ctdb-go/ctdb/internal/metrics"
	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/internal/stats"
	"github.com/ctdb-go/ctdb/internal/transport"
)

// DebugStallEnv enables the DEBUG_STALL control, which freezes the main
// loop for the watchdog test. It is never set in production.
const DebugStallEnv = "CTDBD_TEST_DEBUG_STALL"

// aliveWithin is how long the main loop may take to let a liveness check
// take its state lock and still count as alive (less under a short
// systemd watchdog, see watchdogLoop).
const aliveWithin = 2 * time.Second

// lockHeldWithin: the node counts as holding the cluster lock while its
// recovery daemon confirmed it this recently (it confirms every 500 ms).
const lockHeldWithin = 2 * time.Second

// observer is the daemon's observability state.
type observer struct {
	reg *stats.Registry
	// aliveWithin: how long a liveness check waits (time.Duration).
	aliveWithin atomic.Int64
	// check is closed when the running liveness check has taken and
	// released the state lock; nil while none runs. Guarded by checkMu.
	checkMu sync.Mutex
	check   chan struct{}
	tcp     atomic.Pointer[transport.TCP]
	// tickMu guards lastTick, when statsTickIfDue last closed a history
	// interval, and backstop, statsLoop's timer (nil before it runs).
	tickMu   sync.Mutex
	lastTick time.Time
	backstop *time.Timer

	notifyFailed bool // guarded by statusMu
	statusMu     sync.Mutex
	status       string // the last STATUS= sent to systemd
}

// Stats returns the daemon's statistics registry.
func (d *Daemon) Stats() *stats.Registry { return d.obs.reg }

func (d *Daemon) initStats() {
	d.obs.reg = stats.New(nil)
	d.obs.aliveWithin.Store(int64(aliveWithin))
	d.obs.reg.Election() // no leader is known at start
	d.obs.reg.SetGauges(d.statGauges)
}

// statGauges fills the levels and the totals the transport keeps.
func (d *Daemon) statGauges() map[stats.Field]uint64 {
	g := map[stats.Field]uint64{}
	if d.srv != nil {
		g[stats.NumClients] = uint64(d.srv.NumClients())
	}
	d.mu.Lock()
	g[stats.Recovering] = uint64(d.st.recmode)
	d.mu.Unlock()
	g[stats.MemoryUsed] = heapInUse()
	if d.dbs != nil {
		g[stats.PendingChildwriteCalls] = uint64(d.dbs.store.Pending())
	}
	if tcp := d.obs.tcp.Load(); tcp != nil {
		s := tcp.Stats()
		g[stats.KeepalivePacketsSent], g[stats.KeepalivePacketsRecv] = s.KeepalivesSent, s.KeepalivesRecv
		g[stats.NodePacketsSent], g[stats.NodePacketsRecv] = s.FramesSent, s.FramesRecv
	}
	return g
}

// countClient wraps the control handler for local clients.
func (d *Daemon) countClient(ctx context.Context, h protocol.Header, req any) (any, error) {
	d.obs.reg.Add(stats.ClientPacketsRecv, 1)
	d.obs.reg.Add(stats.ClientReqControl, 1)
	rep, err := d.handle(ctx, h, req)
	d.obs.reg.Add(stats.ClientPacketsSent, 1)
	return rep, err
}

// countNodeFrame counts a frame received from a peer by kind.
func (d *Daemon) countNodeFrame(f protocol.Frame) {
	switch f.Kind {
	case protocol.KindRequest:
		d.obs.reg.Add(stats.NodeReqControl, 1)
	case protocol.KindReply:
		d.obs.reg.Add(stats.NodeReplyControl, 1)
	case protocol.KindMessage:
		if f.Op != protocol.OpKeepalive {
			d.obs.reg.Add(stats.NodeReqMessage, 1)
		}
	}
}

// statsLoop closes a history interval every StatHistoryInterval, copies
// the transport's keepalive round trips into the registry and, once
// running, keeps systemd's STATUS= line up to date (statsTickIfDue).
//
// Events that wake ctdbd about once a second anyway do that work when it
// is due (a leader's claim: statsTickIfDue), so on an idle node this loop's
// own timer is only a backstop, set half an interval past the due time: it
// fires only where no such event comes (a lone node, no leader).
func (d *Daemon) statsLoop(ctx context.Context) {
	t := time.NewTimer(time.Second)
	defer t.Stop()
	d.obs.tickMu.Lock()
	d.obs.backstop = t
	d.obs.tickMu.Unlock()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		left := d.statsTickIfDue()
		t.Reset(left + d.statsEvery()/2)
	}
}

// statsEvery is StatHistoryInterval.
func (d *Daemon) statsEvery() time.Duration {
	iv, _ := d.tun.Get("StatHistoryInterval")
	return time.Duration(max(iv, 1)) * time.Second
}

// statsTickIfDue closes the history interval, samples the round trips
// and updates systemd's status if an interval is due (within a tenth of
// an interval: the claims that call it come about once an interval, a
// little early or late); it returns how long until the next one is due.
// It must not be called with d.mu held (the gauges take it).
func (d *Daemon) statsTickIfDue() time.Duration {
	every := d.statsEvery()
	d.obs.tickMu.Lock()
	defer d.obs.tickMu.Unlock()
	now := time.Now()
	if left := d.obs.lastTick.Add(every).Sub(now); left > every/10 {
		return left
	}
	d.obs.lastTick = now
	if tcp := d.obs.tcp.Load(); tcp != nil {
		for pnn, rtt := range tcp.RTTs() {
			d.obs.reg.PeerRTT(pnn, rtt)
		}
	}
	if d.runstate() == RunstateRunning {
		d.sdStatus(d.runningStatus())
	}
	d.obs.reg.Tick()
	if d.obs.backstop != nil {
		d.obs.backstop.Reset(every + every/2) // pushed back: this tick came from an event
	}
	return every
}

// Alive reports whether the main loop answers: whether the state lock,
// which every control and state change takes, can be taken within
// aliveWithin. A deadlock or a stall there stops the systemd watchdog
// pings and fails /healthz. The check runs only when asked, so an idle
// daemon does not wake up to prove it is alive; a check still waiting on
// a stuck lock is shared by the calls that come meanwhile, so a stall
// leaves one goroutine behind, not one per call.
func (d *Daemon) Alive() bool {
	t := time.NewTimer(time.Duration(d.obs.aliveWithin.Load()))
	defer t.Stop()
	select {
	case <-d.lockCheck():
		return true
	case <-t.C:
		return false
	}
}

// lockCheck returns the running liveness check's channel, starting one
// if none runs.
func (d *Daemon) lockCheck() <-chan struct{} {
	d.obs.checkMu.Lock()
	defer d.obs.checkMu.Unlock()
	if d.obs.check == nil {
		done := make(chan struct{})
		d.obs.check = done
		go func() {
			d.mu.Lock()
			d.mu.Unlock() // taking the lock was the check
			d.obs.checkMu.Lock()
			d.obs.check = nil
			d.obs.checkMu.Unlock()
			close(done)
		}()
	}
	return d.obs.check
}

func (d *Daemon) ctlGetStatistics(context.Context, protocol.Header, any) (any, error) {
	return d.obs.reg.Statistics(), nil
}

func (d *Daemon) ctlResetStatistics(context.Context, protocol.Header, any) (any, error) {
	d.obs.reg.Reset()
	return nil, nil
}

func (d *Daemon) ctlGetStatHistory(context.Context, protocol.Header, any) (any, error) {
	return protocol.StatHistory{Periods: d.obs.reg.History()}, nil
}

func (d *Daemon) ctlRecdReport(_ context.Context, _ protocol.Header, req any) (any, error) {
	d.obs.reg.RecdReport(*req.(*protocol.RecdReport))
	return nil, nil
}

// ctlDebugStall holds the state lock, freezing the main loop (tests only).
func (d *Daemon) ctlDebugStall(_ context.Context, _ protocol.Header, req any) (any, error) {
	if os.Getenv(DebugStallEnv) != "1" {
		return nil, protocol.Errorf(protocol.StatusNotPermitted, "DEBUG_STALL is for tests only (%s=1 is not set)", DebugStallEnv)
	}
	sec := req.(*protocol.DebugStall).Seconds
	if sec <= 0 || sec > 60 {
		return nil, protocol.Errorf(protocol.StatusBadRequest, "stall of %g s: must be in (0, 60]", sec)
	}
	d.log.Warningf("Stalling the main loop for %g s (test control)", sec)
	d.mu.Lock()
	time.Sleep(time.Duration(sec * float64(time.Second)))
	d.mu.Unlock()
	return nil, nil
}

// MetricsView is the daemon's state as the metrics endpoint shows it.
func (d *Daemon) MetricsView() metrics.View {
	facts := d.obs.reg.Facts()
	v := metrics.View{Version: Version, Facts: facts, Statistics: d.obs.reg.Statistics(), Alive: d.Alive()}
	d.mu.Lock()
	v.PNN, v.Leader, v.RecMode, v.Generation = d.st.Self, d.st.Leader, d.st.recmode, d.st.Generation
	v.Runstate = d.st.runstate.String()
	for _, n := range d.st.Nodes {
		nv := metrics.NodeView{PNN: n.PNN, Address: n.Address, Flags: n.Flags, Runstate: "UNKNOWN"}
		if p, ok := facts.Peers[n.PNN]; ok {
			nv.Runstate, nv.RTT = p.Runstate, p.RTT
		}
		if n.PNN == d.st.Self {
			nv.Runstate = v.Runstate
		}
		if n.Flags&protocol.FlagDisconnected != 0 {
			nv.Runstate, nv.RTT = "UNKNOWN", 0
		}
		v.Nodes = append(v.Nodes, nv)
	}
	selfFlags := d.st.self().Flags
	d.mu.Unlock()
	v.Ready = selfFlags == 0 && v.Runstate == RunstateRunning.String()
	// Without a cluster lock the leader's recovery daemon confirms its
	// leadership the same way, but there is no lock to hold.
	v.LockHeld = d.cfg.Cluster.ClusterLock != "" && v.Leader == v.PNN &&
		!facts.LockConfirmed.IsZero() && time.Since(facts.LockConfirmed) < lockHeldWithin
	d.ip.mu.Lock()
	v.Misplaced = d.ip.misplaced
	for a, holder := range d.ip.assigned {
		v.IPs = append(v.IPs, metrics.IPView{Address: a.String(), Holder: holder})
	}
	for _, p := range d.ip.list {
		if _, ok := d.ip.assigned[p.Prefix.Addr()]; !ok {
			v.IPs = append(v.IPs, metrics.IPView{Address: p.Prefix.Addr().String(), Holder: protocol.PNNUnknown})
		}
	}
	d.ip.mu.Unlock()
	sort.Slice(v.IPs, func(i, j int) bool { return v.IPs[i].Address < v.IPs[j].Address })
	return v
}

// monitorFacts is a monitor result as the registry keeps it.
func monitorFacts(res *eventd.EventResult) []stats.MonitorResult {
	out := make([]stats.MonitorResult, 0, len(res.Scripts))
	for _, s := range res.Scripts {
		out = append(out, stats.MonitorResult{Name: s.Name, State: s.State.String(), Duration: s.End.Sub(s.Start)})
	}
	return out
}

// serveMetrics starts the metrics endpoint if `[metrics] listen` is set.
func (d *Daemon) serveMetrics(ctx context.Context) error {
	addr := d.cfg.Metrics.Listen
	if addr == "" {
		return nil
	}
	ln, err := metrics.Listen(addr)
	if err != nil {
		return fmt.Errorf("metrics endpoint: %w", err)
	}
	d.log.Infof("Serving metrics on http://%s/metrics", ln.Addr())
	go func() {
		if err := metrics.Serve(ctx, ln, d); err != nil {
			d.log.Errorf("Metrics endpoint stopped: %v", err)
		}
	}()
	return nil
}

// heapInUse is the bytes of live and not yet swept heap objects
// (MemStats.HeapAlloc), read without runtime.ReadMemStats, which stops
// the world: the stats tick runs every second on every node.
func heapInUse() uint64 {
	s := []rtmetrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	rtmetrics.Read(s)
	if s[0].Value.Kind() != rtmetrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
