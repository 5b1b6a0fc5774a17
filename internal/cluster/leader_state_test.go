package cluster

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// step is one line of a LeaderState transcript: an event or a tick at a
// time offset, and what must hold afterwards.
type step struct {
	at   time.Duration
	desc string
	do   func(s *LeaderState, now time.Time) (Action, string, error)
	tick bool

	act Action // for ticks
	why string // substring of the tick reason ("" = don't care)
	err error  // for broadcasts: nil or the sentinel expected

	checkLeader bool
	leader      uint32
	checkEpoch  bool
	epoch       uint32
	checkHolds  bool
	holds       bool
}

func tick(at time.Duration, act Action, why string) step {
	return step{at: at, desc: "tick", tick: true, act: act, why: why,
		do: func(s *LeaderState, now time.Time) (Action, string, error) { a, w := s.Tick(now); return a, w, nil }}
}

func bcast(at time.Duration, from, leader, epoch uint32, err error) step {
	b := Broadcast{From: from, Leader: leader, Epoch: epoch}
	return step{at: at, desc: fmt.Sprintf("broadcast %+v", b), err: err,
		do: func(s *LeaderState, now time.Time) (Action, string, error) {
			return ActionNone, "", s.OnBroadcast(b, now)
		}}
}

func event(at time.Duration, desc string, f func(s *LeaderState, now time.Time)) step {
	return step{at: at, desc: desc,
		do: func(s *LeaderState, now time.Time) (Action, string, error) { f(s, now); return ActionNone, "", nil }}
}

func taken(at time.Duration) step {
	return event(at, "lock taken", (*LeaderState).OnLockTaken)
}
func failed(at time.Duration) step {
	return step{at: at, desc: "lock failed",
		do: func(s *LeaderState, now time.Time) (Action, string, error) {
			s.OnLockFailed(now)
			if s.Electing() {
				return ActionNone, "", errors.New("still electing after OnLockFailed")
			}
			return ActionNone, "", nil
		}}
}
func lost(at time.Duration) step {
	return event(at, "lock lost", (*LeaderState).OnLockLost)
}
func disconnect(at time.Duration, pnn uint32) step {
	return event(at, fmt.Sprintf("disconnect %d", pnn), func(s *LeaderState, _ time.Time) { s.OnDisconnect(pnn) })
}
func nodemap(at time.Duration, pairs ...uint32) step {
	return event(at, fmt.Sprintf("nodemap %v", pairs), func(s *LeaderState, _ time.Time) { s.OnNodemap(nodes(pairs...)) })
}

func (s step) leads(pnn uint32) step { s.checkLeader, s.leader = true, pnn; return s }
func (s step) epochIs(e uint32) step { s.checkEpoch, s.epoch = true, e; return s }
func (s step) holdsLock(h bool) step { s.checkHolds, s.holds = true, h; return s }

// run plays steps against a fresh LeaderState created at t0.
func run(t *testing.T, cfg LeaderConfig, steps []step) {
	t.Helper()
	s, err := NewLeaderState(cfg, t0)
	if err != nil {
		t.Fatalf("NewLeaderState: %v", err)
	}
	for i, st := range steps {
		where := fmt.Sprintf("step %d (+%v %s)", i, st.at, st.desc)
		act, why, err := st.do(s, at(st.at))
		if st.tick && (act != st.act || !strings.Contains(why, st.why)) {
			t.Fatalf("%s: Tick = (%v, %q), want (%v, ...%q...)", where, act, why, st.act, st.why)
		}
		if (st.err == nil) != (err == nil) || (st.err != nil && !errors.Is(err, st.err)) {
			t.Fatalf("%s: error %v, want %v", where, err, st.err)
		}
		if races := act == ActionStartElection || act == ActionTryLock; races && !s.Electing() {
			t.Fatalf("%s: Tick returned %v but Electing() is false", where, act)
		}
		if st.checkLeader && s.Leader() != st.leader {
			t.Fatalf("%s: Leader() = %d, want %d", where, s.Leader(), st.leader)
		}
		if st.checkEpoch && s.Epoch() != st.epoch {
			t.Fatalf("%s: Epoch() = %d, want %d", where, s.Epoch(), st.epoch)
		}
		if st.checkHolds && s.HoldsLock() != st.holds {
			t.Fatalf("%s: HoldsLock() = %v, want %v", where, s.HoldsLock(), st.holds)
		}
	}
}

func TestLeaderStateTranscripts(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		name  string
		cfg   func(*LeaderConfig)
		steps []step
	}{
		{"startup: wait the leader timeout, elect once, then broadcast every second", nil, []step{
			tick(0, ActionNone, "waiting for a leader broadcast").leads(unknown),
			tick(4999*ms, ActionNone, "waiting"),
			tick(5*sec, ActionStartElection, "no leader known").epochIs(0),
			tick(5*sec, ActionNone, "election in progress"),
			tick(200*sec, ActionNone, "election in progress"), // no nested election, however long
			taken(201 * sec).leads(1).epochIs(1).holdsLock(true),
			tick(201*sec, ActionBroadcast, ""),
			tick(201*sec+500*ms, ActionNone, ""),
			tick(202*sec, ActionBroadcast, ""),
			tick(300*sec, ActionBroadcast, "").leads(1), // a holder never times itself out
		}},
		{"follower: timeout, lost race, hold off, follow the winner", nil, []step{
			bcast(1*sec, 0, 0, 3, nil).leads(0),
			tick(5999*ms, ActionNone, ""),
			tick(6*sec, ActionStartElection, "leader broadcast timeout: nothing from leader 0 for 5s").leads(unknown).epochIs(3),
			failed(6*sec + 100*ms).leads(unknown),
			tick(7*sec, ActionNone, "waiting for a leader broadcast"),
			tick(11*sec, ActionNone, "waiting for a leader broadcast"), // 5s from the lost race, not the start
			tick(11*sec+100*ms, ActionStartElection, "no leader known"),
			bcast(11*sec+150*ms, 2, 2, 4, nil).leads(2),
			tick(11*sec+160*ms, ActionNone, "election in progress"),
			failed(12 * sec).leads(2),
			tick(13*sec, ActionNone, "").leads(2),
		}},
		{"leader disconnect: election at once, not after the timeout", nil, []step{
			bcast(1*sec, 0, 0, 1, nil).leads(0),
			disconnect(1*sec+100*ms, 0),
			tick(1*sec+100*ms, ActionStartElection, "leader 0 is disconnected").leads(unknown),
		}},
		{"disconnect of a non-leader changes nothing", nil, []step{
			bcast(1*sec, 0, 0, 1, nil),
			disconnect(1*sec, 2),
			tick(2*sec, ActionNone, "").leads(0),
		}},
		{"a claim that arrives after the disconnect is refused", nil, []step{
			bcast(1*sec, 0, 0, 1, nil),
			disconnect(2*sec, 0),
			bcast(2*sec, 0, 0, 1, ErrStaleBroadcast),
			tick(2*sec, ActionStartElection, "leader 0 is disconnected"),
		}},
		{"the node map brings a reconnected leader back", nil, []step{
			bcast(1*sec, 0, 0, 1, nil),
			disconnect(2*sec, 0),
			nodemap(2*sec, 0, 0, 1, 0),
			bcast(2*sec, 0, 0, 1, nil),
			tick(2*sec, ActionNone, "").leads(0),
		}},
		{"leader banned in the node map", nil, []step{
			bcast(1*sec, 0, 0, 1, nil),
			nodemap(2*sec, 0, banned, 1, 0),
			tick(2*sec, ActionStartElection, "leader 0 is inactive (flags 0x8)"),
		}},
		{"join an election another node called", nil, []step{
			bcast(1*sec, 0, 0, 3, nil),
			bcast(2*sec, 2, unknown, 3, nil).leads(unknown),
			tick(2*sec, ActionTryLock, "election called by node 2"),
			tick(2*sec, ActionNone, "election in progress"),
			failed(3 * sec),
			bcast(3*sec, 2, 2, 4, nil).leads(2),
			tick(4*sec, ActionNone, ""),
		}},
		{"join and win the race: new term above the caller's", nil, []step{
			bcast(1*sec, 2, unknown, 7, nil),
			tick(1*sec, ActionTryLock, "node 2"),
			taken(2 * sec).leads(1).epochIs(8).holdsLock(true),
			tick(2*sec, ActionBroadcast, ""),
		}},
		{"a claim cancels a pending join", nil, []step{
			bcast(1*sec, 2, unknown, 3, nil),
			bcast(1*sec, 0, 0, 4, nil).leads(0),
			tick(1*sec, ActionNone, ""),
		}},
		{"bug 15892: the holder ignores a delayed claim from the previous holder", nil, []step{
			bcast(1*sec, 0, 0, 4, nil),
			bcast(7*sec, 2, unknown, 4, nil),
			tick(7*sec, ActionTryLock, ""),
			taken(8 * sec).epochIs(5),
			bcast(8*sec+10*ms, 0, 0, 4, ErrLeaderConflict).leads(1).holdsLock(true),
			bcast(8*sec+20*ms, 0, 0, 9, ErrLeaderConflict).leads(1).epochIs(5),
			tick(8*sec+30*ms, ActionBroadcast, ""),
			tick(9*sec+30*ms, ActionBroadcast, "").leads(1),
		}},
		{"follower ignores a delayed claim from an earlier term", nil, []step{
			bcast(1*sec, 0, 0, 3, nil),
			bcast(2*sec, 2, 2, 4, nil).leads(2),
			bcast(2*sec+10*ms, 0, 0, 3, ErrStaleBroadcast).leads(2),
			bcast(2*sec+20*ms, 0, 0, 4, ErrStaleBroadcast).leads(2), // equal epoch from another node
			bcast(2*sec+30*ms, 2, 2, 3, ErrStaleBroadcast).leads(2), // the leader's own older term
			bcast(3*sec, 2, 2, 4, nil).leads(2),
			tick(7*sec+999*ms, ActionNone, "").leads(2), // the refresh at 3s counts
			bcast(8*sec, 0, 0, 5, nil).leads(0),         // a newer term wins
		}},
		{"follower ignores a delayed election call", nil, []step{
			bcast(1*sec, 2, 2, 4, nil),
			bcast(2*sec, 3, unknown, 3, ErrStaleBroadcast).leads(2),
			tick(2*sec, ActionNone, ""),
			bcast(3*sec, 3, unknown, 4, nil).leads(unknown),
			tick(3*sec, ActionTryLock, "node 3"),
		}},
		{"holder answers an election call by keeping the lock and announcing", nil, []step{
			tick(5*sec, ActionStartElection, ""),
			taken(5 * sec).epochIs(1),
			tick(5*sec, ActionBroadcast, ""),
			bcast(5*sec+100*ms, 2, unknown, 1, nil).leads(1).holdsLock(true),
			tick(5*sec+200*ms, ActionBroadcast, ""),
			tick(5*sec+300*ms, ActionNone, ""),
		}},
		{"lock lost: stop leading and elect at once", nil, []step{
			tick(5*sec, ActionStartElection, ""),
			taken(5 * sec),
			tick(5*sec, ActionBroadcast, ""),
			lost(6 * sec).leads(unknown).holdsLock(false).epochIs(1),
			tick(6*sec, ActionStartElection, "cluster lock lost"),
			lost(6 * sec), // a second report changes nothing
			tick(6*sec, ActionNone, "election in progress"),
		}},
		{"holder stopped: step down, then only follow", nil, []step{
			tick(5*sec, ActionStartElection, ""),
			taken(5 * sec),
			nodemap(6*sec, 1, stopped),
			tick(6*sec, ActionStepDown, "can no longer lead (flags 0x20").leads(unknown).holdsLock(false),
			tick(60*sec, ActionNone, ""),
			bcast(61*sec, 2, unknown, 1, nil),
			tick(61*sec, ActionNone, ""), // no race while stopped
			bcast(62*sec, 2, 2, 2, nil).leads(2),
			tick(67*sec, ActionNone, ""), // timed out, but a stopped node calls no election
			nodemap(68*sec, 1, 0),
			tick(68*sec, ActionStartElection, "leader broadcast timeout: nothing from leader 2 for 6s"),
		}},
		{"became inactive during a race: step down once it is won", nil, []step{
			tick(5*sec, ActionStartElection, ""),
			nodemap(5*sec, 1, banned),
			tick(6*sec, ActionNone, "election in progress"),
			taken(7 * sec).holdsLock(true),
			tick(7*sec, ActionStepDown, "flags 0x8").holdsLock(false),
		}},
		{"incapable node never races but follows", func(c *LeaderConfig) { c.Capable = false }, []step{
			tick(100*sec, ActionNone, "").leads(unknown),
			bcast(101*sec, 2, unknown, 1, nil),
			tick(101*sec, ActionNone, ""),
			bcast(102*sec, 2, 2, 2, nil).leads(2),
			tick(200*sec, ActionNone, "").leads(2),
		}},
		{"malformed and looped-back broadcasts", nil, []step{
			bcast(1*sec, 0, 0, 1, nil),
			bcast(1*sec, 2, 0, 9, ErrBadBroadcast).leads(0),
			bcast(1*sec, 1, 1, 9, nil).leads(0),       // own claim looped back
			bcast(1*sec, 1, unknown, 9, nil).leads(0), // own election call looped back
			tick(1*sec, ActionNone, ""),
		}},
		{"no lock: two claimants both step back and elect again", func(c *LeaderConfig) { c.UseLock = false }, []step{
			tick(5*sec, ActionStartElection, ""),
			taken(5 * sec).epochIs(1),
			tick(5*sec, ActionBroadcast, ""),
			bcast(6*sec, 2, 2, 1, ErrLeaderConflict).leads(unknown).holdsLock(false),
			tick(6*sec, ActionStartElection, "node 2 also claims leadership"),
			failed(6 * sec),
			bcast(6*sec+10*ms, 2, 2, 2, nil).leads(2),
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultLeaderConfig(1)
			if c.cfg != nil {
				c.cfg(&cfg)
			}
			run(t, cfg, c.steps)
		})
	}
}

func TestLeaderConfigValidate(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*LeaderConfig)
		err  string // "" = valid
	}{
		{"defaults", func(*LeaderConfig) {}, ""},
		{"self unknown", func(c *LeaderConfig) { c.Self = unknown }, "Self is PNNUnknown"},
		{"zero timeout", func(c *LeaderConfig) { c.LeaderTimeout = 0 }, "LeaderTimeout 0s must be positive"},
		{"negative interval", func(c *LeaderConfig) { c.BroadcastInterval = -sec }, "BroadcastInterval -1s must be positive"},
		{"interval not below timeout", func(c *LeaderConfig) { c.BroadcastInterval = 5 * sec }, "BroadcastInterval 5s must be below LeaderTimeout 5s"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultLeaderConfig(0)
			c.mod(&cfg)
			err := cfg.Validate()
			if (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
				t.Fatalf("Validate() = %v, want %q", err, c.err)
			}
			if _, nerr := NewLeaderState(cfg, t0); (nerr == nil) != (err == nil) {
				t.Errorf("NewLeaderState error %v disagrees with Validate %v", nerr, err)
			}
		})
	}
}

func TestActionString(t *testing.T) {
	want := map[Action]string{
		ActionNone: "none", ActionStartElection: "start-election", ActionTryLock: "try-lock",
		ActionBroadcast: "broadcast", ActionStepDown: "step-down", Action(42): "action(42)",
	}
	for a, w := range want {
		if a.String() != w {
			t.Errorf("Action(%d).String() = %q, want %q", int(a), a.String(), w)
		}
	}
}

func TestSeedEpochMakesNextTermNewer(t *testing.T) {
	now := time.Unix(1000, 0)
	s, err := NewLeaderState(DefaultLeaderConfig(1), now)
	if err != nil {
		t.Fatal(err)
	}
	s.SeedEpoch(7)
	s.SeedEpoch(3) // never lowers
	s.OnLockTaken(now)
	if s.Epoch() != 8 {
		t.Fatalf("epoch after seeding 7 and taking the lock: %d, want 8", s.Epoch())
	}
}

func TestOnLockTakenTokenOrdersTermsByToken(t *testing.T) {
	t0 := time.Unix(1000, 0)
	s, err := NewLeaderState(DefaultLeaderConfig(1), t0)
	if err != nil {
		t.Fatal(err)
	}
	s.OnNodemap([]NodeFlags{{PNN: 0}, {PNN: 1}})
	if err := s.OnLockTakenToken(t0, 57); err != nil || !s.HoldsLock() || s.Epoch() != 57 {
		t.Fatalf("token 57: err %v, holds %v, epoch %d; want epoch 57", err, s.HoldsLock(), s.Epoch())
	}
	// A newer term seen by our ctdbd: this holder is stale and stops.
	if s.OnEpochSeen(57, t0) || !s.HoldsLock() {
		t.Fatal("its own epoch made the holder step down")
	}
	if !s.OnEpochSeen(60, t0) || s.HoldsLock() {
		t.Fatal("a newer epoch did not make the holder step down")
	}
	if act, _ := s.Tick(t0); act != ActionStartElection {
		t.Fatalf("after a stale term: %v, want an election", act)
	}
	// A token not above what was seen is refused and changes nothing.
	for _, tok := range []int64{60, 59, 0, -1} {
		if err := s.OnLockTakenToken(t0, tok); !errors.Is(err, ErrStaleToken) || s.HoldsLock() {
			t.Fatalf("token %d: %v, holds %v; want ErrStaleToken", tok, err, s.HoldsLock())
		}
	}
	if err := s.OnLockTakenToken(t0, 61); err != nil || s.Epoch() != 61 {
		t.Fatalf("token 61: %v, epoch %d", err, s.Epoch())
	}
	s.OnLockLost(t0)
	if err := s.OnLockTakenToken(t0, MaxTokenEpoch+5); !errors.Is(err, ErrTokenTooLarge) || !s.HoldsLock() || s.Epoch() != 62 {
		t.Fatalf("huge token: %v, holds %v, epoch %d; want a counted epoch 62", err, s.HoldsLock(), s.Epoch())
	}
}
