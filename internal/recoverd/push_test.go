package recoverd

import (
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// pass advances the clock by a second and runs one pass.
func pass(t *testing.T, r *Recoverd, clock *fakeClock) {
	clock.advance(time.Second)
	r.step(t.Context())
}

// An idle leader asks nothing of the other nodes: it gathers their views
// when its ctdbd pushes a change, and acts on it in the very next pass.
func TestLeaderGathersOnPush(t *testing.T) {
	f := newFakeCluster(3)
	r, clock, _ := newTestRecoverd(t, f)
	lead(t, r, clock)
	for range 2 { // the recovery's own changes are pushed: one more look
		pass(t, r, clock)
	}
	before := f.callCount(1, protocol.OpGetNodeInfo)
	local := f.callCount(0, protocol.OpGetNodeInfo)
	for range 3 {
		pass(t, r, clock)
	}
	if n := f.callCount(1, protocol.OpGetNodeInfo) - before; n != 0 {
		t.Errorf("idle leader asked node 1 for its state %d times in 3 passes, want 0", n)
	}
	if n := f.callCount(0, protocol.OpGetNodeInfo) - local; n != 0 {
		t.Errorf("idle leader asked its own ctdbd for its state %d times in 3 passes, want 0", n)
	}

	gen := r.lastGen
	f.setFlags(2, protocol.FlagBanned) // pushed
	pass(t, r, clock)
	if r.lastGen == gen {
		t.Fatalf("a pushed ban of node 2 did not cause a recovery in the next pass")
	}
	if f.nodes[2].gen == r.lastGen {
		t.Errorf("banned node 2 was recovered into generation %d", r.lastGen)
	}
}

// A change whose push was lost is still seen, within stateRecheck.
func TestLeaderRechecksWithoutPush(t *testing.T) {
	f := newFakeCluster(3)
	r, clock, _ := newTestRecoverd(t, f)
	lead(t, r, clock)
	for range 2 {
		pass(t, r, clock)
	}
	gen := r.lastGen
	f.silent = true
	f.setFlags(2, protocol.FlagBanned)
	passes := 0
	for r.lastGen == gen {
		if passes++; passes > int(r.stateRecheck()/time.Second)+1 {
			t.Fatalf("a ban that was not pushed was not seen in %d passes", passes-1)
		}
		pass(t, r, clock)
	}
	if passes < 2 {
		t.Errorf("seen after %d pass although not pushed: the test does not test the re-check", passes)
	}
}

// The leader's claim goes with each lock confirmation, on pingLoop's
// goroutine, so it goes on while the main loop is busy (a long recovery)
// and the followers do not call an election; the main loop sends no claim
// of its own meanwhile, and a withdrawn claim is never sent again.
func TestClaimRidesOnLockConfirmation(t *testing.T) {
	f := newFakeCluster(3)
	r, clock, _ := newTestRecoverd(t, f)
	lead(t, r, clock)
	counts := func() (bcasts, withLock int) {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.calls[0][protocol.OpBroadcast], f.claimsWithLock
	}
	r.pingOnce(t.Context(), nil)
	r.step(t.Context()) // the term's own broadcasts are done
	b0, c0 := counts()
	for range 5 {
		clock.advance(r.pingEvery())
		r.pingOnce(t.Context(), nil)
		r.step(t.Context())
	}
	if b, c := counts(); b != b0 || c-c0 != 5 {
		t.Fatalf("5 periods: %d claims with LOCK_HELD and %d BROADCASTs, want 5 and none", c-c0, b-b0)
	}

	clock.advance(2 * broadcastEvery) // confirmations stop: the main loop claims
	r.step(t.Context())
	if b, _ := counts(); b != b0+1 {
		t.Fatalf("no confirmation for %v: %d BROADCASTs, want 1", 2*broadcastEvery, b-b0)
	}

	r.broadcast(protocol.PNNUnknown) // stepping down
	_, c0 = counts()
	clock.advance(r.pingEvery())
	r.pingOnce(t.Context(), nil)
	if _, c := counts(); c != c0 {
		t.Fatalf("withdrawn claim sent %d times", c-c0)
	}
}

// A leader whose cluster is settled sleeps until the next re-check of
// every node's view (or the next address check when there are addresses)
// instead of passing every RecoverInterval: its claims go with the lock
// confirmations. A push, or a takeover owed, brings back the short wait.
func TestSettledLeaderSleepsUntilARecheckIsDue(t *testing.T) {
	for _, c := range []struct {
		addrs []string
		want  time.Duration // wait right after a pass that gathered
		what  string
	}{
		{nil, 5 * time.Second, "no public address: until the views' re-check (stateRecheck)"},
		{[]string{"10.0.0.1"}, ipCheckInterval, "public addresses: until the next address check"},
	} {
		f := newFakeCluster(3, c.addrs...)
		r, clock, _ := newTestRecoverd(t, f)
		lead(t, r, clock)
		for range 10 { // until a pass has gathered and checked the addresses
			pass(t, r, clock)
			if r.leaderIdle() && r.now().Equal(r.gathered) && (r.to.none || r.now().Equal(r.to.lastCheck)) {
				break
			}
		}
		if !r.leaderIdle() || !r.now().Equal(r.gathered) {
			t.Fatalf("%s: leader not settled after 10 passes", c.what)
		}
		if w := r.wait(); w != c.want {
			t.Errorf("%s: settled leader waits %v, want %v", c.what, w, c.want)
		}
		r.stale = true // ctdbd pushed a change
		if w := r.wait(); w != r.interval() {
			t.Errorf("%s: after a push the leader waits %v, want a RecoverInterval", c.what, w)
		}
		r.stale, r.to.need = false, true
		if w := r.wait(); w != r.interval() {
			t.Errorf("%s: with a takeover owed the leader waits %v, want a RecoverInterval", c.what, w)
		}
	}
}
