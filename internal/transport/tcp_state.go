package transport

import (
	"errors"
)

// install makes c the connection of its peer and starts its goroutines. A
// connection that is already there is replaced (the peer restarted before
// we noticed). It returns false, closing c, when the peer is gone or the
// transport closed meanwhile.
func (t *TCP) install(p *peer, c *conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed || t.peers[p.node.PNN] != p {
		c.shutdown()
		return false
	}
	if old := p.conn; old != nil {
		p.conn = nil
		old.shutdown()
		t.disconnectedLocked(p.node.PNN, errors.New("replaced by a new connection"))
	}
	p.conn = c
	t.goRun(c.readLoop)
	t.goRun(c.writeLoop)
	t.log.Infof("Node %d is now connected", p.node.PNN)
	t.events.push(Event{PNN: p.node.PNN, Connected: true})
	return true
}

// lost closes c and, if it is still its peer's connection, marks the peer
// disconnected. Called by whoever notices the failure first.
func (t *TCP) lost(c *conn, why error) {
	c.shutdown()
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.peers[c.pnn]
	if t.closed || p == nil || p.conn != c {
		return
	}
	p.conn = nil
	t.disconnectedLocked(c.pnn, why)
}

func (t *TCP) disconnectedLocked(pnn uint32, why error) {
	t.log.WithError(why).Warningf("Node %d is now disconnected", pnn)
	t.events.push(Event{PNN: pnn, Connected: false})
}

// conns returns the current connections.
func (t *TCP) conns() []*conn {
	t.mu.Lock()
	defer t.mu.Unlock()
	cs := make([]*conn, 0, len(t.peers))
	for _, p := range t.peers {
		if p.conn != nil {
			cs = append(cs, p.conn)
		}
	}
	return cs
}

// connOf returns the connection to pnn, or an error saying why there is none.
func (t *TCP) connOf(pnn uint32) (*conn, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, ErrClosed
	}
	if p := t.peers[pnn]; p != nil && p.conn != nil {
		return p.conn, nil
	}
	return nil, notConnected(pnn)
}
