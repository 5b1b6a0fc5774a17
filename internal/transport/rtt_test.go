package transport

import (
	"testing"
	"time"
)

// The round trip is measured on one clock only: the peer's clock (here
// an hour off) never enters it, and the time the peer held our keepalive
// is taken out.
func TestKeepaliveRoundTrip(t *testing.T) {
	var c conn
	t0 := time.Unix(1000, 0)
	if echo, _ := c.echoFields(t0); echo != 0 {
		t.Fatalf("echo %d before any keepalive", echo)
	}
	// The peer sent its keepalive at its own time P; we got it at t0.
	peerSent := time.Unix(5000, 0).UnixNano()
	c.noteKeepalive(peerSent, 0, 0, t0)
	if c.rtt.Load() != 0 {
		t.Fatalf("rtt %d without an echo", c.rtt.Load())
	}
	// We answer 2 s later, echoing P with 2 s held.
	echo, held := c.echoFields(t0.Add(2 * time.Second))
	if echo != peerSent || held != int64(2*time.Second) {
		t.Fatalf("echo %d held %v", echo, time.Duration(held))
	}
	// Our keepalive sent at t1 comes back echoed, held 3 s by the peer,
	// and arrives at t1 + 3 s + 800 µs: the round trip is 800 µs.
	t1 := time.Unix(2000, 0)
	c.noteKeepalive(peerSent+1, t1.UnixNano(), int64(3*time.Second), t1.Add(3*time.Second+800*time.Microsecond))
	if got := time.Duration(c.rtt.Load()); got != 800*time.Microsecond {
		t.Errorf("rtt %v, want 800µs", got)
	}
}
