package netif

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/netns"
	"golang.org/x/sys/unix"
)

// echoServer listens on addr inside h and echoes every connection until the
// test ends. Accepted connections are recorded so the test can see how the
// server side ends.
type echoServer struct {
	ln       net.Listener
	mu       sync.Mutex
	accepted int
	conns    []net.Conn
	ended    []error // how each server-side connection ended
}

func startEcho(t *testing.T, h *netns.Host, network, addr string) *echoServer {
	t.Helper()
	s := &echoServer{}
	do(t, h, func() (err error) { s.ln, err = net.Listen(network, addr); return err })
	t.Cleanup(func() {
		s.ln.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, c := range s.conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := s.ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.accepted++
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			go func() {
				_, err := io.Copy(c, c)
				s.mu.Lock()
				s.ended = append(s.ended, err)
				s.mu.Unlock()
			}()
		}
	}()
	return s
}

func (s *echoServer) port() string {
	_, port, _ := net.SplitHostPort(s.ln.Addr().String())
	return port
}

func (s *echoServer) count() (accepted int, ended []error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted, append([]error(nil), s.ended...)
}

// dial connects from h to addr and checks one echo round trip.
func dial(t *testing.T, h *netns.Host, addr string) net.Conn {
	t.Helper()
	var c net.Conn
	do(t, h, func() (err error) { c, err = net.DialTimeout("tcp", addr, 3*time.Second); return err })
	t.Cleanup(func() { c.Close() })
	if err := echo(c); err != nil {
		t.Fatalf("echo over new connection to %s: %v", addr, err)
	}
	return c
}

// echo sends one byte and reads it back within a second.
func echo(c net.Conn) error {
	c.SetDeadline(time.Now().Add(time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write([]byte{'x'}); err != nil {
		return err
	}
	_, err := io.ReadFull(c, make([]byte, 1))
	return err
}

// expectReset checks that a read on c fails with ECONNRESET within a
// second: the peer's kernel sent a RST.
func expectReset(t *testing.T, what string, c net.Conn) {
	t.Helper()
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(time.Second))
	_, err := c.Read(make([]byte, 1))
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("%s: read after kill = %v after %v, want ECONNRESET", what, err, time.Since(start))
	}
}

// killFixture is A (public address pub on eth0, echo servers on pub over
// IPv4, on a dual-stack [::] socket, and on A's own address) and B with one
// connection to each; killSetup builds it.
type killFixture struct {
	a, b                  *netns.Host
	pub                   netip.Addr
	srv4, srvDual, srvOwn *echoServer
	c4, cDual, cOwn       net.Conn
}

func killSetup(t *testing.T) *killFixture {
	t.Helper()
	nw := netns.New(t, 2)
	f := &killFixture{a: nw.Host(0), b: nw.Host(1), pub: netip.MustParseAddr("10.97.0.100")}
	f.a.Run(t, "ip", "addr", "add", f.pub.String()+"/24", "dev", "eth0")
	f.srv4 = startEcho(t, f.a, "tcp4", f.pub.String()+":0")
	f.srvDual = startEcho(t, f.a, "tcp", "[::]:0")
	f.srvOwn = startEcho(t, f.a, "tcp4", f.a.Addr.String()+":0")
	f.c4 = dial(t, f.b, f.pub.String()+":"+f.srv4.port())
	f.cDual = dial(t, f.b, f.pub.String()+":"+f.srvDual.port())
	f.cOwn = dial(t, f.b, f.a.Addr.String()+":"+f.srvOwn.port())
	return f
}

// checkKilled checks the state after the connections of pub were killed:
// B's two connections to pub were reset, the one to A's own address works,
// and both listeners on pub still accept.
func (f *killFixture) checkKilled(t *testing.T) {
	t.Helper()
	expectReset(t, "IPv4 socket on public address", f.c4)
	expectReset(t, "dual-stack socket on public address", f.cDual)
	if err := echo(f.cOwn); err != nil {
		t.Fatalf("connection to A's own address broke: %v", err)
	}
	dial(t, f.b, f.pub.String()+":"+f.srv4.port())
	dial(t, f.b, f.pub.String()+":"+f.srvDual.port())
	waitFor(t, 2*time.Second, "server side of killed connections ended", func() (bool, error) {
		_, e4 := f.srv4.count()
		_, eDual := f.srvDual.count()
		return len(e4) >= 1 && len(eDual) >= 1, nil
	})
}

func TestKillConnections(t *testing.T) {
	f := killSetup(t)
	var n int
	do(t, f.a, func() (err error) { n, err = KillConnections(f.pub); return err })
	if n != 2 {
		t.Fatalf("KillConnections(%s) = %d, want 2 (one IPv4, one dual-stack)", f.pub, n)
	}
	f.checkKilled(t)
	if _, ended := f.srv4.count(); !errors.Is(ended[0], syscall.ECONNABORTED) {
		t.Fatalf("server side ended with %v, want ECONNABORTED", ended[0])
	}
	// Nothing left to kill: the new connections are killed, the listeners
	// are not.
	do(t, f.a, func() (err error) { n, err = KillConnections(f.pub); return err })
	if n != 2 {
		t.Fatalf("second KillConnections = %d, want the 2 new connections", n)
	}
}

func TestKillConnectionsIPv6(t *testing.T) {
	nw := netns.New(t, 2)
	a, b := nw.Host(0), nw.Host(1)
	a.Run(t, "ip", "addr", "add", "fd97::1/64", "dev", "eth0", "nodad")
	b.Run(t, "ip", "addr", "add", "fd97::2/64", "dev", "eth0", "nodad")
	a.Run(t, "ip", "addr", "add", "fd97::100/64", "dev", "eth0", "nodad")
	srv := startEcho(t, a, "tcp6", "[fd97::100]:0")
	own := startEcho(t, a, "tcp6", "[fd97::1]:0")
	c := dial(t, b, "[fd97::100]:"+srv.port())
	cOwn := dial(t, b, "[fd97::1]:"+own.port())
	var n int
	do(t, a, func() (err error) { n, err = KillConnections(netip.MustParseAddr("fd97::100")); return err })
	if n != 1 {
		t.Fatalf("KillConnections(fd97::100) = %d, want 1", n)
	}
	expectReset(t, "IPv6 connection", c)
	if err := echo(cOwn); err != nil {
		t.Fatalf("connection to A's own IPv6 address broke: %v", err)
	}
	dial(t, b, "[fd97::100]:"+srv.port())
}

// TestKillConnectionsSSFallback forces the SOCK_DESTROY path to report
// EOPNOTSUPP and checks that the real `ss -K` fallback resets everything.
func TestKillConnectionsSSFallback(t *testing.T) {
	if _, err := exec.LookPath("ss"); err != nil {
		t.Skip("skipping: ss (iproute2) not on PATH")
	}
	f := killSetup(t)
	k := killer{destroy: func(tcpSock) error { return unix.EOPNOTSUPP }, runSS: runSSKill}
	var n int
	do(t, f.a, func() (err error) { n, err = k.kill(f.pub); return err })
	if n != 2 {
		t.Fatalf("kill via ss = %d, want 2", n)
	}
	f.checkKilled(t)
}

// TestKillConnectionsNoWayWorks: without SOCK_DESTROY and with an ss that
// does nothing, the error says so and the connections are untouched.
func TestKillConnectionsNoWayWorks(t *testing.T) {
	f := killSetup(t)
	k := killer{destroy: func(tcpSock) error { return unix.EOPNOTSUPP },
		runSS: func(netip.Addr) error { return errors.New("exit status 1") }}
	var n int
	var err error
	do(t, f.a, func() error { n, err = k.kill(f.pub); return nil })
	if err == nil || !strings.Contains(err.Error(), "CONFIG_INET_DIAG_DESTROY") ||
		!strings.Contains(err.Error(), "2 connection(s) survive") || n != 0 {
		t.Fatalf("kill = %d, %v; want 0 and an error naming both mechanisms and 2 survivors", n, err)
	}
	if err := echo(f.c4); err != nil {
		t.Fatalf("connection broke although nothing could kill it: %v", err)
	}
}

func TestDestroyAll(t *testing.T) {
	socks := make([]tcpSock, 5)
	for i := range socks {
		socks[i].state = uint8(i)
	}
	results := []error{nil, unix.ENOENT, unix.EPERM, nil, unix.EOPNOTSUPP}
	var calls int
	k := killer{destroy: func(s tcpSock) error { calls++; return results[s.state] }}
	n, err := k.destroyAll(socks)
	if n != 2 || calls != 5 || !errors.Is(err, unix.EOPNOTSUPP) {
		t.Fatalf("destroyAll = %d, %v after %d calls; want 2, EOPNOTSUPP, 5", n, err, calls)
	}
	n, err = k.destroyAll(socks[:4])
	if n != 2 || !errors.Is(err, unix.EPERM) || errors.Is(err, unix.ENOENT) {
		t.Fatalf("destroyAll = %d, %v; want 2 and only the EPERM error", n, err)
	}
}
