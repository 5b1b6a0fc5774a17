package protocol

import "time"

// Controls and messages of the cluster: the recovery daemon drives
// recoveries with these, through its local ctdbd, which forwards them to
// other nodes. The recovery controls are FENCED: the header carries the
// sender's generation, and Header.Flags carries the sender's leader epoch
// (FencedFlag marks them). A node refuses a fenced control whose generation
// is older than its own, or whose epoch is older than the newest leader
// epoch it has seen, so a deposed leader cannot change anything.
const (
	OpSetRecMode    Op = 30 // SetRecMode: ACTIVE, or NORMAL after checking the lock
	OpStartRecovery Op = 31 // runs the startrecovery event
	OpSetVNNMap     Op = 32 // installs a new generation and vnnmap
	OpEndRecovery   Op = 33 // runs the recovered event
	OpBan           Op = 34 // Ban: ban this node for a time (0 = unban)
	OpBroadcast     Op = 35 // LeaderMsg: the local recovery daemon asks ctdbd to send it to all nodes
	OpSubscribe     Op = 36 // the caller's connection receives pushed messages (the recovery daemon)
	OpReloadNodes   Op = 37 // re-read the nodes file
	OpGetNodeInfo   Op = 38 // NodeSelf: the node's own state, for the leader's checks
	OpLockHeld      Op = 39 // the local recovery daemon holds the lock and has just pinged its helper
)

// One-way messages.
const (
	MsgLeader     Op = 50 // LeaderMsg: "I lead" (Leader == From) or "election" (Leader unknown)
	MsgNodeUpdate Op = 51 // PeerSelf: a node's own flags and runstate, sent when they change
	MsgPeer       Op = 52 // PeerEvent: pushed to the recovery daemon on connect/disconnect
	MsgRecdWake   Op = 53 // Empty: something changed locally; look now
	MsgTakeover   Op = 54 // TakeoverReq: pushed to the leader's recovery daemon: run a takeover now
)

// TakeoverReq asks the leader for a takeover run, optionally moving one
// address to a given node first.
type TakeoverReq struct {
	Move *MoveIP `json:"move,omitempty"`
}

// FencedFlag in Header.Flags marks a fenced control; the low 31 bits are
// the sender's leader epoch.
const FencedFlag uint32 = 1 << 31

// FenceFlags builds the Header.Flags of a fenced control.
func FenceFlags(epoch uint32) uint32 { return FencedFlag | epoch&^FencedFlag }

// FenceEpoch returns the epoch of a fenced control and whether it is one.
func FenceEpoch(flags uint32) (uint32, bool) { return flags &^ FencedFlag, flags&FencedFlag != 0 }

type SetRecMode struct {
	Mode int32 `json:"mode"`
}

type SetVNNMap struct {
	Generation uint32   `json:"generation"`
	VNNMap     []uint32 `json:"vnnmap"`
}

type Ban struct {
	Seconds uint32 `json:"seconds"`
}

// LeaderMsg is a leader broadcast. Epoch is the leader's term (or, for an
// election call, the highest epoch the caller has seen).
type LeaderMsg struct {
	From   uint32 `json:"from"`
	Leader uint32 `json:"leader"`
	Epoch  uint32 `json:"epoch"`
	// Token is the leader's cluster lock fencing token, when its lock
	// helper gives one (ctdb_etcd_lock); its Epoch is then the token.
	Token int64 `json:"token,omitempty"`
	// Deadline is set only on the local recovery daemon's BROADCAST,
	// never between nodes: see LockHeld.
	Deadline int64 `json:"deadline,omitempty"`
}

// LockHeld is LOCK_HELD's request.
type LockHeld struct {
	// Deadline (Unix ns) is when the recovery daemon stops waiting for
	// the answer and counts the call as failed. ctdbd refuses a request
	// it reads later: one queued while ctdbd was stopped says the lock
	// was held seconds ago, and by then the helper may have let it go.
	// ctdbd serves each request in its own goroutine, so such a stale
	// confirmation or leader claim could otherwise be applied after the
	// LOCK_LOST queued behind it.
	Deadline int64 `json:"deadline,omitempty"`
	// Claim, while this node leads, is its leader broadcast: ctdbd sends
	// it to the other nodes once the confirmation is accepted, as for
	// BROADCAST. The claim rides on the confirmation, so an idle leader
	// makes one control a period instead of two, and a claim goes out
	// only while the lock is confirmed.
	Claim *LeaderMsg `json:"claim,omitempty"`
}

// Expired reports whether a local request's Deadline (0: none) has
// passed at now. Both ends read the same host's wall clock.
func Expired(deadline int64, now time.Time) bool {
	return deadline != 0 && now.UnixNano() > deadline
}

// NodeSelf is what a node says about itself in answer to GET_NODEINFO
// (the other nodes hear PeerSelf).
type NodeSelf struct {
	PNN        uint32     `json:"pnn"`
	Flags      uint32     `json:"flags"`
	Generation uint32     `json:"generation"`
	VNNMap     []uint32   `json:"vnnmap"`
	RecMode    int32      `json:"recmode"`
	Leader     uint32     `json:"leader"`
	Epoch      uint32     `json:"epoch"`
	Started    time.Time  `json:"started"`
	Capable    bool       `json:"capable"`
	Runstate   string     `json:"runstate"`
	Nodes      []NodeInfo `json:"nodes"` // its view of every node

	// NoLMaster: the LMASTER role is off (ctdb setlmasterrole off); the
	// node stays out of the vnnmap.
	NoLMaster bool `json:"no_lmaster,omitempty"`
	// NoQuorum: "[cluster] quorum = majority" is on and this node does
	// not have quorum, so it must not lead.
	NoQuorum bool `json:"noquorum,omitempty"`

	// TunableChanges counts the node's tunable changes: its recovery
	// daemon fetches the tunables again only when this moves.
	TunableChanges uint64 `json:"tunable_changes,omitempty"`
}

// PeerSelf is what a node tells every other node of itself, in its
// keepalives and in MSG_NODE_UPDATE: the peers keep only its flags (a node
// is the authority on its own flags) and its runstate. The rest of a
// node's state, with its view of every node, is NodeSelf, which the
// leader's recovery daemon asks for (GET_NODEINFO) when it checks the
// cluster: sent to every peer on every change, those N entries cost N²
// decodes per change of one node.
type PeerSelf struct {
	PNN      uint32 `json:"pnn"`
	Flags    uint32 `json:"flags"`
	Runstate string `json:"runstate"`
}

// PeerEvent reports a peer's connection state change.
type PeerEvent struct {
	PNN       uint32 `json:"pnn"`
	Connected bool   `json:"connected"`
}

func init() {
	Ops[OpSetRecMode] = OpInfo{"SET_RECMODE", newOf[SetRecMode](), newOf[Empty]()}
	Ops[OpStartRecovery] = OpInfo{"START_RECOVERY", newOf[Empty](), newOf[Empty]()}
	Ops[OpSetVNNMap] = OpInfo{"SET_VNNMAP", newOf[SetVNNMap](), newOf[Empty]()}
	Ops[OpEndRecovery] = OpInfo{"END_RECOVERY", newOf[Empty](), newOf[Empty]()}
	Ops[OpBan] = OpInfo{"BAN", newOf[Ban](), newOf[Empty]()}
	Ops[OpBroadcast] = OpInfo{"BROADCAST", newOf[LeaderMsg](), newOf[Empty]()}
	Ops[OpSubscribe] = OpInfo{"SUBSCRIBE", newOf[Empty](), newOf[Empty]()}
	Ops[OpReloadNodes] = OpInfo{"RELOAD_NODES", newOf[Empty](), newOf[Empty]()}
	Ops[OpGetNodeInfo] = OpInfo{"GET_NODEINFO", newOf[Empty](), newOf[NodeSelf]()}
	Ops[OpLockHeld] = OpInfo{"LOCK_HELD", newOf[LockHeld](), newOf[Empty]()}
	Ops[MsgLeader] = OpInfo{"MSG_LEADER", newOf[LeaderMsg](), newOf[Empty]()}
	Ops[MsgNodeUpdate] = OpInfo{"MSG_NODE_UPDATE", newOf[PeerSelf](), newOf[Empty]()}
	Ops[MsgPeer] = OpInfo{"MSG_PEER", newOf[PeerEvent](), newOf[Empty]()}
	Ops[MsgRecdWake] = OpInfo{"MSG_RECD_WAKE", newOf[Empty](), newOf[Empty]()}
	Ops[MsgTakeover] = OpInfo{"MSG_TAKEOVER", newOf[TakeoverReq](), newOf[Empty]()}
}
