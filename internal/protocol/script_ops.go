package protocol

// Controls and messages of the commands CTDB's eventscripts and operators
// call: tickles, interface link state, processes, node roles, forced
// recoveries and memory reports (range 200-229).
const (
	OpGetTickles      Op = 200 // TickleQuery: the registered connections of a public address
	OpAddTickle       Op = 201 // Connection: register a connection to a public address
	OpDelTickle       Op = 202 // Connection: forget a registered connection
	MsgTickleList     Op = 203 // TickleList: node to node, the holder's list for one address
	OpSetIfaceLink    Op = 204 // IfaceLink: the link state an eventscript saw on an interface
	OpProcessExists   Op = 205 // ProcessQuery: is PID a client of this ctdbd (with SRVID)?
	OpSetCapabilities Op = 206 // SetCapabilities: LEADER and LMASTER roles at run time
	OpRecover         Op = 207 // (to the leader) run a recovery now
	OpDumpMemory      Op = 208 // MemoryReport of ctdbd
	OpRecdDumpMemory  Op = 209 // MemoryReport of the recovery daemon
	MsgRecover        Op = 210 // Empty: pushed to the leader's recovery daemon: recover now
)

// Connection is one TCP connection to a public address: Src is the
// client's ADDRESS:PORT, Dst the public address and the service's port
// (CTDB's order). Both are in netip.AddrPort text form.
type Connection struct {
	Src string `json:"src"`
	Dst string `json:"dst"`
}

// TickleQuery asks for the registered connections of Addr; Port 0 means
// every port, else only connections to that destination port.
type TickleQuery struct {
	Addr string `json:"addr"`
	Port uint16 `json:"port,omitempty"`
}

// TickleList is the registered connections of one public address.
type TickleList struct {
	Addr  string       `json:"addr"`
	Conns []Connection `json:"conns"`
}

// IfaceLink sets the link state ctdbd keeps for an interface.
type IfaceLink struct {
	Name string `json:"name"`
	Up   bool   `json:"up"`
}

// ProcessQuery asks whether PID is connected to ctdbd; with HasSRVID, also
// registered for SRVID.
type ProcessQuery struct {
	PID      int32  `json:"pid"`
	SRVID    uint64 `json:"srvid,omitempty"`
	HasSRVID bool   `json:"has_srvid,omitempty"`
}

type ProcessExists struct {
	Exists bool `json:"exists"`
}

// SetCapabilities changes the roles named (nil: unchanged).
type SetCapabilities struct {
	Leader  *bool `json:"leader,omitempty"`
	LMaster *bool `json:"lmaster,omitempty"`
}

// MemoryReport is a process's memory use, as text for `ctdb dumpmemory`.
type MemoryReport struct {
	Text string `json:"text"`
}

func init() {
	Ops[OpGetTickles] = OpInfo{"GET_TCP_TICKLE_LIST", newOf[TickleQuery](), newOf[TickleList]()}
	Ops[OpAddTickle] = OpInfo{"TCP_ADD_DELAYED_UPDATE", newOf[Connection](), newOf[Empty]()}
	Ops[OpDelTickle] = OpInfo{"TCP_REMOVE", newOf[Connection](), newOf[Empty]()}
	Ops[MsgTickleList] = OpInfo{"SET_TCP_TICKLE_LIST", newOf[TickleList](), newOf[Empty]()}
	Ops[OpSetIfaceLink] = OpInfo{"SET_IFACE_LINK_STATE", newOf[IfaceLink](), newOf[Empty]()}
	Ops[OpProcessExists] = OpInfo{"PROCESS_EXISTS", newOf[ProcessQuery](), newOf[ProcessExists]()}
	Ops[OpSetCapabilities] = OpInfo{"SET_CAPABILITIES", newOf[SetCapabilities](), newOf[Empty]()}
	Ops[OpRecover] = OpInfo{"RECOVER", newOf[Empty](), newOf[Empty]()}
	Ops[OpDumpMemory] = OpInfo{"DUMP_MEMORY", newOf[Empty](), newOf[MemoryReport]()}
	Ops[OpRecdDumpMemory] = OpInfo{"RECD_DUMP_MEMORY", newOf[Empty](), newOf[MemoryReport]()}
	Ops[MsgRecover] = OpInfo{"MSG_RECOVER", newOf[Empty](), newOf[Empty]()}
}
