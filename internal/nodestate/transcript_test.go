package nodestate

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/health"
	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/internal/tunables"
)

// A transcript is a script of inputs, each at a time since the start, and
// the actions the machine must answer with, in order ("-" = none).

var t0 = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

type line struct {
	at   string // "1.5s": time since t0
	in   Input
	want []string
}

// ctdbParams are CTDB's default tunables: KeepaliveInterval 5 s,
// KeepaliveLimit 5, MonitorInterval 15 s, EventScriptTimeout 30 s,
// MonitorTimeoutCount 20; the lock helper's ping timeout is 5 s.
func ctdbParams(t *testing.T) Params {
	d := tunables.Defaults()
	get := func(name string) uint32 {
		v, ok := d.Get(name)
		if !ok {
			t.Fatalf("no tunable %s", name)
		}
		return v
	}
	return Params{
		KeepaliveInterval:   time.Duration(get("KeepaliveInterval")) * time.Second,
		KeepaliveLimit:      int(get("KeepaliveLimit")),
		MonitorInterval:     time.Duration(get("MonitorInterval")) * time.Second,
		EventScriptTimeout:  time.Duration(get("EventScriptTimeout")) * time.Second,
		MonitorTimeoutCount: int(get("MonitorTimeoutCount")),
		LockPingTimeout:     5 * time.Second,
	}
}

// newNode is node self of n nodes, every peer DISCONNECTED at start.
func newNode(self uint32, n int, quorum bool) *State {
	var nodes []protocol.NodeInfo
	for i := range n {
		f := protocol.FlagDisconnected | protocol.FlagUnhealthy
		if uint32(i) == self {
			f = 0
		}
		nodes = append(nodes, protocol.NodeInfo{PNN: uint32(i), Flags: f})
	}
	return New(self, nodes, quorum, t0)
}

// run plays the transcript against s and reports every difference.
func run(t *testing.T, s *State, p Params, script []line) {
	t.Helper()
	for i, l := range script {
		d, err := time.ParseDuration(l.at)
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		in := l.in
		in.Now, in.Params = t0.Add(d), p
		var got []string
		for _, a := range s.Step(in) {
			got = append(got, a.String())
		}
		want := l.want
		if len(want) == 1 && want[0] == "-" {
			want = nil
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("line %d (at %s, %s):\n got: %s\nwant: %s", i+1, l.at, describe(l.in),
				strings.Join(got, "\n      "), strings.Join(want, "\n      "))
		}
	}
}

func describe(in Input) string {
	return fmt.Sprintf("input kind %d pnn %d", in.Kind, in.PNN)
}

// Inputs, by name.
func connect(pnn uint32) Input    { return Input{Kind: PeerConnected, PNN: pnn} }
func disconnect(pnn uint32) Input { return Input{Kind: PeerDisconnected, PNN: pnn} }
func frame(pnn uint32) Input      { return Input{Kind: Frame, PNN: pnn} }
func claim(from, epoch uint32, token int64) Input {
	return Input{Kind: LeaderAnnounced, Leader: protocol.LeaderMsg{From: from, Leader: from, Epoch: epoch, Token: token}}
}
func election(from, epoch uint32) Input {
	return Input{Kind: LeaderAnnounced, Leader: protocol.LeaderMsg{From: from, Leader: protocol.PNNUnknown, Epoch: epoch}}
}
func tick(held int, linked ...uint32) Input {
	l := map[uint32]bool{}
	for _, p := range linked {
		l[p] = true
	}
	return Input{Kind: Tick, Held: held, Linked: l}
}
func released() Input { return Input{Kind: Released} }
func fence(op protocol.Op, gen, epoch uint32) Input {
	return Input{Kind: Fence, Op: op, Generation: gen, FenceFlags: protocol.FenceFlags(epoch)}
}
func vnnmap(gen uint32, pnns ...uint32) Input {
	return Input{Kind: SetVNNMap, Generation: gen, VNNMap: pnns}
}
func monitor(r health.Result, detail string) Input {
	return Input{Kind: MonitorDone, Result: r, Detail: detail}
}
func monitorDue(watched bool) Input { return Input{Kind: MonitorDue, Watched: watched} }

func flagsOf(s *State, pnn uint32) uint32 { return s.Nodes[pnn].Flags }

// A peer that stops sending (its keepalives stop) drops out of the quorum
// count once its last frame is older than the quorum window (the release
// bound, 17.5 s with CTDB's defaults); with a majority gone the node loses
// quorum, clears the leader and releases its addresses exactly once. When
// the transport declares the peer dead (KeepaliveLimit keepalives missed)
// it is DISCONNECTED and UNHEALTHY, and if it led, the leader is unknown.
func TestTranscriptPeerDeathByKeepaliveTimeout(t *testing.T) {
	s := newNode(0, 3, true)
	p := ctdbParams(t)
	run(t, s, p, []line{
		{"0s", tick(0), []string{"log error: Quorum lost: LOST (1 of 3 nodes): not leading, holding no public address", "state changed"}},
		{"0s", connect(1), []string{"-"}},
		{"0s", connect(2), []string{"-"}},
		{"0s", frame(1), []string{"-"}},
		{"0s", frame(2), []string{"-"}},
		{"0.2s", tick(0, 1, 2), []string{"log info: Quorum: OK (3 of 3 nodes)", "state changed"}},
		{"1s", claim(1, 1, 11), []string{"show leader: 1"}},
		// Node 1 keeps sending keepalives, node 2 goes silent.
		{"5s", frame(1), []string{"-"}},
		{"10s", frame(1), []string{"-"}},
		{"15s", frame(1), []string{"-"}},
		// (Held 0: this transcript is about quorum, not the hold bound.)
		{"17.5s", tick(0, 1, 2), []string{"-"}},
		{"17.6s", tick(0, 1, 2), []string{"-"}}, // 2 of 3: still a majority
		// Node 1 goes silent too: its last frame was at 15 s.
		{"32.5s", tick(0, 1, 2), []string{"-"}},
		{"32.6s", tick(2, 1, 2), []string{
			"log error: Quorum lost: LOST (1 of 3 nodes): not leading, holding no public address",
			"state changed",
			"release all: No quorum: releasing all 2 public addresses"}},
		{"32.8s", tick(2, 1, 2), []string{"-"}}, // the release is under way: asked for once
		{"33s", released(), []string{"-"}},
		{"33.2s", tick(0, 1, 2), []string{"-"}},
		// The transport gives up on node 2, then on the leader.
		{"40s", disconnect(2), []string{"-"}},
		{"41s", disconnect(1), []string{"-"}}, // losing quorum cleared the leader
	})
	if s.Leader != protocol.PNNUnknown || s.LeaderToken != 0 {
		t.Errorf("leader %d token %d without quorum", s.Leader, s.LeaderToken)
	}
	for _, pnn := range []uint32{1, 2} {
		if f := flagsOf(s, pnn); f != protocol.FlagDisconnected|protocol.FlagUnhealthy {
			t.Errorf("node %d flags %#x, want DISCONNECTED|UNHEALTHY", pnn, f)
		}
	}
}

// A peer's own flags count only while it is connected; a disconnect voids
// them, except DELETED.
func TestTranscriptPeerFlags(t *testing.T) {
	s := newNode(0, 3, false)
	p := ctdbParams(t)
	run(t, s, p, []line{
		{"0s", Input{Kind: PeerSelf, PNN: 1, Flags: protocol.FlagStopped, Connected: false}, []string{"-"}},
		{"0s", connect(1), []string{"-"}},
		{"0s", Input{Kind: PeerSelf, PNN: 1, Flags: protocol.FlagStopped | protocol.FlagDisconnected, Connected: true}, []string{"peer 1 flags changed"}},
		{"0s", Input{Kind: PeerSelf, PNN: 1, Flags: protocol.FlagStopped, Connected: true}, []string{"-"}}, // no change
		{"0s", Input{Kind: PeerSelf, PNN: 0, Flags: protocol.FlagBanned, Connected: true}, []string{"-"}},
	})
	if f := flagsOf(s, 1); f != protocol.FlagStopped {
		t.Fatalf("node 1 flags %#x, want STOPPED", f)
	}
	if f := flagsOf(s, 0); f != 0 {
		t.Fatalf("a peer's word changed this node's own flags to %#x", f)
	}
	s.Nodes[2].Flags |= protocol.FlagDeleted
	run(t, s, p, []line{{"1s", disconnect(2), []string{"-"}}})
	if f := flagsOf(s, 2); f != protocol.FlagDisconnected|protocol.FlagUnhealthy|protocol.FlagDeleted {
		t.Fatalf("deleted node 2 after a disconnect: flags %#x", f)
	}
}

// Leader changes: a claim with a newer epoch is followed, an older one is
// refused, an election clears the leader; a node that leads tells each
// node that connects.
func TestTranscriptLeaderChange(t *testing.T) {
	s := newNode(0, 3, false)
	p := ctdbParams(t)
	run(t, s, p, []line{
		{"0s", claim(1, 3, 30), []string{"show leader: 1"}},
		{"1s", claim(2, 2, 20), []string{
			"ignore leader: node 2 claims to lead at stale epoch 2: epoch 3 has been seen",
			"show leader: 1"}},
		{"2s", election(2, 2), []string{
			"ignore leader: node 2 ends leader epoch 2: epoch 3 is shown",
			"show leader: 1"}},
		{"3s", disconnect(1), []string{"show leader: none"}},
		{"4s", claim(2, 4, 40), []string{"show leader: 2"}},
		{"5s", election(2, 4), []string{"show leader: none"}},
		{"6s", claim(0, 5, 50), []string{"show leader: 0"}},
		{"7s", connect(1), []string{"announce to 1: leader 0 epoch 5 token 50"}},
	})
	if s.MaxEpoch != 5 || s.LeaderToken != 50 {
		t.Fatalf("epoch %d token %d, want 5 and 50", s.MaxEpoch, s.LeaderToken)
	}
}

// A fenced control from an older leader epoch or generation is refused;
// an accepted one raises the newest epoch seen, so the old leader's next
// control is refused too. A node that has not recovered yet takes any
// generation; a recovery's generation older than the node's is refused.
func TestTranscriptStaleTokenRefused(t *testing.T) {
	s := newNode(0, 2, false)
	p := ctdbParams(t)
	run(t, s, p, []line{
		{"0s", claim(1, 3, 30), []string{"show leader: 1"}},
		{"0.5s", fence(protocol.OpSetRecMode, 2, 3), []string{"-"}}, // not recovered yet: any generation
		{"0.6s", vnnmap(7, 0, 1), []string{"log info: New generation 7, vnnmap [0 1]", "state changed"}},
		{"1s", fence(protocol.OpTakeIP, 7, 3), []string{"-"}},
		{"2s", fence(protocol.OpTakeIP, 7, 2), []string{
			"refuse 4: refusing TAKEOVER_IP from leader epoch 2: leader epoch 3 has been seen"}},
		{"3s", fence(protocol.OpSetRecMode, 6, 3), []string{
			"refuse 4: refusing SET_RECMODE from generation 6: this node is at generation 7"}},
		{"3.5s", vnnmap(6, 0), []string{"refuse 4: refusing generation 6: this node is at generation 7"}},
		{"3.6s", vnnmap(GenerationInvalid, 0), []string{"refuse 3: invalid generation 1"}},
		// A new leader's control at epoch 4 is taken; epoch 3 is now stale.
		{"5s", fence(protocol.OpSetRecMode, 8, 4), []string{"-"}},
		{"6s", fence(protocol.OpSetRecMode, 8, 3), []string{
			"refuse 4: refusing SET_RECMODE from leader epoch 3: leader epoch 4 has been seen"}},
		{"7s", Input{Kind: Fence, Op: protocol.OpSetRecMode, Generation: 9}, []string{
			"refuse 7: SET_RECMODE must come from the leader with its generation and epoch"}},
		// A claim at the epoch the fence already saw is still followed.
		{"8s", claim(1, 4, 41), []string{"show leader: 1"}},
		{"9s", claim(1, 3, 31), []string{
			"ignore leader: node 1 claims to lead at stale epoch 3: epoch 4 has been seen",
			"show leader: 1"}},
	})
	if s.LeaderToken != 41 {
		t.Fatalf("token %d, want 41 (the stale claim's 31 must not replace it)", s.LeaderToken)
	}
	if s.Generation != 7 || len(s.VNNMap) != 2 {
		t.Fatalf("generation %d vnnmap %v after refused ones, want 7 [0 1]", s.Generation, s.VNNMap)
	}
}

// Without quorum the node follows nobody, refuses fenced controls and
// does not confirm the lock.
func TestTranscriptNoQuorumRefuses(t *testing.T) {
	s := newNode(0, 3, true)
	p := ctdbParams(t)
	run(t, s, p, []line{
		{"0s", tick(0), []string{"log error: Quorum lost: LOST (1 of 3 nodes): not leading, holding no public address", "state changed"}},
		{"1s", claim(1, 1, 1), []string{"ignore leader: node 1 claims to lead at epoch 1: this node has no quorum"}},
		{"2s", fence(protocol.OpTakeIP, 2, 1), []string{"refuse 7: refusing TAKEOVER_IP: node 0 has no quorum"}},
		{"3s", Input{Kind: LockConfirmed}, []string{"refuse 7: node 0 has no quorum"}},
	})
}

// The release-before-reassign bound: a node that has not heard from the
// leader's node for the hold bound (2.5 s with CTDB's defaults: half the
// lock helper's ping timeout, shorter than the 17.5 s release bound)
// releases every address, exactly once per release; the bound runs again
// from the next word from the leader.
func TestTranscriptReleaseBound(t *testing.T) {
	s := newNode(1, 3, false)
	p := ctdbParams(t)
	if got := p.HoldBound(); got != 2500*time.Millisecond {
		t.Fatalf("hold bound with CTDB's defaults %v, want 2.5s", got)
	}
	run(t, s, p, []line{
		{"0s", claim(0, 1, 10), []string{"show leader: 0"}},
		{"1s", frame(0), []string{"-"}},
		{"2s", frame(2), []string{"-"}}, // not the leader: no contact
		{"3.5s", tick(2), []string{"-"}},
		{"3.6s", tick(2), []string{"release all: No contact with the leader for 2.6 s: releasing all 2 public addresses"}},
		{"3.7s", tick(2), []string{"-"}},
		{"4s", tick(1), []string{"-"}},
		{"4.1s", released(), []string{"-"}},
		{"4.2s", tick(0), []string{"-"}},
		// One address could not be released: the next tick tries again.
		{"5s", tick(1), []string{"release all: No contact with the leader for 4.0 s: releasing all 1 public addresses"}},
		{"5.1s", released(), []string{"-"}},
		// The leader is back: the bound runs from its frame.
		{"6s", frame(0), []string{"-"}},
		{"8.5s", tick(3), []string{"-"}},
		{"8.6s", tick(3), []string{"release all: No contact with the leader for 2.6 s: releasing all 3 public addresses"}},
	})
	if due := s.ReleaseDue(p); !due.Equal(t0.Add(8500 * time.Millisecond)) {
		t.Fatalf("release due at %v, want 8.5 s", due.Sub(t0))
	}
}

// On the leader the bound runs from its recovery daemon's confirmations
// that it holds the lock; a lost lock ends its leadership and releases at
// once.
func TestTranscriptLeaderLockBound(t *testing.T) {
	s := newNode(0, 2, false)
	p := ctdbParams(t)
	run(t, s, p, []line{
		{"0s", claim(0, 1, 10), []string{"show leader: 0"}},
		{"0.5s", Input{Kind: LockConfirmed}, []string{"lock confirmed"}},
		{"1s", Input{Kind: LockConfirmed}, []string{"lock confirmed"}},
		{"3.5s", tick(1), []string{"-"}},
		// Without confirmations for the hold bound it no longer shows
		// itself as leader (a ctdbd resumed after SIGSTOP answers so at
		// once), and releases.
		{"3.6s", tick(1), []string{
			"log warning: No cluster lock confirmation for 2.6 s: no longer showing this node as leader",
			"show leader: none",
			"release all: No contact with the leader for 2.6 s: releasing all 1 public addresses"}},
		{"3.7s", released(), []string{"-"}},
		{"4s", Input{Kind: LockConfirmed}, []string{"lock confirmed"}},
		{"4.1s", claim(0, 1, 10), []string{"show leader: 0"}}, // its next broadcast
		{"5s", Input{Kind: LockLost, Held: 2}, []string{"release all: Cluster lock lost: releasing all 2 public addresses"}},
		{"5.1s", released(), []string{"-"}},
		{"6s", Input{Kind: LockLost, Held: 0}, []string{"-"}},
	})
	if s.Leader != protocol.PNNUnknown || s.LeaderToken != 0 {
		t.Fatalf("still leader %d (token %d) after the lock was lost", s.Leader, s.LeaderToken)
	}
}

// Monitor results with CTDB's thresholds: a failure makes the node
// UNHEALTHY at once; a timeout counts only at the MonitorTimeoutCount'th
// (20th) in a row; any other result ends the run. The notification hook
// hears the first result and every change.
func TestTranscriptMonitorHealth(t *testing.T) {
	s := newNode(0, 1, false)
	p := ctdbParams(t)
	script := []line{
		{"0s", monitor(health.OK, ""), []string{"notify healthy"}},
		{"15s", monitor(health.OK, ""), []string{"-"}},
		{"30s", monitor(health.Failed, "50.samba: smbd not running"), []string{
			"state changed", "notify unhealthy",
			"log error: Monitor event failed (50.samba: smbd not running) - node marked UNHEALTHY",
			"log info: Node became UNHEALTHY"}},
		{"45s", monitor(health.Failed, "50.samba: smbd not running"), []string{"-"}},
		{"60s", monitor(health.Cancelled, ""), []string{"-"}},
		{"75s", monitor(health.OK, ""), []string{
			"state changed", "notify healthy",
			"log info: Monitor event OK - node re-enabled", "log info: Node became HEALTHY"}},
	}
	at := 75
	for i := 1; i < 20; i++ {
		at += 15
		script = append(script, line{fmt.Sprintf("%ds", at), monitor(health.TimedOut, "timed out"),
			[]string{fmt.Sprintf("log warning: Monitor event timed out (%d of 20 before the node counts as unhealthy)", i)}})
	}
	at += 15
	script = append(script, line{fmt.Sprintf("%ds", at), monitor(health.TimedOut, "monitor timed out"), []string{
		"state changed", "notify unhealthy",
		"log error: Monitor event failed (monitor timed out) - node marked UNHEALTHY",
		"log info: Node became UNHEALTHY"}})
	run(t, s, p, script)
	if s.SelfInfo().Flags&protocol.FlagUnhealthy == 0 {
		t.Fatal("node not UNHEALTHY after 20 timeouts in a row")
	}
	// An OK ends the run: 19 more timeouts do not count.
	s = newNode(0, 1, false)
	s.Step(Input{Kind: MonitorDone, Now: t0, Params: p, Result: health.TimedOut})
	s.Step(Input{Kind: MonitorDone, Now: t0, Params: p, Result: health.OK})
	for range 19 {
		s.Step(Input{Kind: MonitorDone, Now: t0, Params: p, Result: health.TimedOut})
	}
	if s.SelfInfo().Flags&protocol.FlagUnhealthy != 0 {
		t.Fatal("a run of timeouts broken by an OK counted as 20")
	}
}

// Monitoring starved by other events: with no monitor completed for
// MonitorInterval + EventScriptTimeout (45 s with CTDB's defaults) the node
// is UNHEALTHY, with the reason, until a monitor completes.
func TestTranscriptStarvation(t *testing.T) {
	s := newNode(0, 1, false)
	p := ctdbParams(t)
	run(t, s, p, []line{
		{"0s", monitorDue(true), []string{"-"}},
		{"1s", monitor(health.OK, ""), []string{"notify healthy"}},
		{"16s", monitorDue(true), []string{"-"}},
		{"17s", monitor(health.Cancelled, ""), []string{"-"}},
		{"31s", monitorDue(true), []string{"-"}},
		{"32s", monitor(health.Cancelled, ""), []string{"-"}},
		{"46s", monitorDue(true), []string{"-"}}, // 45 s since the last completed one
		{"46.1s", monitor(health.Cancelled, ""), []string{"-"}},
		{"47s", monitorDue(true), []string{
			"log error: Monitoring starved (no monitor event completed for 46 s, 3 cancelled by other events) - node marked UNHEALTHY",
			"state changed", "notify unhealthy", "log info: Node became UNHEALTHY"}},
		{"62s", monitorDue(true), []string{"-"}},
		{"63s", monitor(health.OK, ""), []string{
			"state changed", "notify healthy",
			"log info: Monitor event OK - node re-enabled", "log info: Node became HEALTHY"}},
		// Not watched (in recovery, stopped...): the watch restarts.
		{"64s", monitorDue(false), []string{"-"}},
		{"200s", monitorDue(false), []string{"-"}},
		{"201s", monitorDue(true), []string{"-"}},
		{"246s", monitorDue(true), []string{"-"}},
		{"246.5s", monitorDue(true), []string{
			"log error: Monitoring starved (no monitor event completed for 46 s, 0 cancelled by other events) - node marked UNHEALTHY",
			"state changed", "notify unhealthy", "log info: Node became UNHEALTHY"}},
	})
}

// The release bound is always strictly shorter than the earliest moment
// the leader can reassign a silent node's addresses.
func TestReleaseBoundBeatsReassignment(t *testing.T) {
	for iv := 1; iv <= 10; iv++ {
		for lim := 2; lim <= 10; lim++ {
			interval := time.Duration(iv) * time.Second
			release := ReleaseBound(interval, lim)
			reassign := time.Duration(lim-1) * interval
			if release >= reassign || release <= 0 {
				t.Errorf("interval %v limit %d: release after %v, leader may reassign after %v", interval, lim, release, reassign)
			}
			hold := Params{KeepaliveInterval: interval, KeepaliveLimit: lim, LockPingTimeout: 5 * time.Second}.HoldBound()
			if hold > release || hold > 2500*time.Millisecond {
				t.Errorf("interval %v limit %d: hold bound %v exceeds the release bound %v or half the ping timeout", interval, lim, hold, release)
			}
		}
	}
	if got := ReleaseBound(time.Second, 3); got != 1500*time.Millisecond {
		t.Errorf("KeepaliveInterval=1 KeepaliveLimit=3: %v, want 1.5s", got)
	}
	if got := ReleaseBound(5*time.Second, 5); got != 17500*time.Millisecond {
		t.Errorf("defaults: %v, want 17.5s", got)
	}
}

// Flag change requests: only DISABLED and STOPPED may be set by a control;
// a node that stops gives up its addresses and runs the stopped event; a
// ban puts the node in recovery, releases its addresses and ends by
// itself; an inactive node's priority time restarts.
func TestTranscriptFlagChangesAndBan(t *testing.T) {
	s := newNode(0, 2, false)
	p := ctdbParams(t)
	run(t, s, p, []line{
		{"0s", Input{Kind: ModifyFlags, Set: protocol.FlagBanned}, []string{"refuse 7: flags 0x8 cannot be changed by a control"}},
		{"1s", Input{Kind: ModifyFlags, Set: protocol.FlagPermanentlyDisabled}, []string{
			"log info: Node flags changed from 0x0 to 0x4", "state changed"}},
		{"2s", Input{Kind: ModifyFlags, Set: protocol.FlagPermanentlyDisabled}, []string{"-"}},
		{"3s", Input{Kind: ModifyFlags, Set: protocol.FlagStopped}, []string{
			"log info: Node flags changed from 0x4 to 0x24", "state changed", "stop serving, then event stopped"}},
		{"4s", Input{Kind: ModifyFlags, Clear: protocol.FlagStopped | protocol.FlagPermanentlyDisabled}, []string{
			"log info: Node flags changed from 0x24 to 0x0", "state changed"}},
		{"5s", Input{Kind: Ban, Seconds: 300}, []string{
			"ban timer 5m0s", "recovery active", "log warning: Banning this node for 300 seconds", "stop serving", "state changed"}},
		{"305s", Input{Kind: BanExpired}, []string{"log info: Ban period expired, node unbanned", "state changed"}},
		{"306s", Input{Kind: Ban, Seconds: 10}, []string{
			"ban timer 10s", "recovery active", "log warning: Banning this node for 10 seconds", "stop serving", "state changed"}},
		{"307s", Input{Kind: Ban, Seconds: 0}, []string{"stop ban timer", "log info: Node unbanned", "state changed"}},
	})
	if f := s.SelfInfo().Flags; f != 0 {
		t.Fatalf("flags %#x after unban, want 0", f)
	}
	if !s.Priority.Equal(t0.Add(3 * time.Second)) {
		t.Fatalf("priority time %v, want 3 s (the last change that left the node inactive)", s.Priority.Sub(t0))
	}
}

// With quorum, the daemon may sleep until the first counted peer's last
// frame leaves the quorum window (1 ms past it), at most a second; a peer
// the transport has no connection to does not count; without quorum it
// re-checks every 200 ms.
func TestQuorumRecheck(t *testing.T) {
	s := newNode(0, 3, true)
	p := ctdbParams(t) // quorum window 17.5 s
	all := func(uint32) bool { return true }
	s.Step(Input{Kind: Frame, PNN: 1, Now: t0, Params: p})
	s.Step(Input{Kind: Frame, PNN: 2, Now: t0.Add(5 * time.Second), Params: p})
	s.Step(Input{Kind: Tick, Now: t0.Add(5 * time.Second), Params: p, Linked: map[uint32]bool{1: true, 2: true}})
	if !s.HasQuorum() {
		t.Fatalf("no quorum with every peer heard: %s", s.QuorumText())
	}
	for _, c := range []struct {
		at     time.Duration
		linked func(uint32) bool
		want   time.Duration
	}{
		{5 * time.Second, all, time.Second},                                 // both far from expiry: the 1 s cap
		{17 * time.Second, all, 501 * time.Millisecond},                     // node 1's frame expires at 17.5 s
		{17*time.Second + 495*time.Millisecond, all, 10 * time.Millisecond}, // never below 10 ms
		{18 * time.Second, all, time.Second},                                // node 1 expired: node 2's is at 22.5 s
		{22 * time.Second, all, 501 * time.Millisecond},
		{17 * time.Second, func(pnn uint32) bool { return pnn != 1 }, time.Second}, // node 1 unlinked
	} {
		if got := s.QuorumRecheck(t0.Add(c.at), p, c.linked); got != c.want {
			t.Errorf("at %v: recheck after %v, want %v", c.at, got, c.want)
		}
	}
	s.Step(Input{Kind: Tick, Now: t0.Add(40 * time.Second), Params: p, Linked: map[uint32]bool{1: true, 2: true}})
	if s.HasQuorum() {
		t.Fatalf("quorum with every peer silent for 35 s: %s", s.QuorumText())
	}
	if got := s.QuorumRecheck(t0.Add(40*time.Second), p, all); got != 200*time.Millisecond {
		t.Errorf("without quorum: recheck after %v, want 200ms", got)
	}
}
