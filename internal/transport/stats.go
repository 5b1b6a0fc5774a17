package transport

import "sync/atomic"

// Stats are counters for `ctdb statistics`.
type Stats struct {
	KeepalivesSent uint64
	KeepalivesRecv uint64
}

type stats struct {
	keepalivesSent atomic.Uint64
	keepalivesRecv atomic.Uint64
}

// Stats returns the counters since the transport started.
func (t *TCP) Stats() Stats {
	return Stats{KeepalivesSent: t.stats.keepalivesSent.Load(), KeepalivesRecv: t.stats.keepalivesRecv.Load()}
}
