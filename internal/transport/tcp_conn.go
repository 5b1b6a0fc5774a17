package transport

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// conn is one established connection to a peer: a reader goroutine that
// delivers frames, and a writer goroutine that drains a bounded queue of
// encoded frames under a write deadline, so a stuck peer never blocks Send
// or the other peers.
type conn struct {
	t        *TCP
	pnn      uint32
	nc       net.Conn
	br       *bufio.Reader
	done     chan struct{}
	stopOnce sync.Once

	// The send queue: at most QueueLength encoded frames, in a slice that
	// grows only as frames pile up (a channel of that capacity cost
	// 24 KB per peer, resident, on every node: 1.5 MiB at 64 nodes), and
	// wake, signalled when the slice becomes non-empty.
	qmu   sync.Mutex
	queue [][]byte
	wake  chan struct{}

	lastRecv   atomic.Int64 // unix nanoseconds of the last frame read
	delivering atomic.Bool  // the reader waits for the consumer of Recv

	// Keepalive round trip (see noteKeepalive): the peer's last send time
	// and when it arrived, and the last round trip, all in nanoseconds.
	peerSent, peerSentAt, rtt atomic.Int64
}

func (t *TCP) newConn(pnn uint32, nc net.Conn, br *bufio.Reader) *conn {
	c := &conn{t: t, pnn: pnn, nc: nc, br: br, wake: make(chan struct{}, 1), done: make(chan struct{})}
	c.lastRecv.Store(time.Now().UnixNano())
	return c
}

// shutdown closes the socket and stops both goroutines. Idempotent.
func (c *conn) shutdown() {
	c.stopOnce.Do(func() {
		close(c.done)
		c.nc.Close()
	})
}

// enqueue queues an encoded frame without blocking.
func (c *conn) enqueue(b []byte) error {
	select {
	case <-c.done:
		return fmt.Errorf("node %d: %w", c.pnn, ErrNotConnected)
	default:
	}
	c.qmu.Lock()
	if len(c.queue) >= c.t.cfg.QueueLength {
		c.qmu.Unlock()
		return fmt.Errorf("node %d: %w", c.pnn, ErrQueueFull)
	}
	c.queue = append(c.queue, b)
	first := len(c.queue) == 1
	c.qmu.Unlock()
	c.t.stats.framesSent.Add(1)
	if first {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// take removes up to max queued frames, oldest first.
func (c *conn) take(max int) net.Buffers {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	n := min(len(c.queue), max)
	bufs := make(net.Buffers, n)
	copy(bufs, c.queue)
	left := copy(c.queue, c.queue[n:])
	clear(c.queue[left:]) // the written frames are not kept alive by the backing array
	c.queue = c.queue[:left]
	if left == 0 && cap(c.queue) > 64 {
		c.queue = nil // let a burst's backlog go
	}
	return bufs
}

// silentFor is how long nothing was received. Time spent waiting for the
// consumer of Recv does not count: a busy ctdbd is not a dead peer.
func (c *conn) silentFor(now time.Time) time.Duration {
	if c.delivering.Load() {
		return 0
	}
	return now.Sub(time.Unix(0, c.lastRecv.Load()))
}

func (c *conn) readLoop() {
	for {
		f, err := protocol.ReadFrame(c.br, c.t.cfg.MaxFrameSize)
		if err != nil {
			c.t.lost(c, readError(err))
			return
		}
		c.lastRecv.Store(time.Now().UnixNano())
		if err := c.check(f); err != nil {
			c.t.lost(c, err)
			return
		}
		c.t.stats.framesRecv.Add(1)
		if f.Op == protocol.OpKeepalive {
			c.t.stats.keepalivesRecv.Add(1)
			var ka protocol.Keepalive
			if protocol.UnmarshalBody(f.Body, &ka) == nil {
				c.noteKeepalive(ka.Sent, ka.Echo, ka.Held, time.Now())
			}
		}
		if !c.deliver(f) {
			return
		}
	}
}

// readError names why reading from a peer stopped.
func readError(err error) error {
	switch {
	case errors.Is(err, io.EOF):
		return errors.New("connection closed by peer")
	case isFrameError(err):
		return fmt.Errorf("bad frame: %w", err)
	}
	return err
}

func isFrameError(err error) bool {
	for _, e := range []error{protocol.ErrMagic, protocol.ErrVersion, protocol.ErrTooLarge,
		protocol.ErrTooShort, protocol.ErrKind, protocol.ErrTruncated} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// check refuses frames a correct peer never sends after the handshake.
func (c *conn) check(f protocol.Frame) error {
	switch {
	case f.SrcPNN != c.pnn:
		return fmt.Errorf("bad frame: source PNN %d on the connection of node %d", f.SrcPNN, c.pnn)
	case f.Op == protocol.OpHello:
		return errors.New("bad frame: hello after the handshake")
	}
	return nil
}

// deliver hands f to Recv; false when the connection or transport stopped.
func (c *conn) deliver(f protocol.Frame) bool {
	c.delivering.Store(true)
	defer func() {
		c.lastRecv.Store(time.Now().UnixNano())
		c.delivering.Store(false)
	}()
	select {
	case c.t.recv <- f:
		return true
	case <-c.done:
		return false
	case <-c.t.ctx.Done():
		return false
	}
}

// writeLoop writes queued frames, several per system call when they pile up.
func (c *conn) writeLoop() {
	for {
		select {
		case <-c.wake:
		case <-c.done:
			return
		}
		for {
			bufs := c.take(64)
			if len(bufs) == 0 {
				break
			}
			if !c.write(bufs) {
				return
			}
		}
	}
}

// write writes bufs under the write deadline; false when the connection
// was lost.
func (c *conn) write(bufs net.Buffers) bool {
	c.nc.SetWriteDeadline(time.Now().Add(c.t.writeTimeout()))
	if _, err := bufs.WriteTo(c.nc); err != nil {
		c.t.lost(c, fmt.Errorf("write: %w", err))
		return false
	}
	return true
}

func (t *TCP) writeTimeout() time.Duration {
	if t.cfg.WriteTimeout > 0 {
		return t.cfg.WriteTimeout
	}
	interval, limit := t.keepalive()
	return interval * time.Duration(limit)
}
