package transport

import (
	"fmt"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// keepaliveLoop runs a keepalive round every KeepaliveInterval, re-reading
// the interval each round so SetKeepalive takes effect without a restart.
func (t *TCP) keepaliveLoop() {
	for {
		interval, _ := t.keepalive()
		timer := time.NewTimer(interval)
		select {
		case <-timer.C:
			t.keepaliveRound(time.Now())
		case <-t.kaChanged:
			timer.Stop()
		case <-t.ctx.Done():
			timer.Stop()
			return
		}
	}
}

// keepaliveRound drops peers silent for KeepaliveLimit intervals and sends
// a keepalive to the others. Keepalives go out every round, even to peers
// we just sent other frames to: simpler, and they are tiny.
func (t *TCP) keepaliveRound(now time.Time) {
	interval, limit := t.keepalive()
	deadAfter := interval * time.Duration(limit)
	body := t.keepaliveBody()
	for _, c := range t.conns() {
		if silent := c.silentFor(now); silent > deadAfter {
			t.lost(c, fmt.Errorf("nothing received for %v (KeepaliveLimit %d x KeepaliveInterval %v)",
				silent.Round(time.Millisecond), limit, interval))
			continue
		}
		h := protocol.Header{Kind: protocol.KindMessage, Op: protocol.OpKeepalive, SrcPNN: t.cfg.MyPNN, DstPNN: c.pnn}
		b, err := t.encode(h, body)
		if err != nil {
			t.log.WithError(err).Error("Keepalive not sent")
			return
		}
		// A full queue means the writer is stuck; its write deadline
		// will drop the connection, so there is nothing to do here.
		if c.enqueue(b) == nil {
			t.stats.keepalivesSent.Add(1)
		}
	}
}

func (t *TCP) keepaliveBody() []byte {
	var ka protocol.Keepalive
	if t.cfg.Payload != nil {
		ka.Payload = t.cfg.Payload()
	}
	b, err := protocol.MarshalBody(ka)
	if err != nil { // cannot happen for a []byte field
		t.log.WithError(err).Error("Cannot encode keepalive")
	}
	return b
}
