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
	payload := t.keepalivePayload()
	for _, c := range t.conns() {
		if silent := c.silentFor(now); silent > deadAfter {
			t.lost(c, fmt.Errorf("nothing received for %v (KeepaliveLimit %d x KeepaliveInterval %v)",
				silent.Round(time.Millisecond), limit, interval))
			continue
		}
		echo, held := c.echoFields(time.Now())
		body := t.keepaliveBody(payload, echo, held)
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

// keepalivePayload is ctdbd's payload, the same for every peer of a round.
func (t *TCP) keepalivePayload() []byte {
	if t.cfg.Payload != nil {
		return t.cfg.Payload()
	}
	return nil
}

// keepaliveBody is one peer's keepalive: the payload, our send time, and
// the echo of the peer's last send time with how long we held it.
func (t *TCP) keepaliveBody(payload []byte, echo, held int64) []byte {
	ka := protocol.Keepalive{Payload: payload, Sent: time.Now().UnixNano(), Echo: echo, Held: held}
	b, err := protocol.MarshalBody(ka)
	if err != nil { // cannot happen for these fields
		t.log.WithError(err).Error("Cannot encode keepalive")
	}
	return b
}
