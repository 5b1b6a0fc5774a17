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
	g := &ipGuard{w: w, every: 100 * time.Millisecond}
	start := time.Now()
	for time.Since(start) < 350*time.Millisecond {
		g.ping()
		time.Sleep(10 * time.Millisecond)
	}
	if n := strings.Count(w.String(), "ping\n"); n < 3 || n > 4 {
		t.Errorf("%d pings in 350 ms at one per 100 ms, want 3 or 4", n)
	}
	var none *ipGuard
	none.ping() // no guard: no panic
}
