package nodestate

import (
	"fmt"
	"time"

	"github.com/ctdb-go/ctdb/internal/cluster"
	"github.com/ctdb-go/ctdb/internal/health"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

// GenerationInvalid is CTDB's INVALID_GENERATION: no recovery has completed.
const GenerationInvalid uint32 = 1

// Kind is what happened.
type Kind int

const (
	// PeerConnected, PeerDisconnected: the transport's connection to
	// peer PNN came up or went (a peer whose keepalives stop for
	// KeepaliveLimit intervals is disconnected by the transport).
	PeerConnected Kind = iota
	PeerDisconnected
	// Frame: a frame (keepalive included) came from peer PNN.
	Frame
	// PeerSelf: peer PNN told its own Flags; Connected is whether the
	// transport has a connection to it now.
	PeerSelf
	// LeaderAnnounced: a leader message (Leader), from a peer or from
	// this node's own recovery daemon.
	LeaderAnnounced
	// LockConfirmed: this node's recovery daemon holds the cluster lock
	// and has just pinged its helper.
	LockConfirmed
	// LockLost: this node's recovery daemon lost the cluster lock; Held is
	// the number of public addresses held.
	LockLost
	// Fence: a fenced control Op arrived with Generation and FenceFlags.
	Fence
	// SetVNNMap: the leader's recovery sets Generation and VNNMap.
	SetVNNMap
	// Tick: time passed. Held is the number of public addresses held,
	// Linked the peers the transport has a connection to.
	Tick
	// Released: a ReleaseAll asked for earlier has been carried out.
	Released
	// MonitorDue: a monitor cycle starts; Watched is whether the
	// starvation bound applies (RUNNING and active).
	MonitorDue
	// MonitorDone: a monitor event ended with Result; Detail says why it
	// failed.
	MonitorDone
	// Serving: the node starts serving public addresses; the hold bound
	// runs from now.
	Serving
	// ModifyFlags: an administrator sets Set and clears Clear on this node
	// (DISABLED, STOPPED).
	ModifyFlags
	// Ban: the node is banned for Seconds (0 lifts the ban).
	Ban
	// BanExpired: the ban's time is up.
	BanExpired
)

// AdminFlags are the flags an administrator may set or clear on a node.
const AdminFlags = protocol.FlagPermanentlyDisabled | protocol.FlagStopped

// Input is one event and the time it happened.
type Input struct {
	Kind   Kind
	Now    time.Time
	Params Params

	PNN       uint32
	Flags     uint32
	Connected bool
	Leader    protocol.LeaderMsg
	Held      int
	Linked    map[uint32]bool

	Op         protocol.Op
	Generation uint32
	FenceFlags uint32
	VNNMap     []uint32

	Watched bool
	Result  health.Result
	Detail  string

	Set, Clear uint32
	Seconds    uint32
}

// ActionKind is what the caller must do.
type ActionKind int

const (
	// Log: log Msg at Level.
	Log ActionKind = iota
	// ShowLeader: the leader shown is now PNN (PNNUnknown: an election).
	ShowLeader
	// AnnounceLeader: send Leader to peer PNN (this node leads).
	AnnounceLeader
	// IgnoreLeader: a leader message was not taken, for the reason Msg.
	IgnoreLeader
	// Refuse: refuse the request with Status and Msg.
	Refuse
	// ReleaseAll: release every public address now (log Msg as an
	// error), then step with Released.
	ReleaseAll
	// NoteLockConfirmed: count the lock confirmation.
	NoteLockConfirmed
	// StateChanged: tell the other nodes and the recovery daemon.
	StateChanged
	// Notify: run the notification hook with Msg ("healthy", "unhealthy").
	Notify
	// StopServing: in the background, release every public address, then
	// run the event Msg if it is set.
	StopServing
	// BanTimer: stop the ban timer, and start it for After if not zero
	// (then step with BanExpired when it fires).
	BanTimer
	// RecoveryActive: set the recovery mode ACTIVE.
	RecoveryActive
	// PeerFlagsChanged: peer PNN's own flags changed; tell the quorum
	// rule and the recovery daemon (which reads the node map only when
	// told that it changed).
	PeerFlagsChanged
)

// Level is a log level.
type Level int

const (
	Debug Level = iota
	Info
	Warning
	Error
)

// Action is one thing to do.
type Action struct {
	Kind   ActionKind
	PNN    uint32
	Level  Level
	Msg    string
	Status int32
	Leader protocol.LeaderMsg
	After  time.Duration
}

// Step takes one input and returns what to do, in order.
func (s *State) Step(in Input) []Action {
	switch in.Kind {
	case PeerConnected:
		return s.peerConnected(in)
	case PeerDisconnected:
		return s.peerDisconnected(in)
	case Frame:
		if s.Leader == in.PNN {
			s.LastLeader = in.Now
		}
		s.Heard[in.PNN] = in.Now
	case PeerSelf:
		if !in.Connected || !s.peer(in.PNN) {
			return nil
		}
		n := &s.Nodes[in.PNN]
		old := n.Flags
		n.Flags = in.Flags &^ protocol.FlagDisconnected
		if n.Flags != old {
			return []Action{{Kind: PeerFlagsChanged, PNN: in.PNN}}
		}
	case LeaderAnnounced:
		return s.leaderAnnounced(in)
	case LockConfirmed:
		if !s.HasQuorum() {
			// The recovery daemon gives the lock up: a node without
			// quorum never leads.
			return []Action{{Kind: Refuse, Status: protocol.StatusNotPermitted,
				Msg: sprintf("node %d has no quorum", s.Self)}}
		}
		s.LastLeader = in.Now
		return []Action{{Kind: NoteLockConfirmed}}
	case LockLost:
		// This node no longer leads, and its addresses go now: another
		// node may hold the lock soon and then reassign them.
		if s.Leader == s.Self {
			s.Leader, s.LeaderToken = protocol.PNNUnknown, 0
		}
		if in.Held > 0 {
			s.Releasing = true
			return []Action{{Kind: ReleaseAll, Msg: sprintf("Cluster lock lost: releasing all %d public addresses", in.Held)}}
		}
	case Fence:
		return s.fence(in)
	case SetVNNMap:
		return s.setVNNMap(in)
	case Tick:
		return s.tick(in)
	case Released:
		s.Releasing = false
	case Serving:
		s.LastLeader = in.Now
	case ModifyFlags:
		return s.modifyFlags(in)
	case Ban:
		return s.ban(in)
	case BanExpired:
		s.SelfInfo().Flags &^= protocol.FlagBanned
		return []Action{logf(Info, "Ban period expired, node unbanned"), {Kind: StateChanged}}
	case MonitorDue:
		return s.monitorDue(in)
	case MonitorDone:
		return s.monitorDone(in)
	}
	return nil
}

// modifyFlags applies an administrator's flag change. A node that becomes
// inactive restarts its priority time (CTDB's election priority); one
// that becomes STOPPED gives up its addresses and runs the stopped event.
func (s *State) modifyFlags(in Input) []Action {
	if bad := (in.Set | in.Clear) &^ AdminFlags; bad != 0 {
		return []Action{{Kind: Refuse, Status: protocol.StatusNotPermitted, Msg: sprintf("flags 0x%x cannot be changed by a control", bad)}}
	}
	self := s.SelfInfo()
	old := self.Flags
	self.Flags = (old | in.Set) &^ in.Clear
	now := self.Flags
	if now&protocol.FlagInactive != 0 {
		s.Priority = in.Now
	}
	var out []Action
	if old != now {
		out = append(out, logf(Info, "Node flags changed from 0x%x to 0x%x", old, now), Action{Kind: StateChanged})
	}
	if old&protocol.FlagStopped == 0 && now&protocol.FlagStopped != 0 {
		out = append(out, Action{Kind: StopServing, Msg: "stopped"})
	}
	return out
}

// ban bans this node for in.Seconds (0 lifts the ban). A banned node is
// inactive: it is in recovery and holds no address until the ban ends.
func (s *State) ban(in Input) []Action {
	self := s.SelfInfo()
	after := time.Duration(in.Seconds) * time.Second
	if in.Seconds == 0 {
		self.Flags &^= protocol.FlagBanned
		return []Action{{Kind: BanTimer}, logf(Info, "Node unbanned"), {Kind: StateChanged}}
	}
	self.Flags |= protocol.FlagBanned
	return []Action{{Kind: BanTimer, After: after}, {Kind: RecoveryActive},
		logf(Warning, "Banning this node for %d seconds", in.Seconds), {Kind: StopServing}, {Kind: StateChanged}}
}

func (s *State) peerConnected(in Input) []Action {
	if s.peer(in.PNN) {
		s.Nodes[in.PNN].Flags &^= protocol.FlagDisconnected
	}
	if s.Leader != s.Self {
		return nil
	}
	// Tell the node that just connected that this node leads, without
	// waiting for the next broadcast.
	return []Action{{Kind: AnnounceLeader, PNN: in.PNN,
		Leader: protocol.LeaderMsg{From: s.Self, Leader: s.Self, Epoch: s.LeaderEpoch, Token: s.LeaderToken}}}
}

func (s *State) peerDisconnected(in Input) []Action {
	if !s.peer(in.PNN) {
		return nil
	}
	// What we knew of its flags is void. As in CTDB, a node that is gone
	// is DISCONNECTED and UNHEALTHY (its own flags replace these once it
	// is back).
	n := &s.Nodes[in.PNN]
	n.Flags = protocol.FlagDisconnected | protocol.FlagUnhealthy | n.Flags&protocol.FlagDeleted
	if s.Leader != in.PNN {
		return nil
	}
	s.Leader = protocol.PNNUnknown
	return []Action{s.showLeader()}
}

// leaderAnnounced mirrors leader broadcasts for `ctdb status`; the
// recovery daemon decides, ctdbd only shows. A claim from an older epoch
// than one already seen is ignored, and so is every claim while this node
// has no quorum (it follows nobody).
func (s *State) leaderAnnounced(in Input) []Action {
	m := in.Leader
	if m.Leader != protocol.PNNUnknown && !s.HasQuorum() {
		return []Action{{Kind: IgnoreLeader, PNN: m.From, Msg: sprintf("node %d claims to lead at epoch %d: this node has no quorum", m.From, m.Epoch)}}
	}
	var out []Action
	switch {
	case m.Leader == protocol.PNNUnknown:
		if m.Epoch >= s.LeaderEpoch {
			s.Leader, s.LeaderToken = protocol.PNNUnknown, 0
		} else {
			out = append(out, Action{Kind: IgnoreLeader, PNN: m.From, Msg: sprintf("node %d ends leader epoch %d: epoch %d is shown", m.From, m.Epoch, s.LeaderEpoch)})
		}
	case m.Leader == m.From && m.Epoch >= s.MaxEpoch:
		s.Leader, s.LeaderEpoch, s.MaxEpoch = m.From, m.Epoch, m.Epoch
		s.LeaderToken = m.Token
		if m.From != s.Self {
			// The claim is a frame from the new leader's node: contact.
			s.LastLeader = in.Now
		}
	case m.Leader == m.From:
		out = append(out, Action{Kind: IgnoreLeader, PNN: m.From, Msg: sprintf("node %d claims to lead at stale epoch %d: epoch %d has been seen", m.From, m.Epoch, s.MaxEpoch)})
	}
	return append(out, s.showLeader())
}

// fence refuses a stale fenced control, and otherwise raises the newest
// epoch seen to the sender's.
func (s *State) fence(in Input) []Action {
	epoch, ok := protocol.FenceEpoch(in.FenceFlags)
	refuse := func(status int32, format string, args ...any) []Action {
		return []Action{{Kind: Refuse, Status: status, Msg: sprintf(format, args...)}}
	}
	if !ok {
		return refuse(protocol.StatusNotPermitted, "%s must come from the leader with its generation and epoch", in.Op)
	}
	if !s.HasQuorum() {
		return refuse(protocol.StatusNotPermitted, "refusing %s: node %d has no quorum", in.Op, s.Self)
	}
	if gen := s.Generation; gen != GenerationInvalid && in.Generation < gen {
		return refuse(protocol.StatusStaleGen, "refusing %s from generation %d: this node is at generation %d", in.Op, in.Generation, gen)
	}
	if epoch < s.MaxEpoch {
		return refuse(protocol.StatusStaleGen, "refusing %s from leader epoch %d: leader epoch %d has been seen", in.Op, epoch, s.MaxEpoch)
	}
	s.MaxEpoch = epoch
	return nil
}

// setVNNMap takes a recovery's generation and vnnmap, unless the
// generation is older than this node's.
func (s *State) setVNNMap(in Input) []Action {
	if in.Generation <= GenerationInvalid {
		return []Action{{Kind: Refuse, Status: protocol.StatusBadRequest, Msg: sprintf("invalid generation %d", in.Generation)}}
	}
	if s.Generation != GenerationInvalid && in.Generation < s.Generation {
		return []Action{{Kind: Refuse, Status: protocol.StatusStaleGen,
			Msg: sprintf("refusing generation %d: this node is at generation %d", in.Generation, s.Generation)}}
	}
	s.Generation = in.Generation
	s.VNNMap = append([]uint32(nil), in.VNNMap...)
	return []Action{logf(Info, "New generation %d, vnnmap %v", in.Generation, in.VNNMap), {Kind: StateChanged}}
}

// tick applies the quorum rule and the release-before-reassign bound at
// in.Now. A node without quorum, or that has not heard from the leader
// (on the leader: had the lock confirmed) for the hold bound, releases
// every public address, once per release (see Released).
func (s *State) tick(in Input) []Action {
	var out []Action
	var why string
	if s.QuorumOn {
		q := s.computeQuorum(in)
		changed := !s.QuorumKnown || q.Have != s.Quorum.Have
		s.Quorum, s.QuorumKnown = q, true
		if changed {
			if q.Have {
				out = append(out, logf(Info, "Quorum: %s", q))
			} else {
				s.Leader, s.LeaderToken = protocol.PNNUnknown, 0
				out = append(out, logf(Error, "Quorum lost: %s: not leading, holding no public address", q))
			}
			out = append(out, Action{Kind: StateChanged})
		}
		if !q.Have {
			why = sprintf("No quorum: releasing all %d public addresses", in.Held)
		}
	}
	if silent := in.Now.Sub(s.LastLeader); why == "" && silent > in.Params.HoldBound() {
		why = sprintf("No contact with the leader for %.1f s: releasing all %d public addresses", silent.Seconds(), in.Held)
	}
	if s.StaleSelfLeader(in.Now, in.Params) {
		// A leader whose recovery daemon has not confirmed the lock for
		// the hold bound (this process was stopped, or its recovery
		// daemon hangs) may have lost it: it no longer shows itself as
		// leader, nor its fencing token.
		s.Leader, s.LeaderToken = protocol.PNNUnknown, 0
		out = append(out, logf(Warning, "No cluster lock confirmation for %.1f s: no longer showing this node as leader",
			in.Now.Sub(s.LastLeader).Seconds()), s.showLeader())
	}
	if why != "" && in.Held > 0 && !s.Releasing {
		s.Releasing = true
		out = append(out, Action{Kind: ReleaseAll, Msg: why})
	}
	return out
}

// StaleSelfLeader reports whether this node shows itself as leader without
// a lock confirmation for the hold bound at now.
func (s *State) StaleSelfLeader(now time.Time, p Params) bool {
	return s.Leader == s.Self && now.Sub(s.LastLeader) > p.HoldBound()
}

// ReleaseDue is when the hold bound runs out if no word from the leader
// comes before.
func (s *State) ReleaseDue(p Params) time.Time { return s.LastLeader.Add(p.HoldBound()) }

// QuorumRecheck is how long the daemon may wait, after a tick at now,
// before quorum must be computed again when no event (a peer connecting
// or dropping, a peer's flags changing) comes first. With quorum, only a
// counted peer's last frame growing older than the window can lose it:
// the wait ends 1 ms after the first such frame expires, at most a second
// (a changed tunable moves the window). Without quorum it is 200 ms:
// quorum comes back when frames from enough peers are recent again, which
// no event announces.
func (s *State) QuorumRecheck(now time.Time, p Params, linked func(uint32) bool) time.Duration {
	if !s.HasQuorum() {
		return 200 * time.Millisecond
	}
	next := time.Second
	win := p.QuorumWindow()
	for pnn, at := range s.Heard {
		if left := at.Add(win).Sub(now); left >= 0 && linked(pnn) {
			next = min(next, left+time.Millisecond)
		}
	}
	return max(next, 10*time.Millisecond)
}

// computeQuorum applies the majority rule: a peer counts if the transport
// has a connection to it and its last frame is within the quorum window.
func (s *State) computeQuorum(in Input) cluster.Quorum {
	win := in.Params.QuorumWindow()
	heard := map[uint32]bool{}
	for pnn, at := range s.Heard {
		if in.Now.Sub(at) <= win && in.Linked[pnn] {
			heard[pnn] = true
		}
	}
	return cluster.MajorityQuorum(cluster.QuorumInput{Self: s.Self, Nodes: nodeFlagsOf(s.Nodes), Heard: heard})
}

// monitorDue applies the starvation bound at the start of a monitor
// cycle: a node whose monitor has not completed for MonitorInterval +
// EventScriptTimeout is UNHEALTHY (see health.Starvation).
func (s *State) monitorDue(in Input) []Action {
	switch {
	case !in.Watched:
		s.Starve = health.Starvation{}
	case s.Starve.Since.IsZero():
		s.Starve.Reset(in.Now)
	}
	var out []Action
	if s.Starve.Check(in.Now, in.Params.MonitorInterval, in.Params.EventScriptTimeout) {
		out = append(out, logf(Error, "Monitoring starved (%s) - node marked UNHEALTHY", s.Starve.Reason(in.Now)))
	}
	changed, healthy := s.applyHealth()
	if changed {
		out = append(out, Action{Kind: StateChanged})
		out = append(out, s.notifyHealth(healthy, false)...)
		if healthy {
			out = append(out, logf(Info, "Node became HEALTHY"))
		} else {
			out = append(out, logf(Info, "Node became UNHEALTHY"))
		}
	}
	return out
}

// monitorDone feeds a monitor result to the health tracker (CTDB's rule:
// MonitorTimeoutCount timeouts in a row before a timeout counts) and to
// the starvation watch, and sets the node's UNHEALTHY flag.
func (s *State) monitorDone(in Input) []Action {
	r, limit := in.Result, in.Params.MonitorTimeoutCount
	trackerChanged := s.Health.Observe(r, limit)
	ended := s.Starve.Ran(r, in.Now)
	changed, healthy := s.applyHealth()
	var out []Action
	if changed {
		out = append(out, Action{Kind: StateChanged})
	}
	pending := r == health.TimedOut && !trackerChanged
	out = append(out, s.notifyHealth(healthy, pending)...)
	switch {
	case pending:
		out = append(out, logf(Warning, "Monitor event timed out (%d of %d before the node counts as unhealthy)", s.Health.Timeouts, limit))
	case changed && healthy:
		out = append(out, logf(Info, "Monitor event OK - node re-enabled"), logf(Info, "Node became HEALTHY"))
	case changed || (ended && !healthy):
		out = append(out, logf(Error, "Monitor event failed (%s) - node marked UNHEALTHY", in.Detail))
		if changed {
			out = append(out, logf(Info, "Node became UNHEALTHY"))
		}
	}
	return out
}

// applyHealth sets the UNHEALTHY flag from the monitor results and the
// starvation rule; it returns whether the flag changed, and the health.
func (s *State) applyHealth() (changed, healthy bool) {
	healthy = s.Health.Healthy && !s.Starve.Starved
	self := s.SelfInfo()
	was := self.Flags&protocol.FlagUnhealthy == 0
	if healthy {
		self.Flags &^= protocol.FlagUnhealthy
	} else {
		self.Flags |= protocol.FlagUnhealthy
	}
	return was != healthy, healthy
}

// notifyHealth: "healthy" or "unhealthy" goes to the notification hook
// after the first monitor result (a timeout below the limit does not
// count) and after every change.
func (s *State) notifyHealth(healthy, pending bool) []Action {
	if pending || (s.HealthNotified && s.HealthNotifiedAs == healthy) {
		return nil
	}
	s.HealthNotified, s.HealthNotifiedAs = true, healthy
	if healthy {
		return []Action{{Kind: Notify, Msg: "healthy"}}
	}
	return []Action{{Kind: Notify, Msg: "unhealthy"}}
}

// String is the action as the transcript tests read it.
func (a Action) String() string {
	switch a.Kind {
	case Log:
		return fmt.Sprintf("log %s: %s", [...]string{"debug", "info", "warning", "error"}[a.Level], a.Msg)
	case ShowLeader:
		if a.PNN == protocol.PNNUnknown {
			return "show leader: none"
		}
		return fmt.Sprintf("show leader: %d", a.PNN)
	case AnnounceLeader:
		return fmt.Sprintf("announce to %d: leader %d epoch %d token %d", a.PNN, a.Leader.Leader, a.Leader.Epoch, a.Leader.Token)
	case IgnoreLeader:
		return "ignore leader: " + a.Msg
	case Refuse:
		return fmt.Sprintf("refuse %d: %s", a.Status, a.Msg)
	case ReleaseAll:
		return "release all: " + a.Msg
	case NoteLockConfirmed:
		return "lock confirmed"
	case StateChanged:
		return "state changed"
	case Notify:
		return "notify " + a.Msg
	case StopServing:
		if a.Msg == "" {
			return "stop serving"
		}
		return "stop serving, then event " + a.Msg
	case BanTimer:
		if a.After == 0 {
			return "stop ban timer"
		}
		return fmt.Sprintf("ban timer %v", a.After)
	case RecoveryActive:
		return "recovery active"
	case PeerFlagsChanged:
		return fmt.Sprintf("peer %d flags changed", a.PNN)
	}
	return fmt.Sprintf("action %d", a.Kind)
}
