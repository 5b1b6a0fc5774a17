package daemon

import (
	"testing"

	"github.com/ctdb-go/ctdb/internal/clock"
	"github.com/ctdb-go/ctdb/internal/clusterlock"
	"github.com/ctdb-go/ctdb/internal/nodestate"
	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/internal/tunables"
	"github.com/sirupsen/logrus"
)

func testDaemon(gen, maxEpoch uint32) *Daemon {
	lg := logrus.New()
	d := &Daemon{log: logrus.NewEntry(lg), clk: clock.Real(), tun: tunables.Defaults(),
		lockPing: clusterlock.DefaultPingTimeout}
	d.st.State = *nodestate.New(0, []protocol.NodeInfo{{}}, false, d.clk.Now())
	d.st.Generation, d.st.MaxEpoch = gen, maxEpoch
	return d
}

// The driver turns the machine's refusal into the control's error (the
// rule itself is tested in internal/nodestate).
func TestFencing(t *testing.T) {
	cases := []struct {
		name            string
		nodeGen, nodeEp uint32
		gen, epoch      uint32
		fenced          bool
		ok              bool
		epochAfter      uint32
	}{
		{"same generation and epoch", 7, 3, 7, 3, true, true, 3},
		{"newer generation and epoch", 7, 3, 8, 4, true, true, 4},
		{"older generation", 7, 3, 6, 3, true, false, 3},
		{"older epoch", 7, 3, 7, 2, true, false, 3},
		{"node not recovered yet takes any generation", GenerationInvalid, 0, 2, 1, true, true, 1},
		{"not marked fenced", 7, 3, 9, 9, false, false, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := testDaemon(c.nodeGen, c.nodeEp)
			h := protocol.Header{Op: protocol.OpSetRecMode, Generation: c.gen}
			if c.fenced {
				h.Flags = protocol.FenceFlags(c.epoch)
			}
			err := d.checkFence(h)
			if (err == nil) != c.ok {
				t.Fatalf("checkFence: %v, want ok=%v", err, c.ok)
			}
			if !c.ok && c.fenced && !protocol.IsStatus(err, protocol.StatusStaleGen) {
				t.Fatalf("refusal status: %v", err)
			}
			if d.st.MaxEpoch != c.epochAfter {
				t.Fatalf("max epoch %d, want %d", d.st.MaxEpoch, c.epochAfter)
			}
		})
	}
}

func TestNoteLeaderIgnoresOlderClaims(t *testing.T) {
	d := testDaemon(5, 0)
	d.noteLeader(protocol.LeaderMsg{From: 2, Leader: 2, Epoch: 4})
	d.noteLeader(protocol.LeaderMsg{From: 1, Leader: 1, Epoch: 3})
	if d.st.Leader != 2 {
		t.Fatalf("leader %d after an older claim, want 2", d.st.Leader)
	}
	d.noteLeader(protocol.LeaderMsg{From: 1, Leader: protocol.PNNUnknown, Epoch: 4})
	if d.st.Leader != protocol.PNNUnknown {
		t.Fatalf("election call did not clear the leader")
	}
	d.noteLeader(protocol.LeaderMsg{From: 0, Leader: 0, Epoch: 5})
	if d.st.Leader != 0 || d.st.MaxEpoch != 5 {
		t.Fatalf("newer claim not followed: leader %d epoch %d", d.st.Leader, d.st.MaxEpoch)
	}
}

func TestValidEventName(t *testing.T) {
	for name, want := range map[string]bool{"monitor": true, "takeip": true, "start-recovery_2": true,
		"": false, "../x": false, "a b": false, "UPPER": false, "x;y": false} {
		if validEventName(name) != want {
			t.Errorf("validEventName(%q) != %v", name, want)
		}
	}
}
