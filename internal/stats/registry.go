package stats

import (
	"sort"
	"sync"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// HistoryLength is how many history intervals are kept (CTDB's
// MAX_STAT_HISTORY).
const HistoryLength = 100

// period is a stretch of time over which the statistics are reported: the
// totals at its start, and its own latencies.
type period struct {
	start time.Time
	base  [NumFields]uint64
	lat   [NumLatencies]LatencyStat
}

// Registry holds the counters. The zero value is not usable; use New.
// A nil *Registry records nothing and reads as empty, so code that builds
// a daemon without one (tests) needs no special case.
// All methods are safe for concurrent use.
type Registry struct {
	mu    sync.Mutex
	now   func() time.Time
	total [NumFields]uint64
	// gauges reads levels and totals kept elsewhere when a snapshot is taken.
	gauges   func() map[Field]uint64
	sinceRst period // since the last reset
	interval period // the current history interval
	history  []protocol.Statistics
	facts    Facts
}

// New returns a registry whose periods start now.
func New(now func() time.Time) *Registry {
	if now == nil {
		now = time.Now
	}
	r := &Registry{now: now}
	t := now()
	r.sinceRst.start, r.interval.start = t, t
	r.facts.Peers = map[uint32]PeerFacts{}
	return r
}

// SetGauges installs the function that reads the gauge fields (clients,
// recovering, memory...) and any totals kept elsewhere (the transport's
// packet counts) when a snapshot is taken. It is called without the
// registry's lock, so it may take the caller's own locks.
func (r *Registry) SetGauges(f func() map[Field]uint64) {
	r.mu.Lock()
	r.gauges = f
	r.mu.Unlock()
}

// Add counts n more of field f.
func (r *Registry) Add(f Field, n uint64) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.total[f] += n
	r.mu.Unlock()
}

// ObserveLatency records one latency of kind l.
func (r *Registry) ObserveLatency(l Latency, d time.Duration) {
	if r == nil {
		return
	}
	r.mu.Lock()
	observe(&r.sinceRst.lat[l], d.Seconds())
	observe(&r.interval.lat[l], d.Seconds())
	r.mu.Unlock()
}

// lockSampled reads the gauges, then takes r.mu and stores them.
func (r *Registry) lockSampled() {
	r.mu.Lock()
	f := r.gauges
	r.mu.Unlock()
	var g map[Field]uint64
	if f != nil {
		g = f()
	}
	r.mu.Lock()
	for k, v := range g {
		r.total[k] = v
	}
}

// stat is period p up to now; with r.mu held.
func (r *Registry) stat(p *period, now time.Time, gaugesAsIs bool) protocol.Statistics {
	s := protocol.Statistics{Start: p.start, Now: now, Counters: make([]uint64, NumFields),
		Latencies: append([]LatencyStat(nil), p.lat[:]...)}
	for f := Field(0); f < NumFields; f++ {
		switch {
		case Fields[f].Gauge && gaugesAsIs:
			s.Counters[f] = r.total[f]
		case Fields[f].Gauge:
			s.Counters[f] = 0
		case r.total[f] >= p.base[f]:
			s.Counters[f] = r.total[f] - p.base[f]
		}
	}
	return s
}

// Statistics returns the counters since the daemon started or since the
// last Reset.
func (r *Registry) Statistics() protocol.Statistics {
	if r == nil {
		return protocol.Statistics{}
	}
	r.lockSampled()
	defer r.mu.Unlock()
	return r.stat(&r.sinceRst, r.now(), true)
}

// Reset starts a new statistics period (`ctdb statisticsreset`). The
// history and the facts are kept, as in CTDB.
func (r *Registry) Reset() {
	if r == nil {
		return
	}
	r.lockSampled()
	defer r.mu.Unlock()
	r.sinceRst = period{start: r.now(), base: r.total}
}

// Tick closes the current history interval and starts the next one; the
// daemon calls it every StatHistoryInterval. History intervals show the
// gauges (clients, recovering, memory) as 0, as CTDB's do.
func (r *Registry) Tick() {
	if r == nil {
		return
	}
	r.lockSampled()
	defer r.mu.Unlock()
	now := r.now()
	s := r.stat(&r.interval, now, false)
	r.history = append([]protocol.Statistics{s}, r.history...)
	if len(r.history) > HistoryLength {
		r.history = r.history[:HistoryLength]
	}
	r.interval = period{start: now, base: r.total}
}

// History returns the closed history intervals, newest first.
func (r *Registry) History() []protocol.Statistics {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]protocol.Statistics(nil), r.history...)
}

// Total returns the running total of f since the daemon started.
func (r *Registry) Total(f Field) uint64 {
	if r == nil {
		return 0
	}
	r.lockSampled()
	defer r.mu.Unlock()
	return r.total[f]
}

// PeerPNNs returns the PNNs with peer facts, sorted.
func (r *Registry) PeerPNNs() []uint32 {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []uint32
	for p := range r.facts.Peers {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
