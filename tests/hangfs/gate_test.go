package hangfs

import (
	"errors"
	"testing"
	"time"
)

const testWait = 5 * time.Second

// passAsync runs g.pass in a goroutine and reports its result.
func passAsync(g *gate, cancel <-chan struct{}) <-chan bool {
	res := make(chan bool, 1)
	go func() { res <- g.pass(cancel) }()
	return res
}

func TestGatePassesWhileThawed(t *testing.T) {
	g := newGate(false)
	if !g.pass(nil) {
		t.Fatal("pass on a thawed gate returned false")
	}
	if g.frozen() || g.blocked() != 0 {
		t.Fatalf("fresh gate: frozen=%t blocked=%d", g.frozen(), g.blocked())
	}
}

func TestGateParksUntilThaw(t *testing.T) {
	g := newGate(false)
	g.freeze()
	r1, r2 := passAsync(g, nil), passAsync(g, nil)
	if err := g.waitBlocked(2, testWait); err != nil {
		t.Fatal(err)
	}
	select {
	case <-r1:
		t.Fatal("pass returned while frozen")
	case <-time.After(50 * time.Millisecond):
	}
	g.thaw()
	for _, r := range []<-chan bool{r1, r2} {
		select {
		case ok := <-r:
			if !ok {
				t.Fatal("pass after thaw returned false")
			}
		case <-time.After(testWait):
			t.Fatal("pass did not return after thaw")
		}
	}
	if g.blocked() != 0 || g.frozen() {
		t.Fatalf("after thaw: frozen=%t blocked=%d", g.frozen(), g.blocked())
	}
}

func TestGateIgnoresCancelUnlessInterruptible(t *testing.T) {
	for _, interruptible := range []bool{false, true} {
		g := newGate(interruptible)
		g.freeze()
		cancel := make(chan struct{})
		r := passAsync(g, cancel)
		if err := g.waitBlocked(1, testWait); err != nil {
			t.Fatal(err)
		}
		close(cancel)
		select {
		case ok := <-r:
			if !interruptible || ok {
				t.Fatalf("interruptible=%t: cancelled pass returned %t", interruptible, ok)
			}
			if g.blocked() != 0 {
				t.Fatalf("blocked=%d after the only parked request gave up", g.blocked())
			}
		case <-time.After(100 * time.Millisecond):
			if interruptible {
				t.Fatal("interruptible gate ignored cancel")
			}
		}
		g.thaw()
		if !interruptible && !<-r {
			t.Fatal("non-interruptible pass returned false after thaw")
		}
	}
}

func TestGateWaitBlockedTimesOut(t *testing.T) {
	g := newGate(false)
	g.freeze()
	defer g.thaw()
	passAsync(g, nil)
	start := time.Now()
	err := g.waitBlocked(2, 50*time.Millisecond)
	if err == nil {
		t.Fatal("waitBlocked(2) with one parked request succeeded")
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("waitBlocked gave up after %v, before its timeout", d)
	}
	if err := g.waitBlocked(0, 0); err != nil {
		t.Fatalf("waitBlocked(0): %v", err)
	}
}

func TestGateShutdownThawsAndEndsWaits(t *testing.T) {
	g := newGate(false)
	g.freeze()
	r := passAsync(g, nil)
	if err := g.waitBlocked(1, testWait); err != nil {
		t.Fatal(err)
	}
	w := make(chan error, 1)
	go func() { w <- g.waitBlocked(5, time.Hour) }()
	g.shutdown()
	if ok := <-r; !ok {
		t.Fatal("parked pass returned false at shutdown")
	}
	if err := <-w; !errors.Is(err, ErrClosed) {
		t.Fatalf("waitBlocked at shutdown: %v, want ErrClosed", err)
	}
	g.freeze()
	if g.frozen() {
		t.Fatal("freeze after shutdown took effect")
	}
}
