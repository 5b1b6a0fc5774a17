package protocol

// Controls of public IP failover. Take, release and the assignment push are
// fenced like the recovery controls (generation and leader epoch).
const (
	OpGetPublicIPs  Op = 60 // PublicIPList: this node's public addresses and what it knows of their holders
	OpGetIfaces     Op = 61 // IfaceList: interfaces of this node's public addresses
	OpTakeIP        Op = 62 // IPRequest: configure the address here (takeip event, then gratuitous ARP)
	OpReleaseIP     Op = 63 // IPRequest: remove the address here (releaseip event, connections reset)
	OpIPReallocated Op = 64 // runs the ipreallocated event
	OpSetAssignment Op = 65 // Assignment: the leader's current assignment, for display and checks
	OpMoveIP        Op = 66 // MoveIP: (to the leader) move one address to a node
	OpAddIP         Op = 67 // IPRequest: add a public address to this node at run time
	OpDelIP         Op = 68 // IPRequest: delete a public address from this node
	OpReloadIPs     Op = 69 // re-read public_addresses on this node
	OpGratARP       Op = 70 // IPRequest: send gratuitous ARP / unsolicited NA for an address
	OpTakeoverRun   Op = 71 // ask the leader for a takeover run now
)

// PublicIP is one public address as a node knows it.
type PublicIP struct {
	Addr string `json:"addr"` // address without mask
	Bits int    `json:"bits"` // prefix length
	// Node is the node the address is assigned to, as this node knows it
	// (PNNUnknown: unassigned).
	Node uint32 `json:"node"`
	// Configured are the interfaces public_addresses lists for it on this
	// node; Available those of them whose link is up; Active the one it is
	// on right now on this node ("" if this node does not hold it).
	Configured []string `json:"configured"`
	Available  []string `json:"available"`
	Active     string   `json:"active,omitempty"`
}

type PublicIPList struct {
	PNN uint32     `json:"pnn"`
	IPs []PublicIP `json:"ips"`
	// Strays are addresses from public_addresses found on this node's
	// interfaces without being assigned here (the leader releases them).
	Strays []string `json:"strays,omitempty"`
}

type Iface struct {
	Name       string `json:"name"`
	LinkUp     bool   `json:"link_up"`
	References int    `json:"references"` // public addresses this node holds on it
}

type IfaceList struct {
	Ifaces []Iface `json:"ifaces"`
}

// IPRequest names an address (and for take/add its mask and interface).
type IPRequest struct {
	Addr  string `json:"addr"`
	Bits  int    `json:"bits,omitempty"`
	Iface string `json:"iface,omitempty"`
}

// Assignment maps every public address to its node (PNNUnknown: none).
type Assignment struct {
	IPs []IPHolder `json:"ips"`
	// Misplaced is the leader's count of addresses found misplaced.
	Misplaced int `json:"misplaced,omitempty"`
}

type IPHolder struct {
	Addr string `json:"addr"`
	Node uint32 `json:"node"`
}

type MoveIP struct {
	Addr string `json:"addr"`
	PNN  uint32 `json:"pnn"`
}

func init() {
	Ops[OpGetPublicIPs] = OpInfo{"GET_PUBLIC_IPS", newOf[Empty](), newOf[PublicIPList]()}
	Ops[OpGetIfaces] = OpInfo{"GET_IFACES", newOf[Empty](), newOf[IfaceList]()}
	Ops[OpTakeIP] = OpInfo{"TAKEOVER_IP", newOf[IPRequest](), newOf[Empty]()}
	Ops[OpReleaseIP] = OpInfo{"RELEASE_IP", newOf[IPRequest](), newOf[Empty]()}
	Ops[OpIPReallocated] = OpInfo{"IPREALLOCATED", newOf[Empty](), newOf[Empty]()}
	Ops[OpSetAssignment] = OpInfo{"SET_ASSIGNMENT", newOf[Assignment](), newOf[Empty]()}
	Ops[OpMoveIP] = OpInfo{"MOVE_IP", newOf[MoveIP](), newOf[Empty]()}
	Ops[OpAddIP] = OpInfo{"ADD_IP", newOf[IPRequest](), newOf[Empty]()}
	Ops[OpDelIP] = OpInfo{"DEL_IP", newOf[IPRequest](), newOf[Empty]()}
	Ops[OpReloadIPs] = OpInfo{"RELOAD_IPS", newOf[Empty](), newOf[Empty]()}
	Ops[OpGratARP] = OpInfo{"GRATARP", newOf[IPRequest](), newOf[Empty]()}
	Ops[OpTakeoverRun] = OpInfo{"TAKEOVER_RUN", newOf[Empty](), newOf[Empty]()}
}
