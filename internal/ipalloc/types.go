package ipalloc

import (
	"net/netip"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// IP is one public address and the node that holds it now.
type IP struct {
	Addr    netip.Addr // IPv4 or IPv6
	Current uint32     // current holder, protocol.PNNUnknown if none
}

// Node is what the leader knows about one node for an allocation.
type Node struct {
	PNN   uint32
	Flags uint32 // protocol node flags as the leader sees them
	// Available lists the addresses the node can host: they are in its
	// public addresses and an interface for them has link up.
	Available []netip.Addr
	// Runnable is runstate RUNNING; a node still starting up may not host.
	Runnable bool
}

// Options are the tunables and configuration that shape an allocation.
type Options struct {
	// NoIPFailback (tunable): never rebalance onto nodes that came back.
	NoIPFailback bool
	// NoIPTakeover (tunable): no address is ever given to a node that does
	// not hold it now. Addresses stay with holders that can still host them;
	// all others (including ones nobody holds) are left unassigned. This is
	// CTDB's reading: can_node_takeover_ip() is always false, so even an
	// unhosted address on a healthy cluster stays unhosted until an
	// administrator moves it or the tunable is cleared.
	NoIPTakeover bool
	// Disabled ([failover] disabled in ctdb.conf): assign nothing at all.
	Disabled bool
	// ForceRebalance lists nodes that are rebalance targets even though
	// they hold addresses (ctdb reloadips / moveip style). Unknown PNNs are
	// ignored.
	ForceRebalance []uint32
}

// CanHost reports whether a node may host addresses at all: none of the
// INACTIVE flags (disconnected, banned, stopped, deleted), none of the
// DISABLED flags (unhealthy, permanently disabled), and runstate RUNNING.
func CanHost(n Node) bool {
	const blocking = protocol.FlagInactive | protocol.FlagDisabled
	return n.Runnable && n.Flags&blocking == 0
}
