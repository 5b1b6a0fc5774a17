package logging

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// listenUnixgram binds a datagram socket at path that the test reads.
func listenUnixgram(t *testing.T, path string) *net.UnixConn {
	t.Helper()
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readAll returns the datagrams already queued on c.
func readAll(t *testing.T, c net.PacketConn) []string {
	t.Helper()
	var got []string
	buf := make([]byte, 65536)
	for {
		c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			return got
		}
		got = append(got, string(buf[:n]))
	}
}

// fakeClock is a settable clock for the redial limit.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestSyslogMissingSocketDropsWithoutBlocking(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "absent.sock")
	l, err := New(Options{Location: "syslog:unix:" + sock, Tag: "ctdbd"})
	if err != nil {
		t.Fatalf("New with a missing syslog socket: %v", err)
	}
	defer l.Close()
	start := time.Now()
	for i := 0; i < 100; i++ {
		l.Info("nobody listens")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("100 entries took %v", d)
	}
	if got := l.Dropped(); got != 100 {
		t.Errorf("Dropped = %d, want 100", got)
	}
}

func TestSyslogFullQueueDropsWithoutBlocking(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "full.sock")
	rx := listenUnixgram(t, sock) // never read until the end: its queue fills up
	l, err := New(Options{Location: "syslog:unix:" + sock, Tag: "ctdbd"})
	if err != nil {
		t.Fatal(err)
	}
	// No deferred Close: if a write blocks, Close would wait for it forever.
	const n = 2000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < n; i++ {
			l.Info("flood")
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("logging %d entries to a full socket blocked for 5s", n)
	}
	l.Close()
	dropped := l.Dropped()
	if dropped == 0 {
		t.Fatal("nothing dropped: the receive queue never filled")
	}
	if got := uint64(len(readAll(t, rx))); got+dropped != n {
		t.Errorf("received %d + dropped %d != %d sent", got, dropped, n)
	}
}

func TestSyslogReconnectsAfterSocketAppearsAndRestarts(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "log.sock")
	clock := &fakeClock{t: time.Unix(1000, 0)}
	s := newDatagramSink("unixgram", sock)
	s.now = clock.now
	defer s.Close()

	s.Write([]byte("m1\n")) // no socket yet
	rx := listenUnixgram(t, sock)
	s.Write([]byte("m2\n")) // socket exists, but the last dial was just now
	clock.advance(redialInterval)
	s.Write([]byte("m3\n"))
	if got := readAll(t, rx); len(got) != 1 || got[0] != "m3" {
		t.Errorf("first receiver got %q, want [m3]", got)
	}

	// The syslog daemon restarts: same path, new socket.
	rx.Close()
	os.Remove(sock)
	rx2 := listenUnixgram(t, sock)
	clock.advance(redialInterval)
	s.Write([]byte("m4\nm5\n"))
	if got := readAll(t, rx2); strings.Join(got, ",") != "m4,m5" {
		t.Errorf("second receiver got %q, want [m4 m5]", got)
	}
	if got := s.Dropped(); got != 2 {
		t.Errorf("Dropped = %d, want 2 (m1, m2)", got)
	}
}

func TestSyslogUDPFormats(t *testing.T) {
	rx, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	tests := []struct {
		location string
		want     []string
	}{
		{"syslog:udp", []string{
			"<29>Nov 22 04:16:08 node1 ctdbd[42]: line one k=v",
			"<29>Nov 22 04:16:08 node1 ctdbd[42]: line two"}},
		{"syslog:udp-rfc5424", []string{
			"<29>1 2026-11-22T04:16:08.125204+00:00 node1 ctdbd 42 - - line one k=v",
			"<29>1 2026-11-22T04:16:08.125204+00:00 node1 ctdbd 42 - - line two"}},
	}
	for _, tt := range tests {
		l, err := New(Options{Location: tt.location, Tag: "ctdbd", Hostname: "node1", PID: 42})
		if err != nil {
			t.Fatal(err)
		}
		// Point the sink at our listener instead of 127.0.0.1:514.
		s := newDatagramSink("udp", rx.LocalAddr().String())
		l.sink, l.Out = s, s
		l.WithTime(testTime).WithField("k", "v").Info("line one\nline two")
		l.Close()
		if got := readAll(t, rx); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s: got %q, want %q", tt.location, got, tt.want)
		}
	}
}
