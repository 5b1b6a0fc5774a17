package logging

import (
	"bytes"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// redialInterval is how long a datagramSink waits after a failed connect
// before it tries again; messages in between are dropped.
const redialInterval = time.Second

// datagramSink sends each '\n'-separated message it is given as one
// datagram to a syslog socket (unixgram or udp). It never blocks: sends
// use MSG_DONTWAIT, and a message that cannot go out at once (no socket,
// receiver gone, receive queue full) is dropped and counted. After a
// failure it reconnects, at most once per redialInterval, so a syslog
// daemon that restarts is picked up again.
type datagramSink struct {
	network, addr string
	now           func() time.Time // clock for the redial limit; tests replace it

	mu       sync.Mutex
	conn     net.Conn // nil when not connected
	raw      syscall.RawConn
	lastDial time.Time // zero: never dialled
	closed   bool

	dropped atomic.Uint64
}

func newDatagramSink(network, addr string) *datagramSink {
	return &datagramSink{network: network, addr: addr, now: time.Now}
}

// Write sends every line of p as a datagram. It always reports success:
// a logger must not fail because syslog is unavailable.
func (s *datagramSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return len(p), nil
	}
	for _, msg := range bytes.Split(bytes.TrimSuffix(p, []byte("\n")), []byte("\n")) {
		if !s.deliver(msg) {
			s.dropped.Add(1)
		}
	}
	return len(p), nil
}

// deliver sends one message, reconnecting once if the connection broke.
func (s *datagramSink) deliver(msg []byte) bool {
	if s.conn == nil && !s.dial() {
		return false
	}
	err := s.send(msg)
	if err == nil {
		return true
	}
	if transient(err) {
		return false
	}
	s.hangUp()
	return s.dial() && s.send(msg) == nil
}

// transient errors leave the connection usable: the receiver is slow
// (queue full) or this one message is too big.
func transient(err error) bool {
	return errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.ENOBUFS) ||
		errors.Is(err, unix.EMSGSIZE)
}

// dial connects unless the last attempt was less than redialInterval ago.
func (s *datagramSink) dial() bool {
	now := s.now()
	if !s.lastDial.IsZero() && now.Sub(s.lastDial) < redialInterval {
		return false
	}
	s.lastDial = now
	c, err := net.DialTimeout(s.network, s.addr, redialInterval)
	if err != nil {
		return false
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		c.Close()
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		c.Close()
		return false
	}
	s.conn, s.raw = c, raw
	return true
}

// send writes one datagram without ever waiting for buffer space.
func (s *datagramSink) send(msg []byte) error {
	var serr error
	err := s.raw.Write(func(fd uintptr) bool {
		serr = unix.Send(int(fd), msg, unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
		return true // done either way: do not let the poller wait
	})
	if err != nil {
		return err
	}
	return serr
}

func (s *datagramSink) hangUp() {
	if s.conn != nil {
		s.conn.Close()
		s.conn, s.raw = nil, nil
	}
}

// Reopen does nothing: reconnecting is automatic.
func (s *datagramSink) Reopen() error { return nil }

// Close disconnects; later writes are discarded without being counted.
func (s *datagramSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.hangUp()
	return nil
}

// Dropped is the number of messages that could not be sent.
func (s *datagramSink) Dropped() uint64 { return s.dropped.Load() }
