package transport

import (
	"sync/atomic"
	"time"
)

// Stats are counters for `ctdb statistics`.
type Stats struct {
	KeepalivesSent uint64
	KeepalivesRecv uint64
	// FramesSent and FramesRecv count every frame, keepalives included.
	FramesSent uint64
	FramesRecv uint64
}

type stats struct {
	keepalivesSent atomic.Uint64
	keepalivesRecv atomic.Uint64
	framesSent     atomic.Uint64
	framesRecv     atomic.Uint64
}

// Stats returns the counters since the transport started.
func (t *TCP) Stats() Stats {
	return Stats{KeepalivesSent: t.stats.keepalivesSent.Load(), KeepalivesRecv: t.stats.keepalivesRecv.Load(),
		FramesSent: t.stats.framesSent.Load(), FramesRecv: t.stats.framesRecv.Load()}
}

// RTTs returns the last keepalive round trip measured to each connected
// peer (peers with none measured yet are left out).
func (t *TCP) RTTs() map[uint32]time.Duration {
	out := map[uint32]time.Duration{}
	for _, c := range t.conns() {
		if rtt := c.rtt.Load(); rtt > 0 {
			out[c.pnn] = time.Duration(rtt)
		}
	}
	return out
}

// noteKeepalive takes the echo timestamps of a peer's keepalive: it
// remembers the peer's send time (to echo it back) and, if the keepalive
// echoes one of ours, computes the round trip without the time the peer
// held it (the clocks of the two nodes are never compared).
func (c *conn) noteKeepalive(sent, echo, held int64, now time.Time) {
	c.peerSent.Store(sent)
	c.peerSentAt.Store(now.UnixNano())
	if echo <= 0 || held < 0 {
		return
	}
	if rtt := now.UnixNano() - echo - held; rtt > 0 {
		c.rtt.Store(rtt)
	}
}

// echoFields are this connection's timestamps for an outgoing keepalive.
func (c *conn) echoFields(now time.Time) (echo, held int64) {
	echo = c.peerSent.Load()
	if echo == 0 {
		return 0, 0
	}
	return echo, now.UnixNano() - c.peerSentAt.Load()
}
