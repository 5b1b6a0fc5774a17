package transport

import (
	"fmt"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

func notConnected(pnn uint32) error {
	return fmt.Errorf("node %d: %w", pnn, ErrNotConnected)
}

// Send queues a frame for node dst with SrcPNN and DstPNN filled in. It
// fails at once if dst is not connected, its queue is full, or the frame
// is larger than MaxFrameSize.
func (t *TCP) Send(dst uint32, h protocol.Header, body []byte) error {
	c, err := t.connOf(dst)
	if err != nil {
		return err
	}
	h.SrcPNN, h.DstPNN = t.cfg.MyPNN, dst
	b, err := t.encode(h, body)
	if err != nil {
		return fmt.Errorf("node %d: %w", dst, err)
	}
	return c.enqueue(b)
}

// Broadcast queues a frame, with DstPNN protocol.PNNBroadcast, for every
// connected peer. A peer whose queue is full misses it (logged).
func (t *TCP) Broadcast(h protocol.Header, body []byte) {
	h.SrcPNN, h.DstPNN = t.cfg.MyPNN, protocol.PNNBroadcast
	b, err := t.encode(h, body)
	if err != nil {
		t.log.WithError(err).WithField("op", h.Op).Error("Broadcast not sent")
		return
	}
	for _, c := range t.conns() {
		if err := c.enqueue(b); err != nil {
			t.log.WithError(err).WithField("op", h.Op).Warning("Broadcast not queued")
		}
	}
}

// encode builds a valid frame within our MaxFrameSize (peers use the same
// limit).
func (t *TCP) encode(h protocol.Header, body []byte) ([]byte, error) {
	if n := protocol.HeaderSize + len(body); n > t.cfg.MaxFrameSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", protocol.ErrTooLarge, n, t.cfg.MaxFrameSize)
	}
	b, err := protocol.Encode(h, body)
	if err != nil {
		return nil, err
	}
	// Refuse here what the peer's decoder would refuse (a bad Kind) rather
	// than have it drop the connection.
	if _, err := protocol.UnmarshalHeader(b, t.cfg.MaxFrameSize); err != nil {
		return nil, err
	}
	return b, nil
}
