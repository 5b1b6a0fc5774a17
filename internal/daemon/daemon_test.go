package daemon

import (
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/sirupsen/logrus"
)

// The release bound must always be strictly shorter than the earliest
// moment the leader can reassign a silent node's addresses.
func TestReleaseBoundBeatsReassignment(t *testing.T) {
	for iv := 1; iv <= 10; iv++ {
		for lim := 2; lim <= 10; lim++ {
			interval := time.Duration(iv) * time.Second
			release := releaseBound(interval, lim)
			reassign := time.Duration(lim-1) * interval
			if release >= reassign || release <= 0 {
				t.Errorf("interval %v limit %d: release after %v, leader may reassign after %v", interval, lim, release, reassign)
			}
		}
	}
	if got := releaseBound(time.Second, 3); got != 1500*time.Millisecond {
		t.Errorf("KeepaliveInterval=1 KeepaliveLimit=3: %v, want 1.5s", got)
	}
	if got := releaseBound(5*time.Second, 5); got != 17500*time.Millisecond {
		t.Errorf("defaults: %v, want 17.5s", got)
	}
}

func testDaemon(gen, maxEpoch uint32) *Daemon {
	lg := logrus.New()
	d := &Daemon{log: logrus.NewEntry(lg)}
	d.st = nodeState{generation: gen, maxEpoch: maxEpoch, nodes: []protocol.NodeInfo{{}}}
	return d
}

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
			if d.st.maxEpoch != c.epochAfter {
				t.Fatalf("max epoch %d, want %d", d.st.maxEpoch, c.epochAfter)
			}
		})
	}
}

func TestNoteLeaderIgnoresOlderClaims(t *testing.T) {
	d := testDaemon(5, 0)
	d.noteLeader(protocol.LeaderMsg{From: 2, Leader: 2, Epoch: 4})
	d.noteLeader(protocol.LeaderMsg{From: 1, Leader: 1, Epoch: 3})
	if d.st.leader != 2 {
		t.Fatalf("leader %d after an older claim, want 2", d.st.leader)
	}
	d.noteLeader(protocol.LeaderMsg{From: 1, Leader: protocol.PNNUnknown, Epoch: 4})
	if d.st.leader != protocol.PNNUnknown {
		t.Fatalf("election call did not clear the leader")
	}
	d.noteLeader(protocol.LeaderMsg{From: 0, Leader: 0, Epoch: 5})
	if d.st.leader != 0 || d.st.maxEpoch != 5 {
		t.Fatalf("newer claim not followed: leader %d epoch %d", d.st.leader, d.st.maxEpoch)
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
