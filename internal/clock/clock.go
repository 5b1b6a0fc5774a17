// Package clock is the daemon's time seam: Now, and timers. Real is the
// system clock; Fake is a manual clock for tests, which moves only when
// Advance is called and fires the timers that became due.
package clock

import (
	"sort"
	"sync"
	"time"
)

// Clock tells the time and makes timers.
type Clock interface {
	Now() time.Time
	// After is a channel that receives the time once d has passed.
	After(d time.Duration) <-chan time.Time
	// NewTimer is a timer that fires once after d.
	NewTimer(d time.Duration) Timer
	// AfterFunc calls f in its own goroutine once d has passed.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a one-shot timer, as time.Timer.
type Timer interface {
	// C receives the time when the timer fires (nil for AfterFunc).
	C() <-chan time.Time
	Stop() bool
	Reset(d time.Duration) bool
}

// Real is the system clock.
func Real() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
func (realClock) NewTimer(d time.Duration) Timer         { return realTimer{time.NewTimer(d)} }
func (realClock) AfterFunc(d time.Duration, f func()) Timer {
	return realTimer{time.AfterFunc(d, f)}
}

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time        { return r.t.C }
func (r realTimer) Stop() bool                 { return r.t.Stop() }
func (r realTimer) Reset(d time.Duration) bool { return r.t.Reset(d) }

// Fake is a clock that moves only on Advance. Its zero value is not
// usable: use NewFake.
type Fake struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

// NewFake is a fake clock reading start.
func NewFake(start time.Time) *Fake { return &Fake{now: start} }

// Now is the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// After is a channel that receives the time once Advance passed d.
func (f *Fake) After(d time.Duration) <-chan time.Time { return f.NewTimer(d).C() }

// NewTimer is a timer that fires when Advance reaches now + d.
func (f *Fake) NewTimer(d time.Duration) Timer { return f.add(d, nil) }

// AfterFunc calls fn (in its own goroutine) when Advance reaches now + d.
func (f *Fake) AfterFunc(d time.Duration, fn func()) Timer { return f.add(d, fn) }

func (f *Fake) add(d time.Duration, fn func()) *fakeTimer {
	t := &fakeTimer{clk: f, fn: fn}
	if fn == nil {
		t.ch = make(chan time.Time, 1)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t.when, t.armed = f.now.Add(d), true
	f.timers = append(f.timers, t)
	if d <= 0 {
		f.fireDueLocked()
	}
	return t
}

// Pending is how many timers wait to fire.
func (f *Fake) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, t := range f.timers {
		if t.armed {
			n++
		}
	}
	return n
}

// Advance moves the time on by d and fires every timer due by then, in
// the order of their due times.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	f.fireDueLocked()
}

func (f *Fake) fireDueLocked() {
	var due, keep []*fakeTimer
	for _, t := range f.timers {
		switch {
		case !t.armed:
		case !t.when.After(f.now):
			due = append(due, t)
		default:
			keep = append(keep, t)
		}
	}
	f.timers = keep
	sort.SliceStable(due, func(i, j int) bool { return due[i].when.Before(due[j].when) })
	for _, t := range due {
		t.armed = false
		if t.fn != nil {
			go t.fn()
			continue
		}
		select {
		case t.ch <- f.now:
		default: // as time.Timer: an unread firing is not queued twice
		}
	}
}

type fakeTimer struct {
	clk   *Fake
	ch    chan time.Time
	fn    func()
	when  time.Time
	armed bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	t.clk.mu.Lock()
	defer t.clk.mu.Unlock()
	was := t.armed
	t.armed = false
	return was
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	f := t.clk
	f.mu.Lock()
	defer f.mu.Unlock()
	was := t.armed
	if !was {
		f.timers = append(f.timers, t)
	}
	t.when, t.armed = f.now.Add(d), true
	if d <= 0 {
		f.fireDueLocked()
	}
	return was
}
