package ipguard

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

type nopCloser struct{ bytes.Buffer }

func (*nopCloser) Close() error { return nil }

func TestPingEvery(t *testing.T) {
	for timeout, want := range map[time.Duration]time.Duration{
		2500 * time.Millisecond: time.Second,            // default tunables: hold bound 2.5 s
		1500 * time.Millisecond: 600 * time.Millisecond, // KeepaliveInterval=1, KeepaliveLimit=3
		20 * time.Second:        time.Second,
	} {
		if got := PingEvery(timeout); got != want {
			t.Errorf("PingEvery(%v) = %v, want %v", timeout, got, want)
		}
	}
}

// Ping is called on every tick of the leader-contact loop but reaches the
// guard only once per period.
func TestPingIsPaced(t *testing.T) {
	w := &nopCloser{}
	c := &Client{w: w, every: time.Hour}
	pings := func() int { return strings.Count(w.String(), "ping\n") }
	c.Ping()
	c.Ping()
	c.Ping()
	if n := pings(); n != 1 {
		t.Fatalf("%d pings from three calls within a period, want 1", n)
	}
	// The period has passed: the clock is driven by moving the last ping back.
	c.mu.Lock()
	c.lastPing = c.lastPing.Add(-c.every)
	c.mu.Unlock()
	c.Ping()
	c.Ping()
	if n := pings(); n != 2 {
		t.Errorf("%d pings after one more period, want 2", n)
	}
	c.mu.Lock()
	c.lastPing = c.lastPing.Add(-c.every + time.Minute)
	c.mu.Unlock()
	c.Ping()
	if n := pings(); n != 2 {
		t.Errorf("%d pings a minute before the period ends, want still 2", n)
	}
	var none *Client
	none.Ping() // no guard: no panic
}

// What the client writes is what the guard understands.
func TestClientLinesReachTheGuard(t *testing.T) {
	w := &nopCloser{}
	c := &Client{w: w, every: time.Hour}
	c.Add("eth0", "10.0.0.1/24")
	c.Add("eth1", "10.0.0.2/24")
	c.Del("eth0", "10.0.0.1/24")
	c.Ping()
	now := time.Unix(1e6, 0)
	g := New(time.Second, now)
	for _, l := range strings.Split(strings.TrimSpace(w.String()), "\n") {
		if out := g.Step(Input{Kind: Line, Line: l, Now: now}); out.Bad != "" {
			t.Errorf("guard did not understand %q: %s", l, out.Bad)
		}
	}
	if got := render(g.Held()); got != "10.0.0.2/24@eth1" {
		t.Errorf("guard holds %s", got)
	}
	c.Close()
	if out := g.Step(Input{Kind: Line, Line: lastLine(w.String()), Now: now}); !out.Exit || len(out.Remove) != 0 {
		t.Errorf("Close: %+v, want a clean exit", out)
	}
}

func lastLine(s string) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	return l[len(l)-1]
}
