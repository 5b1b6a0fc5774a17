package transport

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
)

func (t *TCP) acceptLoop() {
	for {
		nc, err := t.ln.Accept()
		if err != nil {
			if t.ctx.Err() != nil {
				return
			}
			t.log.WithError(err).Warning("Accepting a node connection failed")
			select {
			case <-time.After(100 * time.Millisecond):
			case <-t.ctx.Done():
				return
			}
			continue
		}
		t.goRun(func() { t.accept(nc) })
	}
}

// accept checks a new connection and installs it, or refuses it with a log
// line naming the remote address and the reason.
func (t *TCP) accept(nc net.Conn) {
	remote := remoteAddr(nc)
	p, c, err := t.handshakeIn(nc, remote)
	if err != nil {
		nc.Close()
		if !t.logVersionRefusal(fmt.Sprintf("Refused connection from %s", remote), err) {
			t.log.Warningf("Refused connection from %s: %v", remote, err)
		}
		return
	}
	t.install(p, c)
}

// handshakeIn accepts only a node of the nodes file, connecting from its
// own address, claiming its own PNN, and lower than us (the lower PNN
// dials, so there is one connection per pair).
func (t *TCP) handshakeIn(nc net.Conn, remote netip.Addr) (*peer, *conn, error) {
	t.mu.Lock()
	p := t.peerByAddr(remote)
	t.mu.Unlock()
	if p == nil {
		return nil, nil, fmt.Errorf("address %s is not an active node in the nodes file", remote)
	}
	stop := context.AfterFunc(t.ctx, func() { nc.Close() })
	defer stop()
	nc.SetDeadline(time.Now().Add(t.cfg.HandshakeTimeout))
	br := bufio.NewReader(nc)
	hello, err := t.readHello(br)
	var ve *VersionError
	switch {
	case errors.As(err, &ve) && hello.PNN == p.node.PNN:
		// Answer with our hello, so that the dialer can say why too.
		t.writeHello(nc, p.node.PNN)
		return nil, nil, err
	case err != nil:
		return nil, nil, fmt.Errorf("bad hello: %w", err)
	case hello.PNN != p.node.PNN:
		return nil, nil, fmt.Errorf("claims to be node %d but %s is node %d", hello.PNN, remote, p.node.PNN)
	case hello.PNN >= t.cfg.MyPNN:
		return nil, nil, fmt.Errorf("node %d must not dial node %d (the lower PNN dials)", hello.PNN, t.cfg.MyPNN)
	}
	if err := t.writeHello(nc, p.node.PNN); err != nil {
		return nil, nil, fmt.Errorf("answering hello: %w", err)
	}
	if err := nc.SetDeadline(time.Time{}); err != nil {
		return nil, nil, err
	}
	return p, t.newConn(p.node.PNN, nc, br), nil
}

func remoteAddr(nc net.Conn) netip.Addr {
	if a, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
		return a.AddrPort().Addr().Unmap()
	}
	return netip.Addr{}
}
