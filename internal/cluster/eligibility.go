package cluster

import (
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// IsActive reports whether a node with these flags takes part in the
// cluster: not disconnected, banned, stopped or deleted (CTDB
// NODE_FLAGS_INACTIVE). Unhealthy and disabled nodes are active: they only
// lose their public IPs.
func IsActive(flags uint32) bool { return flags&protocol.FlagInactive == 0 }

// CanLead reports whether a node may become leader: it must be active and
// have the leader capability (ctdb.conf [cluster] leader capability). CTDB
// checks the same pair before racing for the lock and in its leader
// broadcast loop, where a leader that fails it steps down.
func CanLead(flags uint32, capable bool) bool { return capable && IsActive(flags) }

// PriorityTime returns a node's election priority time after it reports
// flags at now. While the node is inactive the time keeps moving to now, so
// a node that was banned or stopped ranks as freshly started when it comes
// back (CTDB resets priority_time for inactive nodes "to stabilise the
// leader role"). An active node keeps prev.
func PriorityTime(prev time.Time, flags uint32, now time.Time) time.Time {
	if IsActive(flags) {
		return prev
	}
	return now
}
