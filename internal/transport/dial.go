package transport

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strconv"
	"time"
)

// dialLoop keeps a connection to a peer with a higher PNN: it dials while
// not connected, backing off from dialBackoffMin to dialBackoffMax, and
// dials again when the connection is lost. It ends when the peer is
// removed or the transport closes.
func (t *TCP) dialLoop(p *peer) {
	delay := dialBackoffMin
	for {
		c, err := t.dial(p)
		switch {
		case err == nil && t.install(p, c):
			delay = dialBackoffMin
			select {
			case <-c.done:
			case <-p.ctx.Done():
				return
			}
		case err != nil && p.ctx.Err() == nil && !t.logVersionRefusal(fmt.Sprintf("Refusing to join node %d", p.node.PNN), err):
			t.log.WithField("pnn", p.node.PNN).WithError(err).Debug("Connecting to node failed")
		}
		select {
		case <-time.After(delay):
		case <-p.ctx.Done():
			return
		}
		delay = min(2*delay, dialBackoffMax)
	}
}

// dial connects to p from our own node address (the peer checks it) and
// exchanges hellos.
func (t *TCP) dial(p *peer) (*conn, error) {
	d := net.Dialer{Timeout: t.cfg.HandshakeTimeout, LocalAddr: &net.TCPAddr{IP: t.myAddr.AsSlice()}}
	addr := net.JoinHostPort(p.node.Addr.String(), strconv.Itoa(t.cfg.Port))
	nc, err := d.DialContext(p.ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(p.ctx, func() { nc.Close() })
	defer stop()
	br, err := t.helloOut(nc, p.node.PNN)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("handshake with %s: %w", addr, err)
	}
	return t.newConn(p.node.PNN, nc, br), nil
}

func (t *TCP) helloOut(nc net.Conn, pnn uint32) (*bufio.Reader, error) {
	nc.SetDeadline(time.Now().Add(t.cfg.HandshakeTimeout))
	if err := t.writeHello(nc, pnn); err != nil {
		return nil, err
	}
	br := bufio.NewReader(nc)
	hello, err := t.readHello(br)
	if err != nil {
		return nil, err
	}
	if hello.PNN != pnn {
		return nil, fmt.Errorf("peer says it is node %d, expected node %d", hello.PNN, pnn)
	}
	return br, nc.SetDeadline(time.Time{})
}
