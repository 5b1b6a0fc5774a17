// Package recoverd is the recovery daemon (ctdb-recoverd): it elects the
// leader, and on the leader checks the cluster and runs recoveries. It
// talks to the cluster only through its local ctdbd, as a client: every
// action is a control that ctdbd serves or forwards. Its decisions come
// from internal/cluster; this package is the driver: it gathers inputs,
// calls the plain functions and carries out what they say.
package recoverd

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ctdb-go/ctdb/internal/cluster"
	"github.com/ctdb-go/ctdb/internal/clusterlock"
	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/sirupsen/logrus"
)

// Config is what the recovery daemon needs.
type Config struct {
	Client        Ctdb // *client.Client outside tests
	Log           *logrus.Entry
	LockArgv      []string // cluster lock helper argv; nil = no lock
	LeaderTimeout time.Duration
	Capable       bool
	// FailoverDisabled is ctdb.conf's [failover] disabled: no addresses
	// are assigned.
	FailoverDisabled bool
	// LockDir is the plain lock file's directory ("" for a "!helper"
	// lock), and VarDir this node's state directory. While this node's
	// probe of LockDir is stuck (clusterlock.LockDirStuck), no lock helper
	// is started: it would only block on the same hung filesystem and stay
	// behind as one more stuck process.
	LockDir string
	VarDir  string
	// Quorum is "[cluster] quorum = majority": the node leads only while
	// its ctdbd reports quorum (NodeSelf.NoQuorum false).
	Quorum bool
	// Now is the clock (nil: time.Now). Tests drive the daemon with a
	// fake one.
	Now func() time.Time
	// lock replaces the lock helper (LockArgv must still be non-nil):
	// the whole-cluster simulation plugs in a simulated lock.
	lock lockHolder
}

// lockHolder is what the daemon uses of the cluster lock:
// *clusterlock.Locker, or a simulated lock in tests.
type lockHolder interface {
	TryLock(timeout time.Duration) (clusterlock.Result, error)
	Held() bool
	Token() (int64, bool)
	Lost() <-chan struct{}
	Ping() error
	Release()
}

// Recoverd is one recovery daemon.
type Recoverd struct {
	cfg    Config
	c      Ctdb
	now    func() time.Time
	log    *logrus.Entry
	self   uint32
	ls     *cluster.LeaderState
	locker lockHolder

	culprits   cluster.Culprits
	lastGen    uint32
	tun        map[string]uint32
	info       protocol.NodeSelf
	recFailed  int
	noRecUntil time.Time
	// newTerm: this node just became leader; its first act is a recovery,
	// so its term starts with a generation of its own (as CTDB recovers
	// after every election).
	newTerm bool
	// runstates: each node's runstate as last fetched.
	runstates map[uint32]string
	to        takeoverState
	// leading mirrors r.ls.HoldsLock() for pingLoop (without a lock,
	// leadership is what pingLoop confirms to ctdbd). Set it with
	// setLeading.
	leading atomic.Bool
	// mayHold wakes an idle pingLoop: this node may now hold the lock
	// (buffered, one pending wake is enough).
	mayHold chan struct{}
	// pingPeriod is pingLoop's period (see pingEvery), set when the
	// tunables are read.
	pingPeriod atomic.Int64
	// fsStuckPid is the stuck probe worker last logged by lockFSStuck
	// (0: none), so the log says when the hang starts and ends, not on
	// every pass.
	fsStuckPid int
	// forceRec: `ctdb recover` asked for a recovery; the leader runs one
	// even though nothing else calls for it.
	forceRec bool
	// token is the fencing token of the lock this node holds (0: none, or
	// a lock helper that gives none).
	token int64
	// noQuorumLogged: "no quorum" was logged and not yet "quorum back".
	noQuorumLogged bool
	// contended is when this node last lost a lock race to contention
	// with no leader known (zero: not since the last leader was known).
	// For fastRaceWindow after it, the race is retried every fastRaceEvery
	// rather than once a RecoverInterval: a killed leader's recovery
	// daemon lets go of the lock within tens of milliseconds, and a
	// survivor that raced first must not wait a whole pass for it.
	// Only after a leader was known: a node that never saw one (the
	// cluster or this node is starting) lost to a live node that has
	// just taken the lock, whose claim comes within a BroadcastInterval;
	// retrying ten times a second there only starts lock helpers (at 32
	// nodes starting at once, about 400 of them in 2 s).
	contended time.Time
	// tunChanges is ctdbd's TunableChanges when the tunables were last
	// fetched (at tunFetched).
	tunChanges uint64
	tunFetched time.Time
	// stale: ctdbd pushed a change (MsgRecdWake, MsgPeer, a new leader, a
	// takeover or recovery request) since r.info was fetched and the
	// views were gathered. ctdbd pushes every change of its node map,
	// flags, recovery mode, generation, leader and quorum, so while
	// nothing is pushed neither the local fetch nor the leader's gathering
	// of every node's view is repeated, except every stateRecheck.
	stale bool
	// fetched is when r.info was last fetched, gathered when the leader
	// last gathered every node's view.
	fetched, gathered time.Time
	// claim is this node's last leader broadcast while it leads (nil
	// otherwise), and claimAt when it was last sent; both under claimMu.
	// pingLoop sends it with every lock confirmation (see claimNow).
	claimMu sync.Mutex
	claim   *protocol.LeaderMsg
	claimAt time.Time
	// raced is when the lock was last tried. The quiet retry while no
	// leader is known is paced by wait(), not by the pushed messages that
	// wake the loop: each try starts a lock helper, and a starting node
	// gets a message for every peer that connects. onMessage zeroes it
	// when the leader ctdbd showed disconnects, so that no lost race
	// holds the next one back.
	raced time.Time
	// viewsStale: r.info was fetched since the leader last gathered the
	// views. settled: the last gathering found nothing to recover.
	viewsStale, settled bool
	// peerEpoch is the newest leader epoch a node's ctdbd (this one's
	// included) reported at the last gathering of the views, and
	// peerEpochAt that node.
	peerEpoch   uint32
	peerEpochAt uint32
	// termStart is when this node's current term began, and prevLeader
	// the leader last seen before it (PNNUnknown: none); lastLeader is
	// the leader last seen, this node included.
	termStart              time.Time
	prevLeader, lastLeader uint32
	// unconfirmedLogged: the last lock taken was given back for want of
	// a majority's answer, and that was logged (see majorityAnswers).
	unconfirmedLogged bool
}

// stateRecheck is how often the local state is fetched, and every node's
// view gathered on the leader, although ctdbd pushed no change: a safety
// net for a push lost on the way (the client drops messages when its
// buffer is full) or a change that ctdbd does not push. It bounds how
// late such a change can be seen; pushed changes are seen at once.
func (r *Recoverd) stateRecheck() time.Duration { return 5 * r.interval() }

// needFetch: r.info must be fetched again before this pass uses it.
func (r *Recoverd) needFetch(now time.Time) bool {
	return r.stale || r.fetched.IsZero() || now.Sub(r.fetched) >= r.stateRecheck()
}

// fastRaceEvery and fastRaceWindow pace lock retries after a lost race
// (see Recoverd.contended). The window is bounded so that a node that
// cannot see a living leader does not start lock helpers ten times a
// second for long.
const (
	fastRaceEvery  = 100 * time.Millisecond
	fastRaceWindow = 3 * time.Second
)

// callTimeout bounds one control.
const callTimeout = 3 * time.Second

// New builds the daemon and subscribes to ctdbd's messages.
func New(cfg Config) (*Recoverd, error) {
	r := &Recoverd{cfg: cfg, c: cfg.Client, log: cfg.Log, now: cfg.Now, runstates: map[uint32]string{},
		prevLeader: protocol.PNNUnknown, lastLeader: protocol.PNNUnknown, mayHold: make(chan struct{}, 1)}
	if r.now == nil {
		r.now = time.Now
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	var pnn protocol.PNNReply
	if err := r.c.Call(ctx, protocol.PNNCurrent, protocol.OpGetPNN, nil, &pnn); err != nil {
		return nil, err
	}
	r.self = pnn.PNN
	if err := r.c.Call(ctx, protocol.PNNCurrent, protocol.OpSubscribe, nil, nil); err != nil {
		return nil, err
	}
	lc := cluster.DefaultLeaderConfig(r.self)
	lc.Capable = cfg.Capable
	lc.UseLock = cfg.LockArgv != nil
	if cfg.LeaderTimeout > 0 {
		lc.LeaderTimeout = cfg.LeaderTimeout
	}
	ls, err := cluster.NewLeaderState(lc, r.now())
	if err != nil {
		return nil, err
	}
	r.ls = ls
	switch {
	case cfg.lock != nil && cfg.LockArgv != nil:
		r.locker = cfg.lock
	case cfg.LockArgv != nil:
		r.locker = clusterlock.NewLocker(cfg.LockArgv, r.log)
	}
	return r, nil
}

// Run loops until ctx ends or the connection to ctdbd is lost.
func (r *Recoverd) Run(ctx context.Context) error {
	defer r.release()
	go r.pingLoop(ctx)
	r.startupRace()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		r.step(ctx)
		timer.Reset(r.wait())
		select {
		case <-ctx.Done():
			return nil
		case <-r.c.Done():
			return errors.New("connection to ctdbd lost")
		case <-r.lost():
			r.onLockLost()
		case f := <-r.c.Messages():
			r.onMessage(f)
		case <-timer.C:
		}
	}
}

// onLockLost: the held lock's lost channel closed.
func (r *Recoverd) onLockLost() {
	r.log.Error("Cluster lock lost")
	r.ls.OnLockLost(r.now())
	r.stale = true
}

// drainMessages handles the messages ctdbd has already pushed, so that a
// pass works on every change told so far.
func (r *Recoverd) drainMessages() {
	for {
		select {
		case f := <-r.c.Messages():
			r.onMessage(f)
		default:
			return
		}
	}
}

// wait is how long the main loop sleeps when nothing happens: a
// RecoverInterval, or fastRaceEvery while a lost race is retried. The
// pass it paces is cheap while nothing changed (no control, see
// needFetch); it remains periodic while time itself is an input: an
// election, a recovery or a takeover in progress or owed.
//
// A follower of a known leader has nothing timed to do before the leader
// timeout runs out or its state is due for a re-check: every change it
// acts on is pushed and wakes the loop anyway. A leader whose last pass
// found the cluster settled has nothing timed to do before every node's
// view is due for a re-check, the next address check or the tunables'
// refetch: its claims go with pingLoop's lock confirmations, and a change
// (a node's update, a disconnect, an election call, a request) is pushed.
// Both sleep until then (at least a RecoverInterval), instead of a pass
// every RecoverInterval.
func (r *Recoverd) wait() time.Duration {
	now := r.now()
	if !r.contended.IsZero() && now.Sub(r.contended) < fastRaceWindow && r.leaderless() {
		return min(fastRaceEvery, r.interval())
	}
	recheck := min(r.fetched.Add(r.stateRecheck()).Sub(now), r.tunFetched.Add(tunablesRefetch).Sub(now))
	if r.ls.HoldsLock() && r.leaderIdle() {
		left := min(recheck, r.gathered.Add(r.stateRecheck()).Sub(now))
		if !r.to.none {
			left = min(left, r.to.lastCheck.Add(ipCheckInterval).Sub(now))
		}
		return max(r.interval(), left)
	}
	if l := r.ls.Leader(); l == protocol.PNNUnknown || l == r.self || r.ls.HoldsLock() || r.ls.Electing() || r.stale {
		return r.interval()
	}
	return max(r.interval(), min(r.ls.LeaderTimeoutAt().Sub(now), recheck))
}

// leaderIdle: this leader's last pass found every node's view in order
// and owes neither a recovery nor a takeover, and nothing was pushed
// since.
func (r *Recoverd) leaderIdle() bool {
	return r.settled && !r.stale && !r.viewsStale && !r.newTerm && !r.forceRec && !r.to.need && !r.ls.Electing()
}

// pingLoop keeps the lock helper alive while this node holds the lock and
// its ctdbd answers, on its own goroutine so that a long recovery step
// does not starve the helper of pings. After each ping it tells ctdbd, which
// keeps its public addresses only while these confirmations come.
//
// While this node neither leads nor holds the lock there is nothing to
// ping: the loop sleeps without a ticker until setLeading or a won race
// wakes it (confirmLock has told ctdbd by then), so a follower does not
// wake up twice a second for nothing.
func (r *Recoverd) pingLoop(ctx context.Context) {
	tick := time.NewTicker(r.pingEvery())
	defer tick.Stop()
	var lost <-chan struct{} // the held lock's lost channel
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-lost:
			lost = nil
			r.tellLockLost(ctx)
			continue
		}
		var held bool
		lost, held = r.pingOnce(ctx, lost)
		if held || r.leading.Load() {
			tick.Reset(r.pingEvery()) // a changed tunable applies from the next tick
			continue
		}
		tick.Stop()
		select {
		case <-ctx.Done():
			return
		case <-r.mayHold:
		}
		tick.Reset(r.pingEvery())
	}
}

// pingEvery is how often pingLoop confirms a held lock to ctdbd, with the
// leader's claim, and pings the lock helper: two fifths of the hold bound,
// for which ctdbd keeps the leader's addresses without a confirmation and
// a follower keeps its own without a claim (1 s with the default
// tunables, CTDB's leader broadcast interval; 600 ms with
// KeepaliveInterval 1 and KeepaliveLimit 3), so a confirmation or a claim
// can be 1.5 periods late before addresses go; between 100 ms and a
// second. The hold bound is at most half the helper's ping timeout
// (clusterlock.PingTimeout), so the helper is pinged at least five times
// within its timeout. Each ping wakes ctdbd, the helper and this daemon, and each
// claim every node.
func (r *Recoverd) pingEvery() time.Duration {
	if p := time.Duration(r.pingPeriod.Load()); p > 0 {
		return p
	}
	return 500 * time.Millisecond // tunables not read yet
}

// setPingEvery derives pingLoop's period from the tunables just read.
func (r *Recoverd) setPingEvery() {
	p := r.boundParams()
	if p.KeepaliveInterval <= 0 || p.KeepaliveLimit <= 0 {
		return
	}
	every := min(p.HoldBound()*2/5, time.Second)
	r.pingPeriod.Store(int64(max(every, 100*time.Millisecond)))
}

// setLeading records whether this node leads, waking pingLoop when it
// starts to.
func (r *Recoverd) setLeading(v bool) {
	if was := r.leading.Swap(v); v && !was {
		r.wakePings()
	}
}

// wakePings wakes an idle pingLoop.
func (r *Recoverd) wakePings() {
	select {
	case r.mayHold <- struct{}{}:
	default:
	}
}

// pingOnce is one tick of pingLoop: lost is the held lock's lost channel
// as last seen, and the result the one to watch until the next tick;
// held says whether this node holds the lock (leads, without a lock).
func (r *Recoverd) pingOnce(ctx context.Context, lost <-chan struct{}) (_ <-chan struct{}, held bool) {
	held = r.leading.Load()
	if r.locker != nil {
		held = r.locker.Held()
		switch {
		case held:
			lost = r.locker.Lost()
		case lost != nil && isClosed(lost): // lost while the tick fired
			lost = nil
			r.tellLockLost(ctx)
		default: // released, not lost
			lost = nil
		}
	}
	if !held {
		return lost, false
	}
	// One control both proves that ctdbd answers (LOCK_HELD goes through
	// its state machine, under its state lock) and tells it the lock is
	// still held; only then is the helper pinged, so a hung ctdbd makes
	// the helper let go. ctdbd refuses LOCK_HELD without quorum: the lock
	// is given up at once, even while the main loop is busy in a recovery.
	// The leader's claim goes with it: the followers hear it at the
	// same period as ctdbd hears the confirmation, and only while ctdbd
	// accepts the confirmation.
	req := r.lockHeld(time.Second)
	if r.leading.Load() {
		req.Claim = r.claimNow()
	}
	cctx, cancel := context.WithTimeout(ctx, time.Second)
	err := r.c.Call(cctx, protocol.PNNCurrent, protocol.OpLockHeld, req, nil)
	cancel()
	if protocol.StatusOf(err) == protocol.StatusNotPermitted && r.locker != nil && r.locker.Held() {
		r.log.Warningf("Releasing the cluster lock: %v", err)
		r.locker.Release()
	}
	if err == nil && r.locker != nil {
		if err = r.locker.Ping(); err != nil {
			r.log.Warningf("Cannot ping the cluster lock helper: %v", err)
		}
	}
	return lost, true
}

// tellLockLost tells ctdbd at once, even while the main loop is busy in a
// recovery, that the lock is lost: it releases the addresses before
// another node can hold the lock and reassign them.
func (r *Recoverd) tellLockLost(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := r.c.Call(cctx, protocol.PNNCurrent, protocol.OpLockLost, nil, nil); err != nil {
		r.log.Warningf("Cannot tell ctdbd that the cluster lock is lost: %v", err)
	}
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// startupRace tries the lock once at start, without calling an election:
// a lock race is safe (only one node can win, and a running leader's lock
// just shows contention), and it spares a new cluster the leader timeout
// (CTDB takes ~24 s to settle on start).
func (r *Recoverd) startupRace() {
	err := r.fetchInfo()
	if err != nil {
		return
	}
	r.ls.SeedEpoch(r.info.Epoch)
	if r.locker == nil || !r.cfg.Capable || !cluster.CanLead(r.info.Flags, true) {
		return
	}
	r.refreshTunables()
	r.race()
}

// fetchInfo refreshes r.info from the local ctdbd. It decodes into a
// fresh value: fields left out of the answer (omitempty) must not keep
// their previous values.
func (r *Recoverd) fetchInfo() error {
	// Changes pushed from now on are not in this answer's past: the
	// next one makes the state stale again.
	r.stale = false
	info, err := r.nodeInfo()
	if err != nil {
		r.stale = true
		return err
	}
	r.info, r.fetched = info, r.now()
	r.viewsStale = true
	return nil
}

// nodeInfo asks the local ctdbd for its state and node map.
func (r *Recoverd) nodeInfo() (protocol.NodeSelf, error) {
	ctx, cancel := callCtx()
	defer cancel()
	var info protocol.NodeSelf
	err := r.c.Call(ctx, protocol.PNNCurrent, protocol.OpGetNodeInfo, nil, &info)
	return info, err
}

// leaderless: lock mode, no leader known, not in an election, and this
// node may lead.
func (r *Recoverd) leaderless() bool {
	return r.locker != nil && r.cfg.Capable && !r.ls.HoldsLock() && !r.ls.Electing() &&
		r.ls.Leader() == protocol.PNNUnknown && cluster.CanLead(r.info.Flags, true)
}

func (r *Recoverd) release() {
	if r.locker != nil {
		r.locker.Release()
	}
}

// lost is the lock's lost channel, or nil (never ready) without a lock.
func (r *Recoverd) lost() <-chan struct{} {
	if r.locker == nil || !r.ls.HoldsLock() {
		return nil
	}
	return r.locker.Lost()
}

func (r *Recoverd) interval() time.Duration {
	v := r.tun["RecoverInterval"]
	if v == 0 {
		v = 1
	}
	return time.Duration(v) * time.Second
}

func (r *Recoverd) onMessage(f protocol.Frame) {
	now := r.now()
	switch f.Op {
	case protocol.MsgRecdWake:
		r.stale = true
	case protocol.MsgLeader:
		var m protocol.LeaderMsg
		if protocol.UnmarshalBody(f.Body, &m) != nil {
			return
		}
		if m.Leader != r.ls.Leader() || m.From != m.Leader {
			// A new or withdrawn claim: ctdbd's leader changed too.
			// The current leader's periodic broadcast changes nothing.
			r.stale = true
		}
		err := r.ls.OnBroadcast(cluster.Broadcast{From: m.From, Leader: m.Leader, Epoch: m.Epoch}, now)
		if l := r.ls.Leader(); l != protocol.PNNUnknown {
			// Noted here, not only at the end of a pass: the same batch
			// of messages can carry the leader's disconnect, and a
			// successor must know which node led (see takeover's wait).
			r.lastLeader = l
		}
		switch {
		case errors.Is(err, cluster.ErrLeaderConflict):
			r.log.Error(capitalize(err.Error())) // it says it is ignored
		case err != nil:
			r.log.Infof("Ignoring %v", err)
		}
	case protocol.MsgTakeover:
		var t protocol.TakeoverReq
		if protocol.UnmarshalBody(f.Body, &t) == nil {
			r.to.need = true
			r.stale = true
			if t.Move != nil {
				r.to.move = t.Move
			}
		}
	case protocol.MsgRecover:
		r.forceRec = true
		r.stale = true
	case protocol.MsgPeer:
		r.stale = true
		var p protocol.PeerEvent
		if protocol.UnmarshalBody(f.Body, &p) == nil && !p.Connected {
			known := r.ls.Leader()
			r.ls.OnDisconnect(p.PNN)
			switch {
			case p.PNN == known:
				r.log.Warningf("Leader node %d disconnected: election now", p.PNN)
			case known == protocol.PNNUnknown && p.PNN == r.lastLeader:
				// The leader ctdbd showed, whose claim this daemon never
				// took (it came before this node connected; the next one
				// comes a ping interval later). Its lock may be free now:
				// the race is not held back by the last lost one.
				r.log.Warningf("Leader node %d disconnected: racing for the cluster lock now", p.PNN)
				r.raced = time.Time{}
			}
		}
	}
}

// ctx returns a context for one control.
func callCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), callTimeout)
}

// step is one pass of the main loop.
func (r *Recoverd) step(parent context.Context) {
	r.drainMessages()
	if r.needFetch(r.now()) {
		if err := r.fetchInfo(); err != nil {
			// No ping for the lock helper while our ctdbd does not answer:
			// if it hangs, the helper releases the lock and another node
			// leads.
			r.log.Warningf("Local ctdbd does not answer: %v", err)
			return
		}
		if l := r.info.Leader; l != protocol.PNNUnknown && l != r.self {
			// ctdbd's shown leader counts as the last leader too: this
			// daemon may have refused the claim (its node map did not
			// show the claimant connected yet) while ctdbd took it.
			r.lastLeader = l
		}
	}
	if r.tun == nil || r.info.TunableChanges != r.tunChanges || r.now().Sub(r.tunFetched) >= tunablesRefetch {
		r.refreshTunables()
	}
	if r.info.Capable != r.cfg.Capable {
		r.log.Infof("Leader capability changed to %v", r.info.Capable)
		r.cfg.Capable = r.info.Capable
		r.ls.SetCapable(r.info.Capable)
	}
	r.ls.OnNodemap(nodeFlags(r.info.Nodes))
	r.checkTerm(r.now())
	r.checkQuorum(r.now())
	r.ls.NoteBroadcast(r.claimSent()) // the claims pingLoop sends count
	act, why := r.ls.Tick(r.now())
	r.act(act, why)
	if l := r.ls.Leader(); l != protocol.PNNUnknown {
		r.contended = time.Time{}
		r.lastLeader = l
	}
	r.setLeading(r.ls.HoldsLock())
	if !r.ls.HoldsLock() {
		r.claimMu.Lock()
		r.claim = nil // not leading: nothing for pingLoop to repeat
		r.claimMu.Unlock()
	}
	if act == cluster.ActionNone && r.leaderless() && r.now().Sub(r.raced) >= r.wait() {
		// Quiet retry: while no leader is known, try the lock every pass
		// instead of waiting out the leader timeout after a lost race.
		// Contention then usually means a dying leader's helper had not
		// let go yet; only the holder can lead, so retrying is safe.
		r.race()
	}
	if r.ls.HoldsLock() && parent.Err() == nil {
		r.lead()
	}
}

func nodeFlags(nodes []protocol.NodeInfo) []cluster.NodeFlags {
	out := make([]cluster.NodeFlags, len(nodes))
	for i, n := range nodes {
		out[i] = cluster.NodeFlags{PNN: n.PNN, Flags: n.Flags}
	}
	return out
}

// tunablesRefetch is how often the tunables are fetched even when
// NodeSelf.TunableChanges says nothing changed.
const tunablesRefetch = 30 * time.Second

// refreshTunables fetches every tunable from ctdbd.
func (r *Recoverd) refreshTunables() {
	ctx, cancel := callCtx()
	defer cancel()
	var l protocol.TunableList
	changes := r.info.TunableChanges
	if r.c.Call(ctx, protocol.PNNCurrent, protocol.OpListTunables, nil, &l) != nil {
		return
	}
	r.tunChanges, r.tunFetched = changes, r.now()
	m := make(map[string]uint32, len(l.Vars))
	for _, v := range l.Vars {
		m[v.Name] = v.Value
	}
	r.tun = m
	r.setPingEvery()
}

func (r *Recoverd) act(act cluster.Action, why string) {
	switch act {
	case cluster.ActionStartElection:
		r.log.Infof("Starting election: %s", why)
		r.broadcast(protocol.PNNUnknown)
		r.race()
	case cluster.ActionTryLock:
		r.log.Infof("Joining election: %s", why)
		r.race()
	case cluster.ActionBroadcast:
		r.broadcast(r.self)
	case cluster.ActionStepDown:
		r.log.Warningf("Stepping down as leader: %s", why)
		r.release()
		r.broadcast(protocol.PNNUnknown)
	}
}

func (r *Recoverd) broadcast(leader uint32) {
	ctx, cancel := callCtx()
	defer cancel()
	m := protocol.LeaderMsg{From: r.self, Leader: leader, Epoch: r.ls.Epoch()}
	if leader == r.self && r.ls.HoldsLock() {
		m.Token = r.token
	}
	r.claimMu.Lock()
	defer r.claimMu.Unlock()
	r.claim, r.claimAt = nil, r.now()
	if leader == r.self {
		r.claim = &m
	}
	if err := r.c.Call(ctx, protocol.PNNCurrent, protocol.OpBroadcast, r.stamped(m, callTimeout), nil); err != nil {
		r.log.Warningf("Leader broadcast failed: %v", err)
	}
}

// claimNow returns the leader's last claim, to send with a lock
// confirmation, and notes it as sent now (nil: none). pingLoop sends it
// on its own goroutine, so the claim goes on while the main loop is busy
// in a recovery, which can take seconds on a large cluster: without it
// the followers would hear nothing for LeaderTimeout and call an election
// against a leader that still holds the lock (that slowed a 32-node start
// to 13 s). A step-down clears the claim under claimMu before it
// broadcasts, so a withdrawn claim is never sent again.
func (r *Recoverd) claimNow() *protocol.LeaderMsg {
	r.claimMu.Lock()
	defer r.claimMu.Unlock()
	if r.claim == nil {
		return nil
	}
	r.claimAt = r.now()
	m := *r.claim
	return &m
}

// claimSent is when the leader's claim last went out (zero: never).
func (r *Recoverd) claimSent() time.Time {
	r.claimMu.Lock()
	defer r.claimMu.Unlock()
	return r.claimAt
}

// lockHeld is a LOCK_HELD request whose caller waits for wait: ctdbd
// refuses it if it reads it later (see protocol.LockHeld).
func (r *Recoverd) lockHeld(wait time.Duration) protocol.LockHeld {
	return protocol.LockHeld{Deadline: r.now().Add(wait).UnixNano()}
}

// stamped is m as a BROADCAST whose caller waits for wait.
func (r *Recoverd) stamped(m protocol.LeaderMsg, wait time.Duration) protocol.LeaderMsg {
	m.Deadline = r.now().Add(wait).UnixNano()
	return m
}

// broadcastEvery is cluster.DefaultLeaderConfig's BroadcastInterval.
var broadcastEvery = cluster.DefaultLeaderConfig(0).BroadcastInterval

// race is the election: with a lock, a race for it; without one, the
// longest running eligible node wins.
func (r *Recoverd) race() {
	now := r.now()
	// A term starts above every epoch this node's ctdbd has seen: its
	// ctdbd refuses fenced controls from an older one.
	r.ls.SeedEpoch(r.info.Epoch)
	if r.withoutQuorum() {
		r.ls.OnLockFailed(now)
		return
	}
	if r.locker == nil {
		r.electWithoutLock(now)
		return
	}
	if !r.locker.Held() && r.lockFSStuck(now) {
		r.ls.OnLockFailed(now)
		return
	}
	t0 := r.now()
	r.raced = t0
	res, err := r.locker.TryLock(r.interval())
	r.report(protocol.RecdReport{Kind: protocol.RecdLock, Seconds: r.now().Sub(t0).Seconds(), OK: res == clusterlock.ResultLocked})
	switch {
	case res == clusterlock.ResultLocked:
		r.wakePings() // the helper holds the lock: it needs pings
		if r.cfg.Quorum && !r.majorityAnswers() {
			r.locker.Release()
			r.ls.OnLockFailed(r.now())
			return
		}
		if !r.takeTerm(r.now()) {
			return
		}
		r.newTerm, r.termStart, r.prevLeader = true, r.now(), r.lastLeader
		r.contended = time.Time{}
		r.setLeading(true)
		r.confirmLock()
		r.broadcast(r.self)
	case err != nil:
		r.log.Warningf("Cluster lock not taken: %v", err)
		r.ls.OnLockFailed(r.now())
	default:
		r.log.Infof("Cluster lock not taken: %s", res)
		r.ls.OnLockFailed(r.now())
		if res == clusterlock.ResultContended && r.ls.Leader() == protocol.PNNUnknown && r.contended.IsZero() &&
			r.lastLeader != protocol.PNNUnknown {
			r.contended = r.now()
		}
	}
}

// majorityAnswers: under "[cluster] quorum = majority", a node that has
// just taken the lock leads only if a majority of the nodes, itself
// counted, answer it now. Its ctdbd's quorum counts peers heard within
// the quorum window, so a node cut off a moment ago still has quorum for
// up to that long; if its side of the split sees a lock of its own (a
// cluster filesystem in split brain), the lock alone would let it lead
// beside the majority's leader until its quorum ran out (seen in
// TestFcntlLockPartitions: a cut-off node acting as leader for 1.2 s).
// A control answered after the lock was taken is proof of contact that no
// old frame can give. It returns as soon as a majority has answered (one
// round trip), and gives up after the quorum window, at most a second.
func (r *Recoverd) majorityAnswers() bool {
	nodes := nodeFlags(r.info.Nodes)
	heard := map[uint32]bool{}
	quorum := func() cluster.Quorum {
		return cluster.MajorityQuorum(cluster.QuorumInput{Self: r.self, Nodes: nodes, Heard: heard})
	}
	if quorum().Have {
		return true // this node alone is a majority
	}
	var peers []uint32
	for _, n := range r.info.Nodes {
		if n.PNN != r.self && n.Flags&(protocol.FlagDisconnected|protocol.FlagDeleted) == 0 {
			peers = append(peers, n.PNN)
		}
	}
	wait := min(r.boundParams().QuorumWindow(), time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	answered := make(chan uint32, len(peers)) // buffered: no sender is left blocked
	for _, p := range peers {
		go func() {
			var rep protocol.PNNReply
			if r.c.Call(ctx, p, protocol.OpGetPNN, nil, &rep) != nil {
				p = protocol.PNNUnknown
			}
			answered <- p
		}()
	}
	for range peers {
		if p := <-answered; p != protocol.PNNUnknown {
			heard[p] = true
			if quorum().Have {
				if r.unconfirmedLogged {
					r.log.Info("A majority of the nodes answers again: this node may lead")
					r.unconfirmedLogged = false
				}
				return true
			}
		}
	}
	if !r.unconfirmedLogged {
		q := quorum()
		r.log.Warningf("Giving the cluster lock back: %d of %d nodes, this one counted, answered within %v; quorum = majority needs more than half",
			q.Votes, q.Configured, wait)
		r.unconfirmedLogged = true
	}
	return false
}

// confirmLock tells ctdbd at once that this node has just taken the lock.
// Its public addresses are kept only while such confirmations come (see
// the daemon's hold bound); until now it counted from the last frame of
// the old leader, and waiting for pingLoop's next tick could let that
// bound pass (1.5 s with KeepaliveInterval 1, KeepaliveLimit 3), so a new
// leader released every address it had just taken.
func (r *Recoverd) confirmLock() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := r.c.Call(ctx, protocol.PNNCurrent, protocol.OpLockHeld, r.lockHeld(time.Second), nil); err != nil {
		r.log.Warningf("Cannot confirm the cluster lock to ctdbd: %v", err)
	}
}

// takeTerm starts this node's term after the lock was taken. With a
// fencing token the term's epoch is the token; a stale token (a newer
// term has been seen) gives the lock back: false.
func (r *Recoverd) takeTerm(now time.Time) bool {
	tok, ok := r.locker.Token()
	if !ok {
		r.token = 0
		r.ls.OnLockTaken(now)
		r.log.Infof("Took cluster lock, leader=%d (epoch %d)", r.self, r.ls.Epoch())
		return true
	}
	err := r.ls.OnLockTakenToken(now, tok)
	switch {
	case errors.Is(err, cluster.ErrStaleToken):
		r.log.Errorf("Refusing to lead: %v", err)
		r.locker.Release()
		r.ls.OnLockFailed(now)
		return false
	case err != nil:
		r.log.Warningf("Fencing by token off for this term: %v", err)
		r.token = 0
	default:
		r.token = tok
	}
	r.log.Infof("Took cluster lock, leader=%d (epoch %d, fencing token %d)", r.self, r.ls.Epoch(), tok)
	return true
}

// checkTerm: a holder with a fencing token whose ctdbd has accepted a newer
// epoch has been superseded; it must not act with its old token.
func (r *Recoverd) checkTerm(now time.Time) {
	if r.token == 0 || !r.ls.HoldsLock() {
		return
	}
	if r.ls.OnEpochSeen(r.info.Epoch, now) {
		r.log.Errorf("Fencing token %d is stale: leader epoch %d has been seen; stepping down", r.token, r.info.Epoch)
		r.token = 0
		r.release()
		r.broadcast(protocol.PNNUnknown)
	}
}

// withoutQuorum: the quorum rule is on and this node's ctdbd reports no
// quorum; logged when that starts and ends.
func (r *Recoverd) withoutQuorum() bool {
	no := r.cfg.Quorum && r.info.NoQuorum
	switch {
	case no && !r.noQuorumLogged:
		r.log.Warning("No quorum: this node does not try to lead")
	case !no && r.noQuorumLogged:
		r.log.Info("Quorum regained: this node may lead again")
	}
	r.noQuorumLogged = no
	return no
}

// checkQuorum: a leader that lost quorum steps down at once, and gives
// the lock back.
func (r *Recoverd) checkQuorum(now time.Time) {
	if !r.withoutQuorum() || !r.ls.OnQuorumLost(now) {
		return
	}
	r.log.Warning("Stepping down as leader: no quorum")
	r.token = 0
	r.release()
	r.broadcast(protocol.PNNUnknown)
}

// lockFSStuck says whether this node's probe of the lock directory is
// stuck (see Config.LockDir), logging when that starts and ends.
func (r *Recoverd) lockFSStuck(now time.Time) bool {
	w, err := clusterlock.LockDirStuck(r.cfg.LockDir, r.cfg.VarDir, now)
	if err != nil {
		r.log.Warningf("Cannot read the probe state of %s: %v", r.cfg.LockDir, err)
		return false
	}
	switch {
	case w != nil && w.Pid != r.fsStuckPid:
		r.log.Warningf("Cluster lock not tried: %s does not answer (probe pid %d stuck since %s)",
			r.cfg.LockDir, w.Pid, w.Started.Format(time.RFC3339))
		r.fsStuckPid = w.Pid
	case w == nil && r.fsStuckPid != 0:
		r.log.Infof("%s answers again: cluster lock attempts resume", r.cfg.LockDir)
		r.fsStuckPid = 0
	}
	return w != nil
}

func (r *Recoverd) electWithoutLock(now time.Time) {
	r.log.Warning("No cluster lock configured: electing without one, split brain is possible")
	views := r.gatherViews()
	winner, ok := cluster.ElectNoLock(cluster.CandidatesFromViews(views))
	if ok && winner == r.self {
		r.ls.OnLockTaken(now)
		r.newTerm, r.termStart, r.prevLeader = true, now, r.lastLeader
		r.log.Infof("Won election without a lock, leader=%d (epoch %d)", r.self, r.ls.Epoch())
		r.broadcast(r.self)
		return
	}
	r.ls.OnLockFailed(now)
}

// gatherViews fetches every reachable node's own state. Nodes that do not
// answer are left out.
func (r *Recoverd) gatherViews() map[uint32]cluster.NodeView {
	views := map[uint32]cluster.NodeView{r.self: toView(r.info)}
	r.peerEpoch, r.peerEpochAt = r.info.Epoch, r.self
	var peers []uint32
	for _, n := range r.info.Nodes {
		if n.PNN != r.self && n.Flags&(protocol.FlagDisconnected|protocol.FlagDeleted) == 0 {
			peers = append(peers, n.PNN)
		}
	}
	res := fanOut(peers, callTimeout, func(ctx context.Context, p uint32) (protocol.NodeSelf, error) {
		var s protocol.NodeSelf
		return s, r.c.Call(ctx, p, protocol.OpGetNodeInfo, nil, &s)
	})
	for i, x := range res {
		if x.err != nil {
			r.log.Warningf("No status from node %d: %v", peers[i], x.err)
			continue
		}
		views[peers[i]] = toView(x.val)
		r.runstates[peers[i]] = x.val.Runstate
		if x.val.Epoch > r.peerEpoch {
			r.peerEpoch, r.peerEpochAt = x.val.Epoch, peers[i]
		}
	}
	r.runstates[r.self] = r.info.Runstate
	return views
}

func toView(s protocol.NodeSelf) cluster.NodeView {
	return cluster.NodeView{PNN: s.PNN, Flags: s.Flags, Generation: s.Generation,
		VNNMap: s.VNNMap, RecMode: s.RecMode, Leader: s.Leader, Nodes: nodeFlags(s.Nodes),
		Started: s.Started, LeaderCapable: s.Capable, NoLMaster: s.NoLMaster}
}

// report tells the local ctdbd a fact for its statistics and metrics.
func (r *Recoverd) report(rep protocol.RecdReport) {
	ctx, cancel := callCtx()
	defer cancel()
	if err := r.c.Call(ctx, protocol.PNNCurrent, protocol.OpRecdReport, rep, nil); err != nil {
		r.log.Debugf("Cannot report %s to ctdbd: %v", rep.Kind, err)
	}
}

// capitalize makes a log message of an error's text.
func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
