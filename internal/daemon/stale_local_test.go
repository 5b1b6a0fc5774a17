package daemon

import (
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/internal/transport"
)

// A stopped ctdbd reads its recovery daemon's queued requests when it
// resumes, each in its own goroutine and so in any order. A leader claim
// or a lock confirmation read after the recovery daemon stopped waiting
// for it is refused: applied after the LOCK_LOST queued behind it, it
// showed the node as leader again with its old fencing token (seen in
// TestEtcdLockCluster after a SIGSTOP of the leader's ctdbd).
func TestLocalRequestsReadAfterTheirDeadlineAreRefused(t *testing.T) {
	d := memDaemon(t, transport.NewMemNetwork(), 0, 3)
	if err := d.startTransport(t.Context()); err != nil {
		t.Fatal(err)
	}
	leader := func() (uint32, time.Time) {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.st.Leader, d.st.LastLeader
	}
	past := time.Now().Add(-time.Second).UnixNano()
	claim := protocol.LeaderMsg{Leader: 0, Epoch: 7, Token: 7, Deadline: past}
	if _, err := d.ctlBroadcast(t.Context(), protocol.Header{}, &claim); !protocol.IsStatus(err, protocol.StatusTimeout) {
		t.Fatalf("claim read after its deadline: %v, want a timeout refusal", err)
	}
	if l, _ := leader(); l != protocol.PNNUnknown {
		t.Fatalf("leader %d after a claim read after its deadline, want none", l)
	}
	claim.Deadline = time.Now().Add(time.Second).UnixNano()
	if _, err := d.ctlBroadcast(t.Context(), protocol.Header{}, &claim); err != nil {
		t.Fatalf("claim within its deadline: %v", err)
	}
	l, before := leader()
	if l != 0 {
		t.Fatalf("leader %d after a claim within its deadline, want 0", l)
	}
	if _, err := d.ctlLockHeld(t.Context(), protocol.Header{}, &protocol.LockHeld{Deadline: past}); !protocol.IsStatus(err, protocol.StatusTimeout) {
		t.Fatalf("LOCK_HELD read after its deadline: %v, want a timeout refusal", err)
	}
	if _, after := leader(); !after.Equal(before) {
		t.Fatalf("LOCK_HELD read after its deadline moved the last lock confirmation from %v to %v", before, after)
	}
	if _, err := d.ctlLockHeld(t.Context(), protocol.Header{}, &protocol.LockHeld{Deadline: time.Now().Add(time.Second).UnixNano()}); err != nil {
		t.Fatalf("LOCK_HELD within its deadline: %v", err)
	}
	if _, after := leader(); !after.After(before) {
		t.Fatalf("LOCK_HELD within its deadline left the last lock confirmation at %v", after)
	}
}
