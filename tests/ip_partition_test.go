package tests

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/tests/harness"
	"github.com/ctdb-go/ctdb/tests/harness/suite"
	"github.com/ctdb-go/ctdb/tests/netns"
)

// Parameters of TestPublicIPsNeverOnTwoNodesUnderPartitions.
// CTDB_IP_PARTITION_ROUNDS overrides the round count, CTDB_IP_PARTITION_SEED
// the random seed (logged by every run, so a failing run can be replayed),
// CTDB_IP_PARTITION_HOLD the hold time range in seconds ("3-5", or "4"),
// CTDB_IP_PARTITION_TUNABLES adds tunables ("EnableBans=0"), and
// CTDB_IP_PARTITION_LOGDIR keeps the nodes' logs (both for investigations).
// With go test -short the defaults are ippShortRounds and ippShortHold.
const (
	ippDefaultRounds = 10
	ippShortRounds   = 3
	ippNodes         = 3
	ippPartSample    = 200 * time.Millisecond
	ippKillSample    = 100 * time.Millisecond
	// ippRehostLimit: after a heal (or a kill) every address is on exactly
	// one node again within this.
	ippRehostLimit = 15 * time.Second
	// ippBalanceLimit: after a heal or a restart the cluster is converged and
	// every node hosts an address again within this.
	ippBalanceLimit = 30 * time.Second
	// ippSettle is how long sampling goes on once a round looks balanced,
	// to catch a late move, counted in the watcher's samples.
	ippSettle = 2 * time.Second
)

var (
	ippDefaultHold = [2]time.Duration{8 * time.Second, 20 * time.Second}
	ippShortHold   = [2]time.Duration{3 * time.Second, 5 * time.Second}
)

type ippCut int

const (
	ippCutOne    ippCut = iota // one node other than the leader, alone
	ippCutLeader               // the leader alone
	ippCutAll                  // every node alone
)

func (k ippCut) String() string {
	return [...]string{"isolate-one", "isolate-leader", "singletons"}[k]
}

// ippPlan returns the nodes to isolate (each alone) for kind.
func ippPlan(rng *rand.Rand, kind ippCut, leader, n int) []int {
	switch kind {
	case ippCutOne:
		rest := without(seq(n), leader)
		return []int{rest[rng.IntN(len(rest))]}
	case ippCutLeader:
		return []int{leader}
	}
	return seq(n)
}

// TestPublicIPsNeverOnTwoNodesUnderPartitions cuts the network of a 3-node
// cluster at random (one node alone, the leader alone, every node alone),
// holds the cut, heals it, and samples all along which nodes have each
// public address. No sample may show an address on two nodes; after every
// heal each address is on exactly one node again within ippRehostLimit.
// While a cut holds, addresses may be on no node: that is allowed.
func TestPublicIPsNeverOnTwoNodesUnderPartitions(t *testing.T) {
	t.Parallel() // independent: own namespaces, temp dirs and ports (see README, Tests)
	if err := netns.Check(); err != nil {
		harness.SkipSuite(t, suite.Netns, err.Error())
	}
	rounds, hold := ippDefaultRounds, ippDefaultHold
	if testing.Short() {
		rounds, hold = ippShortRounds, ippShortHold
	}
	rounds = envInt(t, "CTDB_IP_PARTITION_ROUNDS", rounds)
	hold = envHold(t, "CTDB_IP_PARTITION_HOLD", hold)
	seed := uint64(envInt(t, "CTDB_IP_PARTITION_SEED", int(time.Now().UnixNano()%1e9)))
	t.Logf("%d rounds, hold %v-%v, sampling every %v, seed %d (CTDB_IP_PARTITION_SEED=%d replays it)",
		rounds, hold[0], hold[1], ippPartSample, seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed))

	ic := newIPCluster(t, ippNodes, envTunables(t, "CTDB_IP_PARTITION_TUNABLES"))
	ippKeepLogs(t, ic.Cluster)
	startAll(t, ic.Cluster)
	ippWaitSettled(t, ic, "start", 60*time.Second)
	w := ippStartWatch(t, ic, ippPartSample)

	var rehost, balance []time.Duration
	for r := 1; r <= rounds; r++ {
		w.setPhase(fmt.Sprintf("round %d settle", r))
		ippWaitSettled(t, ic, fmt.Sprintf("before round %d", r), ippBalanceLimit)
		leader, err := ippLeader(ic.Cluster)
		if err != nil {
			t.Fatalf("round %d: %v", r, err)
		}
		kind := ippCut(rng.IntN(3))
		cut := ippPlan(rng, kind, leader, ippNodes)
		d := hold[0] + time.Duration(rng.Int64N(int64(hold[1]-hold[0])+1))
		d = d.Round(100 * time.Millisecond)
		before := ippHoldings(ic)

		cutPhase := fmt.Sprintf("round %d %s", r, kind)
		w.setPhase(cutPhase)
		if err := ic.net.Isolate(cut...); err != nil {
			t.Fatalf("round %d: isolate %v: %v", r, cut, err)
		}
		time.Sleep(d) // Deliberate pause: the cut lasts d, as the schedule says
		atEnd := ippHoldings(ic)

		healPhase := fmt.Sprintf("round %d heal", r)
		w.setPhase(healPhase)
		if err := ic.net.Heal(); err != nil {
			t.Fatalf("round %d: heal: %v", r, err)
		}
		healed := time.Now()
		once, ok := ippPoll(60*time.Second, func() string { return ic.hostedOnceBy(seq(ippNodes)) })
		if !ok {
			t.Fatalf("round %d (%s of %v, hold %v): addresses not each on one node %v after the heal: %s",
				r, kind, cut, d, time.Since(healed).Round(time.Millisecond), once)
		}
		onceAfter := time.Since(healed)
		if onceAfter > ippRehostLimit {
			t.Errorf("round %d (%s of %v): every address on exactly one node only %.2f s after the heal, want <= %v",
				r, kind, cut, onceAfter.Seconds(), ippRehostLimit)
		}
		if why, ok := ippPoll(ippBalanceLimit, func() string { return ippSettled(ic) }); !ok {
			t.Fatalf("round %d (%s of %v): not settled %v after the heal: %s", r, kind, cut, ippBalanceLimit, why)
		}
		balancedAfter := time.Since(healed)
		newLeader, err := ippLeader(ic.Cluster)
		if err != nil {
			t.Fatalf("round %d after the heal: %v", r, err)
		}
		w.waitSamples(t, int(ippSettle/w.every))
		rehost, balance = append(rehost, onceAfter), append(balance, balancedAfter)

		cs, hs := w.phaseStats(cutPhase), w.phaseStats(healPhase)
		t.Logf("round %2d: %-14s cut %v (leader %d, after heal %d) hold %4.1f s | %3d samples (%d cut + %d healed), max holders %d | "+
			"before [%s] end of hold [%s] | each once %.2f s after heal, balanced %.2f s",
			r, kind, cut, leader, newLeader, d.Seconds(), cs.samples+hs.samples, cs.samples, hs.samples,
			max(cs.maxHolders, hs.maxHolders), before, atEnd, onceAfter.Seconds(), balancedAfter.Seconds())
		w.reportDoubles(t)
	}
	w.halt()
	w.reportDoubles(t)
	t.Logf("all rounds: each address once again after heal: %s; balanced: %s", harness.Summary(rehost), harness.Summary(balance))
	w.final(t)
}

// TestPublicIPsNeverOnTwoNodesOnKill kills with SIGKILL the ctdbd of a node
// that hosts addresses, then the leader's, restarting each once its
// addresses moved, and samples every ippKillSample which nodes have each
// address: none may be on two nodes. It reports how long each moved
// address was on no node.
func TestPublicIPsNeverOnTwoNodesOnKill(t *testing.T) {
	t.Parallel() // independent: own namespaces, temp dirs and ports (see README, Tests)
	if err := netns.Check(); err != nil {
		harness.SkipSuite(t, suite.Netns, err.Error())
	}
	ic := newIPCluster(t, ippNodes, nil)
	ippKeepLogs(t, ic.Cluster)
	startAll(t, ic.Cluster)
	ippWaitSettled(t, ic, "start", 60*time.Second)
	w := ippStartWatch(t, ic, ippKillSample)

	for step, name := range []string{"kill -9 of a non-leader", "kill -9 of the leader"} {
		phase := fmt.Sprintf("step %d settle", step+1)
		w.setPhase(phase)
		ippWaitSettled(t, ic, phase, ippBalanceLimit)
		leader, err := ippLeader(ic.Cluster)
		if err != nil {
			t.Fatal(err)
		}
		victim := leader
		if step == 0 {
			victim = without(seq(ippNodes), leader)[0]
		}
		moved := ic.addrsOf(victim)
		if len(moved) == 0 {
			t.Fatalf("%s: node %d hosts no address", name, victim)
		}
		pid := ic.PID(victim)
		rest := without(seq(ippNodes), victim)

		killPhase := fmt.Sprintf("step %d %s", step+1, name)
		w.setPhase(killPhase)
		killed := time.Now()
		if err := ic.Kill(victim, syscall.SIGKILL); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		why, ok := ippPoll(ippRehostLimit, func() string { return ic.hostedOnceBy(rest) })
		if !ok {
			t.Fatalf("%s (node %d, pid %d): addresses not each on one of %v %v after the kill: %s",
				name, victim, pid, rest, ippRehostLimit, why)
		}
		moveTook := time.Since(killed)
		// The unhosted intervals end when a sample sees the address again;
		// one more whole sample makes sure the watcher has recorded them.
		w.waitSamples(t, 2)
		gaps := w.gapsIn(killPhase)

		restartPhase := fmt.Sprintf("step %d restart", step+1)
		w.setPhase(restartPhase)
		if len(harness.WaitGone([]int{pid}, 10*time.Second)) > 0 {
			t.Fatalf("%s: node %d's ctdbd (pid %d) still alive 10 s after SIGKILL", name, victim, pid)
		}
		restarted := time.Now()
		start(t, ic.Cluster, victim)
		if why, ok := ippPoll(ippBalanceLimit+30*time.Second, func() string { return ippSettled(ic) }); !ok {
			t.Fatalf("%s: not settled %v after restarting node %d: %s", name, ippBalanceLimit+30*time.Second, victim, why)
		}
		settled := time.Since(restarted)
		w.waitSamples(t, int(ippSettle/w.every))

		ks, rs := w.phaseStats(killPhase), w.phaseStats(restartPhase)
		t.Logf("%s: node %d (leader %d) held %v; all on %v after %.2f s; %d+%d samples, max holders %d; settled %.2f s after restart",
			name, victim, leader, moved, rest, moveTook.Seconds(), ks.samples, rs.samples,
			max(ks.maxHolders, rs.maxHolders), settled.Seconds())
		for _, a := range moved {
			g, found := ippGapOf(gaps, a)
			if !found {
				t.Errorf("%s: the watcher saw no move of %s off node %d", name, a, victim)
				continue
			}
			lo, hi := g.bounds()
			t.Logf("  %s: node %d -> %d: on no node for %.2f to %.2f s (sample bounds); first seen on node %d %.2f s after the kill",
				a, g.fromNode, g.toNode, lo.Seconds(), hi.Seconds(), g.toNode, g.to.Sub(killed).Seconds())
		}
		for _, g := range gaps {
			if !slices.Contains(moved, g.addr) {
				lo, hi := g.bounds()
				t.Logf("  note: %s (not on the victim) moved %d -> %d, on no node for %.2f to %.2f s",
					g.addr, g.fromNode, g.toNode, lo.Seconds(), hi.Seconds())
			}
		}
		w.reportDoubles(t)
	}
	w.halt()
	w.reportDoubles(t)
	w.final(t)
}

// TestIPWatchSeesDoublesAndMoves shows the watcher's checks can fail: on
// bare namespaces (no ctdbd) it puts an address on two hosts, then moves
// one, and expects a confirmed double and the move with its interval.
func TestIPWatchSeesDoublesAndMoves(t *testing.T) {
	nw := netns.New(t, 2) // skips without root
	ic := &ipCluster{net: nw, hosts: nw.Hosts()}
	a, b := publicIPs[0].String()+"/24", publicIPs[1].String()+"/24"
	w := newIppWatch(ic, time.Second)
	ic.hosts[0].Run(t, "ip", "addr", "add", a, "dev", "eth0")
	ic.hosts[1].Run(t, "ip", "addr", "add", b, "dev", "eth0")
	w.sample()
	if w.doubleCount() != 0 || len(w.gaps) != 0 {
		t.Fatalf("one holder each: doubles %v gaps %v", w.doubles, w.gaps)
	}
	ic.hosts[1].Run(t, "ip", "addr", "add", a, "dev", "eth0")
	w.setPhase("doubled")
	w.sample()
	if w.doubleCount() != 1 || !w.doubles[0].confirmed || w.doubles[0].addr != publicIPs[0] ||
		!slices.Equal(w.doubles[0].forward, []int{0, 1}) || w.doubles[0].phase != "doubled" {
		t.Fatalf("want one confirmed double of %s on [0 1], got %+v", publicIPs[0], w.doubles)
	}
	ic.hosts[0].Run(t, "ip", "addr", "del", a, "dev", "eth0")
	ic.hosts[1].Run(t, "ip", "addr", "del", b, "dev", "eth0")
	w.setPhase("moving")
	w.sample() // a on 1 only; b on none
	w.sample()
	ic.hosts[0].Run(t, "ip", "addr", "add", b, "dev", "eth0")
	w.sample() // b on 0
	g, ok := ippGapOf(w.gapsIn("moving"), publicIPs[1])
	lo, hi := g.bounds()
	if !ok || g.fromNode != 1 || g.toNode != 0 || lo <= 0 || hi <= lo {
		t.Fatalf("want a move of %s from 1 to 0 through no node, got %+v (found %v)", publicIPs[1], g, ok)
	}
	if st := w.phaseStats("doubled"); st.samples != 1 || st.maxHolders != 2 {
		t.Fatalf("phase stats of the doubled sample: %+v", st)
	}
	d := w.doubles[0]
	later, other := d, d
	later.at = d.at.Add(w.every)
	other.forward = []int{1, 2}
	if eps := ippAddToEpisodes(ippAddToEpisodes(ippAddToEpisodes(nil, d, w.every), later, w.every), other, w.every); len(eps) != 2 ||
		eps[0].samples != 2 || !eps[0].last.Equal(later.at) || eps[1].samples != 1 {
		t.Fatalf("episodes: %+v", eps)
	}
}

// ippSettled says why the cluster is not settled ("" if it is): all nodes
// OK and agreeing on one leader, every address on exactly one node, every
// node hosting at least one.
func ippSettled(ic *ipCluster) string {
	if why := converged(ic.Cluster, seq(ippNodes), allOK(ippNodes)); why != "" {
		return why
	}
	if why := ic.hostedOnceBy(seq(ippNodes)); why != "" {
		return why
	}
	for i := 0; i < ippNodes; i++ {
		if len(ic.addrsOf(i)) == 0 {
			return fmt.Sprintf("node %d hosts no address", i)
		}
	}
	return ""
}

func ippWaitSettled(t *testing.T, ic *ipCluster, when string, timeout time.Duration) {
	t.Helper()
	if why, ok := ippPoll(timeout, func() string { return ippSettled(ic) }); !ok {
		t.Fatalf("%s: cluster not settled after %v: %s", when, timeout, why)
	}
}

// ippPoll calls cond every 50 ms until it returns "" (true) or timeout
// passes (false, with cond's last answer).
func ippPoll(timeout time.Duration, cond func() string) (string, bool) {
	var last string
	err := harness.Until(timeout, 50*time.Millisecond, func() string { last = cond(); return last })
	return last, err == nil
}

// ippLeader returns the leader every node names in `ctdb leader`.
func ippLeader(c *localcluster.Cluster) (int, error) {
	leader := -1
	for i := 0; i < c.Nodes; i++ {
		out, errOut, code := c.Ctdb(i, "leader")
		l, err := strconv.Atoi(strings.TrimSpace(out))
		if code != 0 || err != nil {
			return -1, fmt.Errorf("node %d: ctdb leader: exit %d: %q %s", i, code, out, errOut)
		}
		if leader >= 0 && l != leader {
			return -1, fmt.Errorf("nodes disagree on the leader: %d and %d", leader, l)
		}
		leader = l
	}
	return leader, nil
}

// ippHoldings describes how many addresses each node has, and how many
// are on none: "n0:2 n1:2 n2:2 none:0".
func ippHoldings(ic *ipCluster) string {
	h := ic.holders()
	count := make([]int, len(ic.hosts))
	none := 0
	for _, a := range publicIPs {
		if len(h[a]) == 0 {
			none++
		}
		for _, n := range h[a] {
			count[n]++
		}
	}
	var b strings.Builder
	for i, n := range count {
		fmt.Fprintf(&b, "n%d:%d ", i, n)
	}
	fmt.Fprintf(&b, "none:%d", none)
	return b.String()
}

// ippWatch samples, on its own goroutine, which nodes have each public
// address on eth0, and keeps what the tests check and report: per phase
// the sample count and the most nodes seen with one address; every
// address seen on two nodes; every interval an address was on no node.
//
// One sample reads the nodes one after the other, so it is not atomic: an
// address moving from an earlier-read node to a later-read one during the
// read would look doubled. So a sample showing an address on two nodes is
// read again at once in the reverse order: if that read shows it on both
// too, the address really was on two nodes (it could not have moved back
// and forth within the few milliseconds of two reads), and the test fails.
// A double the second read does not confirm is logged as a suspect.
type ippWatch struct {
	ic    *ipCluster
	every time.Duration

	mu       sync.Mutex
	phase    string
	phases   map[string]*ippPhase
	doubles  []ippDouble
	reported int // doubles already passed to reportDoubles
	readErr  []string
	seen     map[netip.Addr]*ippSeen
	gaps     []ippGap
	total    int // samples finished, read errors included

	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

type ippPhase struct{ samples, maxHolders int }

type ippDouble struct {
	phase     string
	at        time.Time
	addr      netip.Addr
	forward   []int // nodes holding addr in the sample (read 0, 1, 2)
	reverse   []int // ... in the re-read (read 2, 1, 0)
	confirmed bool
	took      time.Duration // both reads
}

// ippSeen is the last state sampled for one address.
type ippSeen struct {
	node      int       // last node seen holding it
	lastHeld  time.Time // last sample it was on a node
	firstNone time.Time // first sample it was on no node since (zero while hosted)
	lastNone  time.Time // last sample it was on no node
	phase     string    // phase when it went unhosted
}

// ippGap is a move of an address from fromNode to toNode. It was on no node
// for at most to - lastHeld (the last sample with it on fromNode, the first
// with it on toNode) and at least lastNone - firstNone (the first and last
// samples with it on no node; both zero if no sample saw it on none).
type ippGap struct {
	addr                netip.Addr
	phase               string
	lastHeld, to        time.Time
	firstNone, lastNone time.Time
	fromNode, toNode    int
}

// bounds returns the least and most time the address was on no node.
func (g ippGap) bounds() (lo, hi time.Duration) {
	return g.lastNone.Sub(g.firstNone), g.to.Sub(g.lastHeld)
}

func newIppWatch(ic *ipCluster, every time.Duration) *ippWatch {
	return &ippWatch{ic: ic, every: every, phase: "start", phases: map[string]*ippPhase{},
		seen: map[netip.Addr]*ippSeen{}, stop: make(chan struct{}), done: make(chan struct{})}
}

func ippStartWatch(t *testing.T, ic *ipCluster, every time.Duration) *ippWatch {
	w := newIppWatch(ic, every)
	go w.run()
	t.Cleanup(w.halt) // registered after the cluster's: runs before it stops the nodes
	return w
}

func (w *ippWatch) run() {
	defer close(w.done)
	tick := time.NewTicker(w.every)
	defer tick.Stop()
	for {
		w.sample()
		select {
		case <-w.stop:
			return
		case <-tick.C:
		}
	}
}

// waitSamples waits until the watcher has finished n more samples (each
// sample runs to its end under w.mu, so what it saw is recorded).
func (w *ippWatch) waitSamples(t *testing.T, n int) {
	t.Helper()
	w.mu.Lock()
	until := w.total + n
	w.mu.Unlock()
	eventually(t, time.Duration(n)*w.every+30*time.Second, func() string {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.total < until {
			return fmt.Sprintf("watcher at sample %d, waiting for %d", w.total, until)
		}
		return ""
	})
}

func (w *ippWatch) halt() {
	w.stopOnce.Do(func() { close(w.stop) })
	<-w.done
}

func (w *ippWatch) setPhase(p string) {
	w.mu.Lock()
	w.phase = p
	w.mu.Unlock()
}

// ippScan reads the public addresses on eth0 of the nodes, in order.
func ippScan(ic *ipCluster, order []int) (map[netip.Addr][]int, error) {
	out := map[netip.Addr][]int{}
	for _, i := range order {
		ps, err := ic.hosts[i].Addrs("eth0")
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if slices.Contains(publicIPs, p.Addr()) {
				out[p.Addr()] = append(out[p.Addr()], i)
			}
		}
	}
	return out, nil
}

func (w *ippWatch) sample() {
	order := seq(len(w.ic.hosts))
	t0 := time.Now()
	fwd, err := ippScan(w.ic, order)
	if err != nil {
		w.mu.Lock()
		w.readErr = append(w.readErr, fmt.Sprintf("%s: %v", w.phase, err))
		w.total++
		w.mu.Unlock()
		return
	}
	var doubles []ippDouble
	for _, a := range publicIPs {
		if len(fwd[a]) > 1 {
			doubles = append(doubles, ippDouble{at: t0, addr: a, forward: fwd[a]})
		}
	}
	if len(doubles) > 0 {
		slices.Reverse(order)
		rev, err := ippScan(w.ic, order)
		for k := range doubles {
			if err == nil {
				doubles[k].reverse = rev[doubles[k].addr]
				doubles[k].confirmed = ippCommon(doubles[k].forward, doubles[k].reverse) >= 2
			}
			doubles[k].took = time.Since(t0)
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	ph := w.phases[w.phase]
	if ph == nil {
		ph = &ippPhase{}
		w.phases[w.phase] = ph
	}
	ph.samples++
	w.total++
	for _, a := range publicIPs {
		ph.maxHolders = max(ph.maxHolders, len(fwd[a]))
		w.track(a, fwd[a], t0)
	}
	for _, d := range doubles {
		d.phase = w.phase
		w.doubles = append(w.doubles, d)
	}
}

// track updates the unhosted intervals of a with one sample. Callers hold w.mu.
func (w *ippWatch) track(a netip.Addr, nodes []int, at time.Time) {
	s := w.seen[a]
	if s == nil {
		if len(nodes) == 0 {
			return // not hosted since the watch began: no known holder yet
		}
		w.seen[a] = &ippSeen{node: nodes[0], lastHeld: at}
		return
	}
	if len(nodes) == 0 {
		if s.firstNone.IsZero() {
			s.firstNone, s.phase = at, w.phase
		}
		s.lastNone = at
		return
	}
	switch {
	case !s.firstNone.IsZero():
		w.gaps = append(w.gaps, ippGap{addr: a, phase: s.phase, lastHeld: s.lastHeld, to: at,
			firstNone: s.firstNone, lastNone: s.lastNone, fromNode: s.node, toNode: nodes[0]})
		s.firstNone, s.lastNone = time.Time{}, time.Time{}
	case !slices.Contains(nodes, s.node):
		// Moved between two samples, never seen on no node.
		w.gaps = append(w.gaps, ippGap{addr: a, phase: w.phase, lastHeld: s.lastHeld, to: at,
			fromNode: s.node, toNode: nodes[0]})
	}
	s.node, s.lastHeld = nodes[0], at
}

func ippCommon(a, b []int) int {
	n := 0
	for _, x := range a {
		if slices.Contains(b, x) {
			n++
		}
	}
	return n
}

func (w *ippWatch) phaseStats(p string) ippPhase {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ph := w.phases[p]; ph != nil {
		return *ph
	}
	return ippPhase{}
}

func (w *ippWatch) doubleCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.doubles)
}

// gapsIn returns the unhosted intervals that began in phase p.
func (w *ippWatch) gapsIn(p string) []ippGap {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []ippGap
	for _, g := range w.gaps {
		if g.phase == p {
			out = append(out, g)
		}
	}
	return out
}

func ippGapOf(gaps []ippGap, a netip.Addr) (ippGap, bool) {
	for _, g := range gaps {
		if g.addr == a {
			return g, true
		}
	}
	return ippGap{}, false
}

// reportDoubles fails the test for every address seen on two nodes since
// its last call: one error per episode (the same address on the same
// nodes in consecutive samples), then the involved nodes' logs over the
// episodes. Unconfirmed doubles are logged as suspects.
func (w *ippWatch) reportDoubles(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	ds := slices.Clone(w.doubles[w.reported:])
	w.reported = len(w.doubles)
	w.mu.Unlock()
	var eps []ippEpisode
	for _, d := range ds {
		if !d.confirmed {
			t.Logf("SUSPECT (not confirmed by the re-read) %s: %s at %s on nodes %v, re-read in reverse order %v (%.1f ms for both reads)",
				d.phase, d.addr, d.at.Format("15:04:05.000"), d.forward, d.reverse, float64(d.took.Microseconds())/1000)
			continue
		}
		eps = ippAddToEpisodes(eps, d, w.every)
	}
	if len(eps) == 0 {
		return
	}
	first, last := eps[0].first.at, eps[0].last
	nodes := map[int]bool{}
	for _, e := range eps {
		t.Errorf("ADDRESS ON TWO NODES in %s: %s on nodes %v in %d samples from %s to %s (re-read in reverse order: %v)",
			e.first.phase, e.first.addr, e.first.forward, e.samples, e.first.at.Format("15:04:05.000"),
			e.last.Format("15:04:05.000"), e.first.reverse)
		first, last = ippMinTime(first, e.first.at), ippMaxTime(last, e.last)
		for _, i := range e.first.forward {
			nodes[i] = true
		}
	}
	for i := range w.ic.hosts {
		if nodes[i] {
			t.Logf("node %d log from %s to %s (public addresses, leadership, lock, recovery):\n%s", i,
				first.Add(-6*time.Second).Format("15:04:05"), last.Add(3*time.Second).Format("15:04:05"),
				ippLogAround(w.ic.Cluster, i, first.Add(-6*time.Second), last.Add(3*time.Second)))
		}
	}
}

// ippEpisode is one address on the same nodes in consecutive samples.
type ippEpisode struct {
	first   ippDouble
	last    time.Time
	samples int
}

// ippAddToEpisodes extends the episode d continues (same address and
// nodes, at most two sample periods later), or starts one.
func ippAddToEpisodes(eps []ippEpisode, d ippDouble, every time.Duration) []ippEpisode {
	for k := range eps {
		e := &eps[k]
		if e.first.addr == d.addr && slices.Equal(e.first.forward, d.forward) && d.at.Sub(e.last) <= 2*every {
			e.last = d.at
			e.samples++
			return eps
		}
	}
	return append(eps, ippEpisode{first: d, last: d.at, samples: 1})
}

func ippMinTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func ippMaxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// final checks what the whole run saw: read errors, and doubles (a
// summary; reportDoubles gave the details).
func (w *ippWatch) final(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	samples := 0
	for _, ph := range w.phases {
		samples += ph.samples
	}
	confirmed, suspects := 0, 0
	for _, d := range w.doubles {
		if d.confirmed {
			confirmed++
		} else {
			suspects++
		}
	}
	t.Logf("%d samples in all; samples with an address on two nodes: %d confirmed, %d unconfirmed; %d failed reads",
		samples, confirmed, suspects, len(w.readErr))
	if len(w.readErr) > 0 {
		t.Errorf("reading the nodes' addresses failed %d times, first: %s", len(w.readErr), w.readErr[0])
	}
	if confirmed > 0 {
		t.Errorf("%d samples had an address on two nodes (details above)", confirmed)
	}
}

// ippKeepLogs arranges, for when the test ends but before the nodes are
// stopped, to log the end of every node's log if the test failed (repeated
// lines collapsed), and to copy the whole logs into $CTDB_IP_PARTITION_LOGDIR
// if that is set.
func ippKeepLogs(t *testing.T, c *localcluster.Cluster) {
	t.Cleanup(func() {
		dir := os.Getenv("CTDB_IP_PARTITION_LOGDIR")
		if t.Failed() {
			for i := 0; i < c.Nodes; i++ {
				t.Logf("node %d log before shutdown (end, repeats collapsed):\n%s", i, ippCollapse(c.Log(i), 80))
			}
		}
		if dir != "" {
			if err := harness.KeepLogs(dir, t.Name()+".", c.Nodes, c.Log); err != nil {
				t.Error(err)
			}
		}
	})
}

// ippCollapse returns the last n lines of log, runs of lines that differ
// only in their timestamp counted as one.
func ippCollapse(log string, n int) string {
	var out []string
	prev, reps := "", 0
	flush := func() {
		if reps > 0 {
			out = append(out, fmt.Sprintf("    (and %d more like it)", reps))
		}
		reps = 0
	}
	for _, l := range strings.Split(strings.TrimRight(log, "\n"), "\n") {
		_, body, _ := strings.Cut(l, " ")
		if body == prev {
			reps++
			continue
		}
		flush()
		prev = body
		out = append(out, l)
	}
	flush()
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return strings.Join(out, "\n")
}

// ippLogAround returns node i's log lines between from and to about
// public addresses, leadership, the cluster lock and recovery, repeats
// collapsed.
func ippLogAround(c *localcluster.Cluster, i int, from, to time.Time) string {
	var out []string
	for _, l := range strings.Split(c.Log(i), "\n") {
		stamp, _, _ := strings.Cut(l, " ")
		at, err := time.Parse(time.RFC3339Nano, stamp)
		if err != nil || at.Before(from) || at.After(to) {
			continue
		}
		low := strings.ToLower(l)
		for _, k := range []string{"public address", "leader", "lock", "election", "recovery", "disconnect", "bann"} {
			if strings.Contains(low, k) {
				out = append(out, l)
				break
			}
		}
	}
	return ippCollapse(strings.Join(out, "\n"), 60)
}
