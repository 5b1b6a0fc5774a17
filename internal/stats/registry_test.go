package stats

import (
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// clock is a manual clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time       { return c.t }
func (c *clock) step(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                { return &clock{time.Unix(1796298000, 0)} }
func counters(s protocol.Statistics) map[Field]uint64 {
	m := map[Field]uint64{}
	for f, v := range s.Counters {
		if v != 0 {
			m[Field(f)] = v
		}
	}
	return m
}

func TestResetAndHistoryDifferenceTheTotals(t *testing.T) {
	c := newClock()
	r := New(c.now)
	clients := uint64(3)
	r.SetGauges(func() map[Field]uint64 { return map[Field]uint64{NumClients: clients, NodePacketsSent: 50} })
	r.Add(ClientReqControl, 5)
	c.step(time.Second)
	r.Tick() // interval 1: 5 controls, 50 node packets
	r.Add(ClientReqControl, 2)
	r.Reset()
	r.Add(ClientReqControl, 1)
	c.step(time.Second)
	r.Tick() // interval 2: 3 controls, 0 node packets

	s := r.Statistics()
	if got := counters(s); got[ClientReqControl] != 1 || got[NumClients] != 3 || got[NodePacketsSent] != 0 {
		t.Errorf("after reset: %v", got)
	}
	if !s.Start.Equal(time.Unix(1796298001, 0)) || !s.Now.Equal(time.Unix(1796298002, 0)) {
		t.Errorf("period %v - %v", s.Start, s.Now)
	}
	h := r.History()
	if len(h) != 2 {
		t.Fatalf("%d history intervals, want 2", len(h))
	}
	if got := counters(h[0]); got[ClientReqControl] != 3 || got[NumClients] != 0 || got[NodePacketsSent] != 0 {
		t.Errorf("newest interval: %v (gauges are 0 in history, as in CTDB)", got)
	}
	if got := counters(h[1]); got[ClientReqControl] != 5 || got[NodePacketsSent] != 50 {
		t.Errorf("oldest interval: %v", got)
	}
	if r.Total(ClientReqControl) != 8 {
		t.Errorf("total %d, want 8", r.Total(ClientReqControl))
	}
}

func TestHistoryIsBounded(t *testing.T) {
	c := newClock()
	r := New(c.now)
	for i := 0; i < HistoryLength+5; i++ {
		c.step(time.Second)
		r.Tick()
	}
	h := r.History()
	if len(h) != HistoryLength || !h[0].Now.Equal(c.t) {
		t.Errorf("%d intervals, newest ends %v (want %d, %v)", len(h), h[0].Now, HistoryLength, c.t)
	}
}

func TestLatencies(t *testing.T) {
	r := New(newClock().now)
	r.ObserveLatency(LatencyReclockCtdbd, 10*time.Millisecond)
	r.ObserveLatency(LatencyReclockCtdbd, 30*time.Millisecond)
	r.RecdReport(protocol.RecdReport{Kind: protocol.RecdLock, Seconds: 0.02, OK: true})
	r.RecdReport(protocol.RecdReport{Kind: protocol.RecdLock, Seconds: 5, OK: false}) // contended: not a lock latency
	l := r.Statistics().Latencies
	if c := l[LatencyReclockCtdbd]; c.Num != 2 || c.Min != 0.01 || c.Max != 0.03 || c.Avg() != 0.02 {
		t.Errorf("reclock_ctdbd %+v avg %v", c, c.Avg())
	}
	if c := l[LatencyReclockRecd]; c.Num != 1 || c.Max != 0.02 {
		t.Errorf("reclock_recd %+v", c)
	}
	f := r.Facts()
	if f.LockAttempts != 2 || f.LockLastOK || f.LastLockLatency != 5*time.Second {
		t.Errorf("lock facts %+v", f)
	}
	r.Reset()
	if l := r.Statistics().Latencies; l[LatencyReclockCtdbd].Num != 0 {
		t.Errorf("latency after reset: %+v", l[LatencyReclockCtdbd])
	}
}

func TestElectionsAndRecoveries(t *testing.T) {
	c := newClock()
	r := New(c.now)
	r.Election()
	c.step(300 * time.Millisecond)
	r.Election() // same election
	c.step(200 * time.Millisecond)
	r.Leader()
	r.Leader() // no election open: no change
	r.Recovery(40 * time.Millisecond)
	r.RecdReport(protocol.RecdReport{Kind: protocol.RecdRecovery, Seconds: 0.04, OK: true})
	f := r.Facts()
	if f.Elections != 1 || f.LastElection != 500*time.Millisecond {
		t.Errorf("elections %d, last %v; want 1, 500ms", f.Elections, f.LastElection)
	}
	if f.Recoveries != 1 || f.LastRecovery != 40*time.Millisecond || f.LeaderRecoveries != 1 {
		t.Errorf("recovery facts %+v", f)
	}
	if n := counters(r.Statistics())[NumRecoveries]; n != 1 {
		t.Errorf("num_recoveries %d", n)
	}
}

func TestMonitorFailcounts(t *testing.T) {
	r := New(newClock().now)
	run := func(states ...string) []ScriptFacts {
		var in []MonitorResult
		for i, s := range states {
			in = append(in, MonitorResult{Name: []string{"00.a", "10.b", "20.c"}[i], State: s})
		}
		r.Monitor(in)
		return r.Facts().Monitor
	}
	run("OK", "ERROR", "DISABLED")
	run("OK", "TIMEDOUT", "DISABLED")
	got := run("OK", "ERROR", "DISABLED")
	if got[0].Failcount != 0 || got[1].Failcount != 3 || got[2].Failcount != 0 {
		t.Errorf("failcounts %+v, want 0 3 0", got)
	}
	if got = run("OK", "OK", "DISABLED"); got[1].Failcount != 0 {
		t.Errorf("failcount after success %d", got[1].Failcount)
	}
}

func TestPeers(t *testing.T) {
	r := New(newClock().now)
	r.PeerRunstate(2, "STARTUP")
	r.PeerRTT(2, time.Millisecond)
	r.PeerRTT(1, 2*time.Millisecond)
	if p := r.PeerPNNs(); len(p) != 2 || p[0] != 1 || p[1] != 2 {
		t.Errorf("peers %v", p)
	}
	if f := r.Facts().Peers[2]; f.Runstate != "STARTUP" || f.RTT != time.Millisecond {
		t.Errorf("peer 2: %+v", f)
	}
}

func TestNilRegistryRecordsNothing(t *testing.T) {
	var r *Registry
	r.Add(ClientReqControl, 1)
	r.Election()
	r.Leader()
	r.Recovery(time.Second)
	r.Monitor(nil)
	r.Tick()
	r.Reset()
	if s := r.Statistics(); len(s.Counters) != 0 || r.Total(ClientReqControl) != 0 || r.Facts().Elections != 0 {
		t.Errorf("nil registry: %+v", s)
	}
}
