// Package client talks to a ctdbd over its unix control socket. The ctdb
// tool and the recovery daemon use it; it is safe for concurrent calls, each
// matched to its reply by request id.
package client

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// ErrClosed is returned for calls on a closed client or a dropped connection.
var ErrClosed = errors.New("connection to ctdbd closed")

// ConnectError says the daemon could not be reached at all.
type ConnectError struct {
	Path string
	Err  error
}

func (e *ConnectError) Error() string {
	return fmt.Sprintf("cannot connect to ctdbd at %s: %v (is ctdbd running?)", e.Path, e.Err)
}
func (e *ConnectError) Unwrap() error { return e.Err }

// Client is one connection to ctdbd.
type Client struct {
	conn net.Conn
	// Generation is sent in every request header: the recovery daemon sets
	// it to the generation it acts for, so stale controls are refused.
	Generation uint32

	wmu     sync.Mutex
	mu      sync.Mutex
	nextID  uint32
	pending map[uint32]chan protocol.Frame
	err     error
	done    chan struct{}
	msgs    chan protocol.Frame
	dropped uint64
}

// Messages returns the one-way messages the daemon pushes to this client
// (after a SUBSCRIBE control). Messages that arrive while the channel is
// full are dropped and counted: the subscriber polls state anyway.
func (c *Client) Messages() <-chan protocol.Frame { return c.msgs }

// Done is closed when the connection to the daemon is lost or closed.
func (c *Client) Done() <-chan struct{} { return c.done }

// Dial connects to the daemon's socket, retrying until timeout if the
// socket is not there yet (the daemon may be starting).
func Dial(path string, timeout time.Duration) (*Client, error) {
	deadline := time.Now().Add(timeout)
	for {
		conn, err := net.DialTimeout("unix", path, time.Until(deadline)+time.Millisecond)
		if err == nil {
			return newClient(conn), nil
		}
		if time.Now().After(deadline) {
			return nil, &ConnectError{Path: path, Err: unwrapNetErr(err)}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func unwrapNetErr(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}

// New wraps an established connection (tests, in-process use).
func New(conn net.Conn) *Client { return newClient(conn) }

func newClient(conn net.Conn) *Client {
	c := &Client{conn: conn, pending: map[uint32]chan protocol.Frame{}, done: make(chan struct{}),
		msgs: make(chan protocol.Frame, 256)}
	go c.readLoop()
	return c
}

func (c *Client) readLoop() {
	br := bufio.NewReader(c.conn) // a frame in one read(2), not two
	for {
		f, err := protocol.ReadFrame(br, 0)
		if err != nil {
			c.fail(err)
			return
		}
		if f.Kind == protocol.KindMessage {
			select {
			case c.msgs <- f:
			default:
				c.mu.Lock()
				c.dropped++
				c.mu.Unlock()
			}
			continue
		}
		if f.Kind != protocol.KindReply {
			continue
		}
		c.mu.Lock()
		ch := c.pending[f.ReqID]
		delete(c.pending, f.ReqID)
		c.mu.Unlock()
		if ch != nil {
			ch <- f
		}
	}
}

func (c *Client) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = fmt.Errorf("%w: %v", ErrClosed, err)
		close(c.done)
	}
}

// CallFenced is Call for a fenced control: the header carries the
// sender's generation and leader epoch, and the receiver refuses it if
// either is older than what it has seen.
func (c *Client) CallFenced(ctx context.Context, dst, generation, epoch uint32, op protocol.Op, req, rep any) error {
	return c.call(ctx, dst, generation, protocol.FenceFlags(epoch), op, req, rep)
}

// Call sends a control to dst (protocol.PNNCurrent for the local daemon)
// and decodes the reply data into rep (a pointer, or nil to discard).
func (c *Client) Call(ctx context.Context, dst uint32, op protocol.Op, req, rep any) error {
	return c.call(ctx, dst, c.Generation, 0, op, req, rep)
}

func (c *Client) call(ctx context.Context, dst, gen, flags uint32, op protocol.Op, req, rep any) error {
	if req == nil {
		req = protocol.Empty{}
	}
	body, err := protocol.MarshalBody(req)
	if err != nil {
		return err
	}
	ch := make(chan protocol.Frame, 1)
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return c.err
	}
	c.nextID++
	id := c.nextID
	c.pending[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}()

	h := protocol.Header{Kind: protocol.KindRequest, Op: op, ReqID: id,
		SrcPNN: protocol.PNNUnknown, DstPNN: dst, Generation: gen, Flags: flags}
	c.wmu.Lock()
	if d, ok := ctx.Deadline(); ok {
		_ = c.conn.SetWriteDeadline(d)
	}
	err = protocol.WriteFrame(c.conn, h, body)
	c.wmu.Unlock()
	if err != nil {
		c.fail(err)
		return fmt.Errorf("%s: %w", op, err)
	}
	select {
	case f := <-ch:
		return decode(op, f, rep)
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return &protocol.Error{Op: op, Status: protocol.StatusTimeout, Msg: "timed out waiting for ctdbd: " + ctx.Err().Error()}
	}
}

func decode(op protocol.Op, f protocol.Frame, rep any) error {
	var r protocol.Reply
	if err := protocol.UnmarshalBody(f.Body, &r); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if r.Status != protocol.StatusOK {
		return &protocol.Error{Op: op, Status: r.Status, Msg: r.Error}
	}
	if rep == nil {
		return nil
	}
	if err := protocol.UnmarshalBody(r.Data, rep); err != nil {
		return fmt.Errorf("%s reply: %w", op, err)
	}
	return nil
}

// Close closes the connection; pending calls fail with ErrClosed.
func (c *Client) Close() error {
	err := c.conn.Close()
	c.fail(errors.New("closed by client"))
	return err
}
