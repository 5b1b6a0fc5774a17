package etcdlock

import (
	"testing"
	"time"
)

func TestLivenessGivesUpBeforeTheLeaseExpires(t *testing.T) {
	cfg := Config{TTL: 9 * time.Second, GiveUp: DefaultGiveUp}
	t0 := time.Unix(1000, 0)
	l := NewLiveness(cfg.GiveUpAfter(), t0)
	steps := []struct {
		okSent time.Duration // a keep-alive sent at t0+okSent succeeded (-1: none)
		at     time.Duration // then the question is asked at t0+at
		lapsed bool
	}{
		{-1, 0, false},
		{-1, 4499 * time.Millisecond, false},
		{-1, 4500 * time.Millisecond, true},
		{1 * time.Second, 5 * time.Second, false},                // renewed at 1 s: deadline 5.5 s
		{500 * time.Millisecond, 5400 * time.Millisecond, false}, // a late answer to an older request: no change
		{-1, 5500 * time.Millisecond, true},
		{-1, 60 * time.Second, true},
	}
	for i, s := range steps {
		if s.okSent >= 0 {
			l.OK(t0.Add(s.okSent))
		}
		if got := l.Lapsed(t0.Add(s.at)); got != s.lapsed {
			t.Fatalf("step %d: Lapsed(t0+%v) = %v, want %v (deadline t0+%v)", i, s.at, got, s.lapsed, l.Deadline().Sub(t0))
		}
		// The safety relation: the deadline is strictly before the lease
		// could expire, sent+TTL.
		if !l.Deadline().Before(l.Last().Add(cfg.TTL)) {
			t.Fatalf("step %d: deadline %v not before lease expiry %v", i, l.Deadline(), l.Last().Add(cfg.TTL))
		}
	}
}

func TestParseArgs(t *testing.T) {
	good := []struct {
		args []string
		want func(Config) bool
	}{
		{nil, func(c Config) bool {
			return c.TTL == DefaultTTL && c.Endpoints[0] == DefaultEndpoints && c.LockPrefix() == "/ctdb/ctdb/lock"
		}},
		{[]string{"--endpoints", "10.0.0.1:2379, 10.0.0.2:2379", "--ttl=3", "--cluster", "c1", "--prefix", "/x"},
			func(c Config) bool {
				return len(c.Endpoints) == 2 && c.TTL == 3*time.Second && c.LockPrefix() == "/x/c1/lock" &&
					c.RequestTimeout() < c.TTL/3 && c.GiveUpAfter() == 1500*time.Millisecond
			}},
		{[]string{"-give-up", "0.4", "-ping-timeout", "0.5"}, func(c Config) bool { return c.GiveUp == 0.4 && c.PingTimeout == 500*time.Millisecond }},
	}
	for _, g := range good {
		c, err := ParseArgs(g.args)
		if err != nil || !g.want(c) {
			t.Errorf("ParseArgs(%q) = %+v, %v", g.args, c, err)
		}
	}
	bad := [][]string{
		{"--ttl", "1"}, {"--ttl", "2.5"}, {"--ttl", "x"}, {"--give-up", "1"}, {"--give-up", "0"},
		{"--endpoints", " , "}, {"--cluster", "a/b"}, {"--prefix", "ctdb"}, {"--cert", "c.pem"},
		{"--bogus"}, {"extra"},
	}
	for _, b := range bad {
		if _, err := ParseArgs(b); err == nil {
			t.Errorf("ParseArgs(%q): no error", b)
		}
	}
}
