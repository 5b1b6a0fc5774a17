package daemon

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

type nopCloser struct{ bytes.Buffer }

func (*nopCloser) Close() error { return nil }

func TestGuardPingEvery(t *testing.T) {
	for timeout, want := range map[time.Duration]time.Duration{
		2500 * time.Millisecond: 500 * time.Millisecond, // default tunables: hold bound 2.5 s
		1500 * time.Millisecond: 300 * time.Millisecond, // KeepaliveInterval=1, KeepaliveLimit=3
		20 * time.Second:        time.Second,
	} {
		if got := guardPingEvery(timeout); got != want {
			t.Errorf("guardPingEvery(%v) = %v, want %v", timeout, got, want)
		}
	}
}

// ping is called on every tick of the leader-contact loop but reaches the
// guard only once per period.
func TestGuardPingIsPaced(t *testing.T) {
	w := &nopCloser{}
	clock := time.Unix(1e6, 0)
	g := &ipGuard{w: w, every: 100 * time.Millisecond, now: func() time.Time { return clock }}
	for range 36 { // ticks at 0, 10, ... 350 ms of a fake clock
		g.ping()
		clock = clock.Add(10 * time.Millisecond)
	}
	if n := strings.Count(w.String(), "ping\n"); n != 4 {
		t.Errorf("%d pings in 350 ms at one per 100 ms, want 4 (at 0, 100, 200, 300 ms)", n)
	}
	var none *ipGuard
	none.ping() // no guard: no panic
}
