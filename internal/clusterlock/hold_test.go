package clusterlock

import (
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// fakeHold is a holdConfig with channels the test drives.
type fakeHold struct {
	cfg      holdConfig
	terms    chan os.Signal
	pings    chan struct{}
	stdinEOF chan struct{}
	ppid     atomic.Int64
	rechecks atomic.Int32
	outcomes chan chan error // each re-check's result channel, for the test to answer
}

func newFakeHold() *fakeHold {
	f := &fakeHold{
		terms: make(chan os.Signal, 1), pings: make(chan struct{}, 1), stdinEOF: make(chan struct{}),
		outcomes: make(chan chan error, 10),
	}
	f.ppid.Store(100)
	f.cfg = holdConfig{
		ParentPoll: 10 * time.Millisecond,
		Ppid:       100,
		Getppid:    func() int { return int(f.ppid.Load()) },
		Terms:      f.terms, Pings: f.pings, StdinEOF: f.stdinEOF,
		Recheck: func() <-chan error {
			f.rechecks.Add(1)
			c := make(chan error, 1)
			f.outcomes <- c
			return c
		},
		File: "/cluster/reclock",
	}
	return f
}

// run starts hold in a goroutine; the channel yields its reason.
func (f *fakeHold) run() <-chan string {
	done := make(chan string, 1)
	go func() { done <- hold(f.cfg) }()
	return done
}

func expectReason(t *testing.T, done <-chan string, within time.Duration) string {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(within):
		t.Fatalf("hold did not return within %v", within)
		return ""
	}
}

func expectHolding(t *testing.T, done <-chan string, for_ time.Duration) {
	t.Helper()
	select {
	case r := <-done:
		t.Fatalf("hold returned %q, want it still holding", r)
	case <-time.After(for_):
	}
}

func TestHoldOrdinaryRelease(t *testing.T) {
	t.Parallel()
	f := newFakeHold()
	done := f.run()
	expectHolding(t, done, 50*time.Millisecond)
	f.terms <- syscall.SIGTERM
	if r := expectReason(t, done, time.Second); r != "" {
		t.Errorf("SIGTERM: reason %q, want silent release", r)
	}

	f = newFakeHold()
	done = f.run()
	close(f.stdinEOF)
	if r := expectReason(t, done, time.Second); r != "" {
		t.Errorf("stdin EOF: reason %q, want silent release", r)
	}
}

func TestHoldParentGone(t *testing.T) {
	t.Parallel()
	f := newFakeHold()
	done := f.run()
	expectHolding(t, done, 50*time.Millisecond)
	f.ppid.Store(1)
	r := expectReason(t, done, time.Second)
	if !strings.Contains(r, "parent process 100 gone") {
		t.Errorf("reason %q, want parent gone", r)
	}

	// SIGTERM from the parent-death signal: the message says why.
	f = newFakeHold()
	f.cfg.ParentPoll = time.Hour
	done = f.run()
	f.ppid.Store(1)
	f.terms <- syscall.SIGTERM
	if r := expectReason(t, done, time.Second); !strings.Contains(r, "parent process 100 gone") {
		t.Errorf("reason %q, want parent gone", r)
	}
}

func TestHoldPingTimeout(t *testing.T) {
	t.Parallel()
	f := newFakeHold()
	f.cfg.PingTimeout = 100 * time.Millisecond
	done := f.run()
	start := time.Now()
	for time.Since(start) < 300*time.Millisecond {
		f.pings <- struct{}{}
		time.Sleep(20 * time.Millisecond) // Deliberate pause: pings paced well inside the 100 ms ping timeout
	}
	expectHolding(t, done, 0)
	lastPing := time.Now()
	r := expectReason(t, done, time.Second)
	if r != "ping timeout from parent: releasing lock" {
		t.Errorf("reason %q", r)
	}
	if since := time.Since(lastPing); since < 60*time.Millisecond {
		t.Errorf("released %v after the last ping, want about 100ms", since)
	}
}

func TestHoldRechecks(t *testing.T) {
	t.Parallel()
	f := newFakeHold()
	f.cfg.RecheckInterval = 20 * time.Millisecond
	f.cfg.RecheckTimeout = time.Second
	done := f.run()
	for i := 0; i < 3; i++ { // three passing checks
		select {
		case c := <-f.outcomes:
			c <- nil
		case <-time.After(time.Second):
			t.Fatalf("re-check %d not started", i+1)
		}
	}
	c := <-f.outcomes
	c <- errors.New("lock lost - lock file /cluster/reclock inode changed")
	if r := expectReason(t, done, time.Second); r != "lock lost - lock file /cluster/reclock inode changed" {
		t.Errorf("reason %q", r)
	}
	if n := f.rechecks.Load(); n != 4 {
		t.Errorf("%d re-checks started, want 4", n)
	}
}

func TestHoldRecheckDeadline(t *testing.T) {
	t.Parallel()
	f := newFakeHold()
	f.cfg.RecheckInterval = 10 * time.Millisecond
	f.cfg.RecheckTimeout = 100 * time.Millisecond
	done := f.run()
	<-f.outcomes // stuck: never answered
	r := expectReason(t, done, time.Second)
	if r != "lock lost - re-check of /cluster/reclock did not complete in 100ms" {
		t.Errorf("reason %q", r)
	}
	if n := f.rechecks.Load(); n != 1 {
		t.Errorf("%d re-checks started, want 1 (no overlap)", n)
	}
}

func TestHoldDisabledChecks(t *testing.T) {
	t.Parallel()
	// No ping timeout, no re-check: only SIGTERM/EOF/parent end it.
	f := newFakeHold()
	done := f.run()
	expectHolding(t, done, 100*time.Millisecond)
	if n := f.rechecks.Load(); n != 0 {
		t.Errorf("%d re-checks with RECHECK_INTERVAL 0", n)
	}
	// RECHECK_TIMEOUT 0: a stuck re-check is waited for, without overlap.
	f2 := newFakeHold()
	f2.cfg.RecheckInterval = 10 * time.Millisecond
	done2 := f2.run()
	expectHolding(t, done2, 100*time.Millisecond)
	if n := f2.rechecks.Load(); n != 1 {
		t.Errorf("%d re-checks started, want 1 (the stuck one)", n)
	}
	close(f.stdinEOF)
	close(f2.stdinEOF)
	expectReason(t, done, time.Second)
	expectReason(t, done2, time.Second)
}

func TestParseHelperArgs(t *testing.T) {
	t.Parallel()
	cfg, err := parseHelperArgs([]string{"/c/lock"})
	if err != nil || cfg.File != "/c/lock" || cfg.RecheckInterval != 5*time.Second ||
		cfg.PingTimeout != 5*time.Second || cfg.RecheckTimeout != 5*time.Second {
		t.Errorf("defaults: %+v, %v", cfg, err)
	}
	cfg, err = parseHelperArgs([]string{"/c/lock", "0", "0.25", "10"})
	if err != nil || cfg.RecheckInterval != 0 || cfg.PingTimeout != 250*time.Millisecond || cfg.RecheckTimeout != 10*time.Second {
		t.Errorf("explicit: %+v, %v", cfg, err)
	}
	for _, bad := range [][]string{{}, {""}, {"f", "x"}, {"f", "1", "NaN"}, {"f", "1", "1", "-2"}, {"f", "1e9"}, {"f", "1", "1", "1", "1"}} {
		if _, err := parseHelperArgs(bad); err == nil {
			t.Errorf("parseHelperArgs(%q) accepted", bad)
		}
	}
}
