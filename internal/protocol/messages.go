package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Op names an operation: a control (request/reply) or a one-way message.
//
// Number ranges, so that work on separate features never collides:
//
//	1-99     node, event and cluster controls (cluster_ops.go, ip_ops.go)
//	100-199  node transport (transport_ops.go)
//	200-229  scripts' commands: tickles, interfaces, processes, roles
//	230-249  cluster lock and quorum
//	250-269  statistics, metrics, diagnostics
//	270-299  configuration and event-script layout
//	300-399  databases
type Op uint32

// Controls served by ctdbd on its unix socket (and, for a control addressed
// to another PNN, forwarded over the node transport).
const (
	OpPing            Op = 1
	OpGetPNN          Op = 2
	OpGetPID          Op = 3
	OpGetNodemap      Op = 4
	OpGetStatus       Op = 5
	OpGetRunstate     Op = 6
	OpGetReclock      Op = 7
	OpListTunables    Op = 8
	OpGetTunable      Op = 9
	OpSetTunable      Op = 10
	OpUptime          Op = 11
	OpGetDebug        Op = 12
	OpSetDebug        Op = 13
	OpShutdown        Op = 14
	OpEventStatus     Op = 15
	OpEventRun        Op = 16
	OpEventScriptList Op = 17
	OpEventScriptSet  Op = 18
	OpModifyFlags     Op = 19
	OpGetCapabilities Op = 20
	OpGetVersion      Op = 21
)

// OpInfo describes an operation for dispatch, logging and tests.
type OpInfo struct {
	Name string
	// NewRequest and NewReply return a pointer to a zero value of the body
	// types. Empty is used where there is no body.
	NewRequest func() any
	NewReply   func() any
}

func newOf[T any]() func() any { return func() any { return new(T) } }

// Ops is the catalogue of every operation and its body types.
var Ops = map[Op]OpInfo{
	OpPing:            {"PING", newOf[Empty](), newOf[PingReply]()},
	OpGetPNN:          {"GET_PNN", newOf[Empty](), newOf[PNNReply]()},
	OpGetPID:          {"GET_PID", newOf[Empty](), newOf[PIDReply]()},
	OpGetNodemap:      {"GET_NODEMAP", newOf[Empty](), newOf[Nodemap]()},
	OpGetStatus:       {"GET_STATUS", newOf[Empty](), newOf[Status]()},
	OpGetRunstate:     {"GET_RUNSTATE", newOf[Empty](), newOf[Runstate]()},
	OpGetReclock:      {"GET_RECLOCK", newOf[Empty](), newOf[Reclock]()},
	OpListTunables:    {"LIST_TUNABLES", newOf[Empty](), newOf[TunableList]()},
	OpGetTunable:      {"GET_TUNABLE", newOf[TunableName](), newOf[Tunable]()},
	OpSetTunable:      {"SET_TUNABLE", newOf[Tunable](), newOf[Empty]()},
	OpUptime:          {"UPTIME", newOf[Empty](), newOf[Uptime]()},
	OpGetDebug:        {"GET_DEBUG", newOf[Empty](), newOf[DebugLevel]()},
	OpSetDebug:        {"SET_DEBUG", newOf[DebugLevel](), newOf[Empty]()},
	OpShutdown:        {"SHUTDOWN", newOf[Empty](), newOf[Empty]()},
	OpEventStatus:     {"EVENT_STATUS", newOf[EventName](), newOf[EventStatus]()},
	OpEventRun:        {"EVENT_RUN", newOf[EventRun](), newOf[EventStatus]()},
	OpEventScriptList: {"EVENT_SCRIPT_LIST", newOf[Empty](), newOf[ScriptList]()},
	OpEventScriptSet:  {"EVENT_SCRIPT_SET", newOf[ScriptSet](), newOf[Empty]()},
	OpModifyFlags:     {"MODIFY_FLAGS", newOf[ModifyFlags](), newOf[Empty]()},
	OpGetCapabilities: {"GET_CAPABILITIES", newOf[Empty](), newOf[Capabilities]()},
	OpGetVersion:      {"GET_VERSION", newOf[Empty](), newOf[VersionReply]()},
}

func (o Op) String() string {
	if i, ok := Ops[o]; ok {
		return i.Name
	}
	return fmt.Sprintf("OP(%d)", uint32(o))
}

// Node flags, with CTDB's values and meanings.
const (
	FlagDisconnected        uint32 = 0x01
	FlagUnhealthy           uint32 = 0x02
	FlagPermanentlyDisabled uint32 = 0x04
	FlagBanned              uint32 = 0x08
	FlagDeleted             uint32 = 0x10
	FlagStopped             uint32 = 0x20
	// FlagDisabled is DISABLED in CTDB's sense: the node may not host IPs.
	FlagDisabled = FlagUnhealthy | FlagPermanentlyDisabled
	// FlagInactive: the node takes no part in the cluster.
	FlagInactive = FlagDeleted | FlagDisconnected | FlagBanned | FlagStopped
)

// Recovery modes.
const (
	RecModeNormal int32 = 0
	RecModeActive int32 = 1
)

// Empty is the body of an operation that carries no data.
type Empty struct{}

type PingReply struct {
	Clients int `json:"clients"`
}

type PNNReply struct {
	PNN uint32 `json:"pnn"`
}

type PIDReply struct {
	PID int `json:"pid"`
}

// NodeInfo is one line of the node map.
type NodeInfo struct {
	PNN     uint32 `json:"pnn"`
	Address string `json:"address"`
	Flags   uint32 `json:"flags"`
}

type Nodemap struct {
	Nodes []NodeInfo `json:"nodes"`
}

// Status is everything `ctdb status` shows, answered from the local daemon's
// view in one round trip.
type Status struct {
	PNN        uint32     `json:"pnn"`
	Nodes      []NodeInfo `json:"nodes"`
	Generation uint32     `json:"generation"`
	VNNMap     []uint32   `json:"vnnmap"`
	RecMode    int32      `json:"recmode"`
	Leader     uint32     `json:"leader"`
	// Misplaced counts public addresses the leader found on a wrong node
	// or on two nodes (and fixed) since it started leading.
	Misplaced int `json:"misplaced,omitempty"`
	// FenceToken is the leader's cluster lock fencing token, if its lock
	// gives one.
	FenceToken int64 `json:"fence_token,omitempty"`
	// Quorum is this node's quorum state, with "[cluster] quorum =
	// majority" only.
	Quorum string `json:"quorum,omitempty"`
}

type Runstate struct {
	Name string `json:"name"`
}

type Reclock struct {
	Value string `json:"value"`
}

type Tunable struct {
	Name  string `json:"name"`
	Value uint32 `json:"value"`
}

type TunableName struct {
	Name string `json:"name"`
}

type TunableList struct {
	Vars []Tunable `json:"vars"`
}

// Uptime carries times; zero times mean "never".
type Uptime struct {
	Now           time.Time `json:"now"`
	Started       time.Time `json:"started"`
	RecoveryStart time.Time `json:"recovery_start"`
	RecoveryEnd   time.Time `json:"recovery_end"`
}

type DebugLevel struct {
	Level string `json:"level"`
}

type EventName struct {
	Event string `json:"event"`
}

// EventRun asks the daemon to run an event now (ctdb event run).
type EventRun struct {
	Event   string   `json:"event"`
	Args    []string `json:"args"`
	Timeout float64  `json:"timeout"` // seconds; 0 = EventScriptTimeout
}

// ScriptStatus is one script's result; State is one of "OK", "ERROR",
// "TIMEDOUT", "DISABLED", "CANNOT RUN".
type ScriptStatus struct {
	Name         string    `json:"name"`
	State        string    `json:"state"`
	ExitCode     int       `json:"exit_code"`
	Signal       string    `json:"signal,omitempty"`
	Error        string    `json:"error,omitempty"`
	Output       string    `json:"output,omitempty"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	StillRunning bool      `json:"still_running,omitempty"`
}

// HungScript is a timed-out script whose process could not be reaped yet
// (typically stuck in the kernel on a hung filesystem).
type HungScript struct {
	Name  string    `json:"name"`
	Event string    `json:"event"`
	PID   int       `json:"pid"`
	Since time.Time `json:"since"`
}

// EventStatus is the last result of an event. Outcome is "OK", "ERROR",
// "TIMEDOUT" or "CANCELLED".
type EventStatus struct {
	Event    string         `json:"event"`
	NeverRun bool           `json:"never_run,omitempty"`
	Outcome  string         `json:"outcome"`
	ExitCode int            `json:"exit_code"`
	Scripts  []ScriptStatus `json:"scripts"`
	Hung     []HungScript   `json:"hung,omitempty"`
}

type Script struct {
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
}

type ScriptList struct {
	// Scripts are the node's scripts that are not symlinks to a packaged
	// script; Enabled means executable.
	Scripts []Script `json:"scripts"`
	// Packaged are the scripts of the data directory; Enabled means
	// events/legacy links to it. `ctdb event script list` shows them first.
	Packaged []Script `json:"packaged,omitempty"`
}

// ScriptSet enables or disables a script.
type ScriptSet struct {
	Name   string `json:"name"`
	Enable bool   `json:"enable"`
}

// ModifyFlags sets and clears node flags (disable/enable, stop/continue).
type ModifyFlags struct {
	Set   uint32 `json:"set"`
	Clear uint32 `json:"clear"`
}

type Capabilities struct {
	Leader  bool `json:"leader"`
	LMaster bool `json:"lmaster"`
}

type VersionReply struct {
	Version string `json:"version"`
}

// Reply status codes.
const (
	StatusOK            int32 = 0
	StatusError         int32 = 1 // the control failed; Error says why
	StatusUnknownOp     int32 = 2
	StatusBadRequest    int32 = 3
	StatusStaleGen      int32 = 4 // refused: sender's generation is older than ours
	StatusUnreachable   int32 = 5 // destination node not connected
	StatusTimeout       int32 = 6
	StatusNotPermitted  int32 = 7
	StatusShuttingDown  int32 = 8
	StatusNotFound      int32 = 9 // e.g. event never run, unknown tunable
	StatusEventFailed   int32 = 10
	StatusEventTimedOut int32 = 11
	StatusCancelled     int32 = 12
)

// Reply is the body of every KindReply frame.
type Reply struct {
	Status int32           `json:"status"`
	Error  string          `json:"error,omitempty"`
	Data   json.RawMessage `json:"data,omitempty"`
}

// MarshalBody encodes a message body.
func MarshalBody(v any) ([]byte, error) {
	return json.Marshal(v)
}

// UnmarshalBody decodes a body strictly: unknown fields and trailing data are
// errors, so a peer speaking another dialect is noticed instead of misread.
func UnmarshalBody(b []byte, v any) error {
	if len(b) == 0 {
		b = []byte("{}")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("bad %T body: %w", v, err)
	}
	if d.More() {
		return fmt.Errorf("bad %T body: trailing data", v)
	}
	return nil
}

// DecodeRequest decodes the body of a request for op into its typed value.
func DecodeRequest(op Op, body []byte) (any, error) {
	info, ok := Ops[op]
	if !ok {
		return nil, fmt.Errorf("unknown operation %d", uint32(op))
	}
	v := info.NewRequest()
	if err := UnmarshalBody(body, v); err != nil {
		return nil, fmt.Errorf("%s: %w", info.Name, err)
	}
	return v, nil
}

// DecodeReply decodes a reply body: the envelope and, if the status is OK,
// the typed data for op.
func DecodeReply(op Op, body []byte) (Reply, any, error) {
	var r Reply
	if err := UnmarshalBody(body, &r); err != nil {
		return r, nil, err
	}
	if r.Status != StatusOK {
		return r, nil, nil
	}
	info, ok := Ops[op]
	if !ok {
		return r, nil, fmt.Errorf("unknown operation %d", uint32(op))
	}
	v := info.NewReply()
	if err := UnmarshalBody(r.Data, v); err != nil {
		return r, nil, fmt.Errorf("%s reply: %w", info.Name, err)
	}
	return r, v, nil
}
