package stats

import (
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// Facts are the observations that are not CTDB statistics counters:
// elections, recoveries, the cluster lock, keepalive round trips and the
// last monitor event. They are never reset.
type Facts struct {
	Elections        uint64
	LastElection     time.Duration // from "no leader" to a leader known, on this node
	electionStart    time.Time
	Recoveries       uint64        // recoveries this node took part in (ACTIVE to NORMAL)
	LastRecovery     time.Duration // the last one's duration, as this node saw it
	LeaderRecoveries uint64        // recoveries run by this node as leader
	LastLockLatency  time.Duration // the recovery daemon's last lock attempt
	LockAttempts     uint64
	LockLastOK       bool
	LockConfirmed    time.Time // the recovery daemon last confirmed it holds the lock
	Peers            map[uint32]PeerFacts
	Monitor          []ScriptFacts // the last monitor event, in script order
	MonitorAt        time.Time
}

// PeerFacts is what this node knows of a peer beyond its flags.
type PeerFacts struct {
	Runstate string
	RTT      time.Duration // last keepalive round trip; 0 = none measured
}

// ScriptFacts is one script of the last monitor event.
type ScriptFacts struct {
	Name      string
	State     string // OK, ERROR, TIMEDOUT, DISABLED, CANNOT RUN
	Duration  time.Duration
	Failcount uint64 // consecutive monitor events in which it did not succeed
}

// Election records that this node saw the leader become unknown (an
// election started). A second call before Leader is a no-op.
func (r *Registry) Election() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.facts.electionStart.IsZero() {
		r.facts.electionStart = r.now()
		r.facts.Elections++
	}
}

// Leader records that a leader is known again, ending an election.
func (r *Registry) Leader() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.facts.electionStart.IsZero() {
		r.facts.LastElection = r.now().Sub(r.facts.electionStart)
		r.facts.electionStart = time.Time{}
	}
}

// Recovery records a completed recovery on this node (recovery mode went
// from ACTIVE back to NORMAL after d). It counts as num_recoveries too.
func (r *Registry) Recovery(d time.Duration) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.facts.Recoveries++
	r.facts.LastRecovery = d
	r.total[NumRecoveries]++
}

// RecdReport records a report of the recovery daemon.
func (r *Registry) RecdReport(rep protocol.RecdReport) {
	if r == nil {
		return
	}
	d := time.Duration(rep.Seconds * float64(time.Second))
	switch rep.Kind {
	case protocol.RecdLock:
		if rep.OK {
			r.ObserveLatency(LatencyReclockRecd, d)
		}
		r.mu.Lock()
		r.facts.LockAttempts++
		r.facts.LastLockLatency = d
		r.facts.LockLastOK = rep.OK
		r.mu.Unlock()
	case protocol.RecdRecovery:
		r.mu.Lock()
		r.facts.LeaderRecoveries++
		r.mu.Unlock()
	}
}

// LockConfirmed records that the local recovery daemon holds the cluster
// lock and has just pinged its helper.
func (r *Registry) LockConfirmed() {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.facts.LockConfirmed = r.now()
	r.mu.Unlock()
}

// Peer records a peer's runstate as it told us.
func (r *Registry) PeerRunstate(pnn uint32, runstate string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.facts.Peers[pnn]
	p.Runstate = runstate
	r.facts.Peers[pnn] = p
}

// PeerRTT records a keepalive round trip to a peer.
func (r *Registry) PeerRTT(pnn uint32, rtt time.Duration) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.facts.Peers[pnn]
	p.RTT = rtt
	r.facts.Peers[pnn] = p
}

// MonitorResult is one script's result as the registry needs it.
type MonitorResult struct {
	Name     string
	State    string
	Duration time.Duration
}

// Monitor records a finished monitor event (not a cancelled one). A
// script's failcount is the number of monitor events in a row in which it
// did not end OK (or DISABLED). Only the scripts of this event are kept.
func (r *Registry) Monitor(scripts []MonitorResult) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	prev := map[string]uint64{}
	for _, s := range r.facts.Monitor {
		prev[s.Name] = s.Failcount
	}
	out := make([]ScriptFacts, 0, len(scripts))
	for _, s := range scripts {
		fc := uint64(0)
		if s.State != "OK" && s.State != "DISABLED" {
			fc = prev[s.Name] + 1
		}
		out = append(out, ScriptFacts{Name: s.Name, State: s.State, Duration: s.Duration, Failcount: fc})
	}
	r.facts.Monitor = out
	r.facts.MonitorAt = r.now()
}

// Facts returns a copy of the facts.
func (r *Registry) Facts() Facts {
	if r == nil {
		return Facts{Peers: map[uint32]PeerFacts{}}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.facts
	f.Peers = make(map[uint32]PeerFacts, len(r.facts.Peers))
	for k, v := range r.facts.Peers {
		f.Peers[k] = v
	}
	f.Monitor = append([]ScriptFacts(nil), r.facts.Monitor...)
	return f
}
