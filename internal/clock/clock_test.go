package clock

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func fired(c <-chan time.Time) (time.Time, bool) {
	select {
	case at := <-c:
		return at, true
	default:
		return time.Time{}, false
	}
}

func TestFakeFiresOnlyWhenAdvancedPastDue(t *testing.T) {
	f := NewFake(t0)
	a := f.After(2 * time.Second)
	b := f.NewTimer(time.Second)
	f.Advance(999 * time.Millisecond)
	if _, ok := fired(a); ok {
		t.Fatal("2 s timer fired after 0.999 s")
	}
	if _, ok := fired(b.C()); ok {
		t.Fatal("1 s timer fired after 0.999 s")
	}
	f.Advance(time.Millisecond)
	if at, ok := fired(b.C()); !ok || !at.Equal(t0.Add(time.Second)) {
		t.Fatalf("1 s timer at 1 s: fired %v at %v", ok, at)
	}
	if _, ok := fired(a); ok {
		t.Fatal("2 s timer fired after 1 s")
	}
	f.Advance(5 * time.Second)
	if at, ok := fired(a); !ok || !at.Equal(t0.Add(6*time.Second)) {
		t.Fatalf("2 s timer after 6 s: fired %v at %v", ok, at)
	}
	if got := f.Now(); !got.Equal(t0.Add(6 * time.Second)) {
		t.Fatalf("Now = %v", got)
	}
	if f.Pending() != 0 {
		t.Fatalf("%d timers still pending", f.Pending())
	}
}

func TestFakeStopAndReset(t *testing.T) {
	f := NewFake(t0)
	tm := f.NewTimer(time.Second)
	if !tm.Stop() {
		t.Fatal("Stop of an armed timer returned false")
	}
	f.Advance(2 * time.Second)
	if _, ok := fired(tm.C()); ok {
		t.Fatal("stopped timer fired")
	}
	if tm.Reset(time.Second) {
		t.Fatal("Reset of a stopped timer returned true")
	}
	f.Advance(time.Second)
	if _, ok := fired(tm.C()); !ok {
		t.Fatal("reset timer did not fire")
	}
	if _, ok := fired(f.After(0)); !ok {
		t.Fatal("After(0) did not fire at once")
	}
}

func TestFakeAfterFunc(t *testing.T) {
	f := NewFake(t0)
	done := make(chan struct{})
	f.AfterFunc(time.Minute, func() { close(done) })
	f.Advance(59 * time.Second)
	select {
	case <-done:
		t.Fatal("AfterFunc ran early")
	default:
	}
	f.Advance(time.Second)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("AfterFunc did not run once due")
	}
}

func TestRealClockMoves(t *testing.T) {
	c := Real()
	a := c.Now()
	<-c.After(time.Millisecond)
	if !c.Now().After(a) {
		t.Fatal("real clock did not move")
	}
}
