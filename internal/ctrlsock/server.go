// Package ctrlsock serves controls on ctdbd's unix socket: it listens with
// safe permissions, reads frames, dispatches each request to a handler in its
// own goroutine and writes the replies.
package ctrlsock

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/sirupsen/logrus"
)

// Handler serves one decoded request. It returns the reply body, or an error
// (a *protocol.Error chooses the reply status).
type Handler func(ctx context.Context, h protocol.Header, req any) (any, error)

// ErrInUse means another live daemon already answers on the socket.
var ErrInUse = errors.New("socket is in use by a running ctdbd")

// Listen creates the socket at path: its directory is created with mode 0700
// if missing, a stale socket left by a dead daemon is removed only after a
// dial to it fails, and the socket gets mode 0600.
func Listen(path string) (net.Listener, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create socket directory: %w", err)
	}
	if _, err := os.Lstat(path); err == nil {
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("%s: %w", path, ErrInUse)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("remove stale socket: %w", err)
		}
	}
	old := umask(0o177)
	l, err := net.Listen("unix", path)
	umask(old)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// Server serves connections from one listener.
type Server struct {
	Handler Handler
	Log     *logrus.Entry
	// Clients is the number of connected clients (for ctdb ping).
	clients atomic.Int64
	wg      sync.WaitGroup
	// pids counts the open connections per client process (SO_PEERCRED),
	// for `ctdb process-exists`.
	pidMu sync.Mutex
	pids  map[int32]int
}

// HasClient reports whether process pid has a connection open.
func (s *Server) HasClient(pid int32) bool {
	s.pidMu.Lock()
	defer s.pidMu.Unlock()
	return s.pids[pid] > 0
}

// trackPID counts nc's peer process among the clients until the returned
// function is called. Connections whose peer is unknown are not counted.
func (s *Server) trackPID(nc net.Conn) func() {
	pid, ok := peerPID(nc)
	if !ok {
		return func() {}
	}
	s.pidMu.Lock()
	if s.pids == nil {
		s.pids = map[int32]int{}
	}
	s.pids[pid]++
	s.pidMu.Unlock()
	return func() {
		s.pidMu.Lock()
		if s.pids[pid]--; s.pids[pid] <= 0 {
			delete(s.pids, pid)
		}
		s.pidMu.Unlock()
	}
}

// NumClients returns the number of open client connections.
func (s *Server) NumClients() int { return int(s.clients.Load()) }

// Serve accepts connections until l is closed.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	for {
		conn, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			s.Log.WithError(err).Warning("Accept on control socket failed")
			time.Sleep(100 * time.Millisecond)
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveConn(ctx, conn)
		}()
	}
}

type conn struct {
	c    net.Conn
	wmu  sync.Mutex
	done chan struct{}
}

// Pusher sends one-way messages (KindMessage frames) to a client
// connection; a client that subscribed (the recovery daemon) gets its
// messages this way instead of polling.
type Pusher interface {
	Push(op protocol.Op, body any) error
	// Done is closed when the connection ends.
	Done() <-chan struct{}
}

type pusherKey struct{}

// PusherFrom returns the Pusher of the connection a request came on.
func PusherFrom(ctx context.Context) (Pusher, bool) {
	p, ok := ctx.Value(pusherKey{}).(Pusher)
	return p, ok
}

func (c *conn) Push(op protocol.Op, v any) error {
	body, err := protocol.MarshalBody(v)
	if err != nil {
		return err
	}
	h := protocol.Header{Kind: protocol.KindMessage, Op: op, SrcPNN: protocol.PNNCurrent, DstPNN: protocol.PNNCurrent}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.c.SetWriteDeadline(time.Now().Add(2 * time.Second))
	return protocol.WriteFrame(c.c, h, body)
}

func (c *conn) Done() <-chan struct{} { return c.done }

func (c *conn) reply(h protocol.Header, rep protocol.Reply) error {
	body, err := protocol.MarshalBody(rep)
	if err != nil {
		return err
	}
	h.Kind = protocol.KindReply
	h.SrcPNN, h.DstPNN = h.DstPNN, h.SrcPNN
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return protocol.WriteFrame(c.c, h, body)
}

func (s *Server) serveConn(ctx context.Context, nc net.Conn) {
	s.clients.Add(1)
	defer s.clients.Add(-1)
	defer s.trackPID(nc)()
	defer nc.Close()
	c := &conn{c: nc, done: make(chan struct{})}
	defer close(c.done)
	ctx, cancel := context.WithCancel(context.WithValue(ctx, pusherKey{}, Pusher(c)))
	defer cancel()
	// Buffered: a frame's header and body then come in one read(2)
	// rather than two, and every system call also wakes the Go runtime's
	// monitor thread of an idle daemon.
	br := bufio.NewReader(nc)
	for {
		f, err := protocol.ReadFrame(br, 0)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.EOF) {
				s.Log.WithError(err).Debug("Control connection closed")
			}
			// A malformed frame leaves the stream unsynchronised: drop it.
			return
		}
		if f.Kind != protocol.KindRequest {
			s.Log.Warningf("Ignoring a frame of kind %v on the control socket: only requests are served", f.Kind)
			continue
		}
		go s.dispatch(ctx, c, f)
	}
}

func (s *Server) dispatch(ctx context.Context, c *conn, f protocol.Frame) {
	var rep protocol.Reply
	req, err := protocol.DecodeRequest(f.Op, f.Body)
	if err != nil {
		status := protocol.StatusBadRequest
		if _, known := protocol.Ops[f.Op]; !known {
			status = protocol.StatusUnknownOp
		}
		rep = protocol.Reply{Status: status, Error: err.Error()}
	} else {
		rep = s.call(ctx, f.Header, req)
	}
	if err := c.reply(f.Header, rep); err != nil {
		s.Log.WithError(err).Debugf("Cannot send the reply to %s", f.Op)
	}
}

func (s *Server) call(ctx context.Context, h protocol.Header, req any) (rep protocol.Reply) {
	defer func() {
		if p := recover(); p != nil {
			s.Log.Errorf("Control handler for %s panicked: %v", h.Op, p)
			rep = protocol.Reply{Status: protocol.StatusError, Error: fmt.Sprintf("internal error: %v", p)}
		}
	}()
	return ReplyOf(s.Handler(ctx, h, req))
}

// ReplyOf turns a handler's result into the reply envelope: the error's
// status and text, or the body (Empty when nil) as data.
func ReplyOf(out any, err error) protocol.Reply {
	if err != nil {
		return protocol.Reply{Status: protocol.StatusOf(err), Error: err.Error()}
	}
	if out == nil {
		out = protocol.Empty{}
	}
	data, err := protocol.MarshalBody(out)
	if err != nil {
		return protocol.Reply{Status: protocol.StatusError, Error: err.Error()}
	}
	return protocol.Reply{Status: protocol.StatusOK, Data: data}
}

// Wait waits for all connection goroutines to finish (after the listener
// and the connections are closed).
func (s *Server) Wait() { s.wg.Wait() }
