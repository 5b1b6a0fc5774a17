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

// While the main loop is busy (a long recovery), pingLoop repeats the
// leader's claim every BroadcastInterval so that the followers do not
// call an election; a withdrawn claim is never repeated.
func TestClaimRepeatedOnlyWhileLeading(t *testing.T) {
	f := newFakeCluster(3)
	r, clock, _ := newTestRecoverd(t, f)
	lead(t, r, clock)
	r.broadcast(r.self)
	sent := f.callCount(0, protocol.OpBroadcast)
	clock.advance(broadcastEvery / 2)
	r.repeatClaim(t.Context())
	if n := f.callCount(0, protocol.OpBroadcast) - sent; n != 0 {
		t.Fatalf("claim repeated %d times before BroadcastInterval", n)
	}
	clock.advance(broadcastEvery / 2)
	r.repeatClaim(t.Context())
	if n := f.callCount(0, protocol.OpBroadcast) - sent; n != 1 {
		t.Fatalf("claim repeated %d times after BroadcastInterval, want 1", n)
	}
	r.broadcast(protocol.PNNUnknown) // stepping down
	sent = f.callCount(0, protocol.OpBroadcast)
	clock.advance(10 * broadcastEvery)
	r.repeatClaim(t.Context())
	if n := f.callCount(0, protocol.OpBroadcast) - sent; n != 0 {
		t.Fatalf("withdrawn claim repeated %d times", n)
	}
}
