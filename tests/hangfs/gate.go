package hangfs

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrClosed is returned by WaitBlocked once the filesystem is being
// unmounted: from then on nothing parks, so the wait could never succeed.
var ErrClosed = errors.New("hangfs: filesystem is unmounted")

// gate parks requests while frozen. The zero value is not usable; use
// newGate.
type gate struct {
	// interruptible makes a parked request give up (EINTR) when the kernel
	// interrupts it. Off by default: a real hung server does not answer
	// interrupts either.
	interruptible bool

	mu      sync.Mutex
	closed  bool          // shut down: never park again
	epoch   *freezeEpoch  // current freeze; nil while thawed
	changed chan struct{} // closed and replaced on every state change
}

// freezeEpoch is one freeze. Requests parked in it are released together
// when thawed is closed.
type freezeEpoch struct {
	thawed chan struct{}
	parked int
}

func newGate(interruptible bool) *gate {
	return &gate{interruptible: interruptible, changed: make(chan struct{})}
}

// broadcastLocked wakes everybody waiting for a state change. Caller holds mu.
func (g *gate) broadcastLocked() {
	close(g.changed)
	g.changed = make(chan struct{})
}

// freeze starts parking requests. It is a no-op when already frozen or shut
// down.
func (g *gate) freeze() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed || g.epoch != nil {
		return
	}
	g.epoch = &freezeEpoch{thawed: make(chan struct{})}
	g.broadcastLocked()
}

// thaw releases every parked request and stops parking.
func (g *gate) thaw() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.epoch == nil {
		return
	}
	close(g.epoch.thawed)
	g.epoch = nil
	g.broadcastLocked()
}

// shutdown thaws and makes later freezes no-ops.
func (g *gate) shutdown() {
	g.mu.Lock()
	g.closed = true
	g.broadcastLocked()
	g.mu.Unlock()
	g.thaw()
}

func (g *gate) frozen() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.epoch != nil
}

// blocked is the number of requests parked right now.
func (g *gate) blocked() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.epoch == nil {
		return 0
	}
	return g.epoch.parked
}

// pass returns at once while thawed. While frozen it parks the caller until
// thaw and returns true, or, for an interruptible gate, returns false as
// soon as cancel is closed.
func (g *gate) pass(cancel <-chan struct{}) bool {
	g.mu.Lock()
	e := g.epoch
	if e == nil {
		g.mu.Unlock()
		return true
	}
	e.parked++
	g.broadcastLocked()
	g.mu.Unlock()

	ok := true
	if g.interruptible {
		select {
		case <-e.thawed:
		case <-cancel:
			ok = false
		}
	} else {
		<-e.thawed
	}

	g.mu.Lock()
	e.parked--
	if e == g.epoch {
		g.broadcastLocked()
	}
	g.mu.Unlock()
	return ok
}

// waitBlocked waits until at least n requests are parked at once.
func (g *gate) waitBlocked(n int, timeout time.Duration) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		g.mu.Lock()
		parked := 0
		if g.epoch != nil {
			parked = g.epoch.parked
		}
		closed, frozen, changed := g.closed, g.epoch != nil, g.changed
		g.mu.Unlock()
		switch {
		case parked >= n:
			return nil
		case closed:
			return ErrClosed
		}
		select {
		case <-changed:
		case <-timer.C:
			return fmt.Errorf("hangfs: %d request(s) parked after %v (frozen=%t), want %d", parked, timeout, frozen, n)
		}
	}
}
