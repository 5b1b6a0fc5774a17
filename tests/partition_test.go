package tests

import (
	"fmt"
	"io"
	"math/rand"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/tests/harness"
	"github.com/ctdb-go/ctdb/tests/harness/suite"
	"github.com/ctdb-go/ctdb/tests/netns"
	"golang.org/x/sys/unix"
)

// Parameters of TestPartitionsNeverTwoLeaders. The issue asks for 20 rounds;
// CTDB_PARTITION_ROUNDS overrides the count, CTDB_PARTITION_SEED the random
// seed (printed by every run, so a failing sequence can be replayed), and a
// non-empty CTDB_PARTITION_VERBOSE logs every state change seen. With
// go test -short the default is shortPartitionRounds.
const (
	partitionNodes         = 3
	defaultPartitionRounds = 20
	shortPartitionRounds   = 3 // with go test -short
	keepaliveInterval      = 1 // seconds
	keepaliveLimit         = 3
	partitionMinHold       = 3 * time.Second
	partitionMaxHold       = 8 * time.Second
	partitionSampleEvery   = 200 * time.Millisecond
	partitionConverge      = 15 * time.Second
	// partitionSettle is how long sampling goes on after convergence, to
	// catch a leader flapping right after the cluster looked settled.
	partitionSettle = time.Second
	// lockMismatchGrace bounds how long a node may go on claiming to lead
	// while another process (or none) holds the lock: one sample cannot be
	// atomic, and a leader that lost its lock steps down on its next pass.
	lockMismatchGrace = time.Second
	// partitionMustSee: a partition held this long must have been seen by
	// every node (KeepaliveInterval x KeepaliveLimit = 3 s, plus slack).
	partitionMustSee = 6 * time.Second
)

// The lock holder as seen by F_GETLK.
const (
	holderNone    = -1 // nobody holds the lock
	holderForeign = -2 // a process that belongs to no node of this cluster
	holderError   = -3 // F_GETLK failed
)

type partitionKind int

const (
	isolateOne partitionKind = iota
	isolateLeader
	splitGroups
)

func (k partitionKind) String() string {
	return [...]string{"isolate-one", "isolate-leader", "split"}[k]
}

// TestPartitionsNeverTwoLeaders runs ctdbd nodes in network namespaces,
// cuts the network between them at random and heals it, and checks at
// every sample that no two nodes lead at once and that after every heal
// the cluster agrees again on one leader and one generation.
func TestPartitionsNeverTwoLeaders(t *testing.T) {
	t.Parallel() // independent: own namespaces, temp dirs and ports (see README, Tests)
	if err := netns.Check(); err != nil {
		harness.SkipSuite(t, suite.Netns, err.Error())
	}
	defRounds := defaultPartitionRounds
	if testing.Short() {
		defRounds = shortPartitionRounds
	}
	rounds := envInt(t, "CTDB_PARTITION_ROUNDS", defRounds)
	seed := int64(envInt(t, "CTDB_PARTITION_SEED", int(time.Now().UnixNano()%1e9)))
	t.Logf("%d nodes, %d rounds, seed %d (CTDB_PARTITION_SEED=%d replays it)", partitionNodes, rounds, seed, seed)
	rng := rand.New(rand.NewSource(seed))
	verbose := os.Getenv("CTDB_PARTITION_VERBOSE") != ""

	// The namespaces' cleanup is registered first, so it runs after the
	// cluster's: the nodes are shut down while their network still exists.
	nw := netns.New(t, partitionNodes)
	hosts := nw.Hosts()
	addrs := make([]string, len(hosts))
	for i, h := range hosts {
		addrs[i] = h.Addr.String()
	}
	c := cluster(t, localcluster.Options{
		Nodes:   partitionNodes,
		Addrs:   addrs,
		Scripts: []string{"00.ctdb"},
		Tunables: map[string]uint32{
			"KeepaliveInterval": keepaliveInterval, "KeepaliveLimit": keepaliveLimit, "MonitorInterval": 5,
		},
		Wrap: func(i int, argv []string) []string {
			return hosts[i].Command(argv[0], argv[1:]...).Args
		},
	})
	// Registered after cluster(): runs before the nodes are stopped, so
	// the tails show the failure, not the shutdown.
	t.Cleanup(func() {
		if t.Failed() {
			for i := 0; i < c.Nodes; i++ {
				t.Logf("node %d log before shutdown (tail):\n%s", i, tail(c.Log(i), 40))
			}
		}
	})
	for i := 0; i < c.Nodes; i++ {
		start(t, c, i)
	}
	p := &partitionProbe{c: c, lockFile: c.Reclock}
	first := p.waitConverged(t, time.Now(), 60*time.Second)
	if first.err != "" {
		t.Fatalf("the cluster never settled after start: %s", first.err)
	}
	t.Logf("settled after start in %v: leader %d, generation %s", first.took.Round(time.Millisecond), first.leader, first.gen)
	if len(first.anomalies) > 0 {
		t.Errorf("leadership anomalies at start:\n  %s\nstates:\n  %s",
			strings.Join(first.anomalies, "\n  "), strings.Join(first.states, "\n  "))
	}

	leader := first.leader
	var convTimes []time.Duration
	for r := 1; r <= rounds; r++ {
		kind := partitionKind((r - 1) % 3)
		hold := partitionMinHold + time.Duration(rng.Int63n(int64(partitionMaxHold-partitionMinHold)))
		desc, groups := planPartition(rng, kind, leader, partitionNodes)
		if err := nw.Partition(groups...); err != nil {
			t.Fatalf("round %d: %v", r, err)
		}
		during := p.watch(t, time.Now().Add(hold), cutPeers(groups, partitionNodes))
		if err := nw.Heal(); err != nil {
			t.Fatalf("round %d: heal: %v", r, err)
		}
		conv := p.waitConverged(t, time.Now(), partitionConverge)
		after := p.watch(t, time.Now().Add(partitionSettle), nil)
		anomalies := append(append(during.anomalies, conv.anomalies...), after.anomalies...)
		outcome := fmt.Sprintf("converged in %v -> leader %d gen %s", conv.took.Round(time.Millisecond), conv.leader, conv.gen)
		if conv.err != "" {
			outcome = fmt.Sprintf("NOT converged in %v", partitionConverge)
		}
		t.Logf("round %2d: %-14s %-14s held %v (%d samples, cut seen %s), %s (%d samples after heal); anomalies: %s",
			r, kind, desc, hold.Round(time.Millisecond), during.samples, partSeenString(during.seen), outcome,
			conv.samples+after.samples, partCount(anomalies))
		if verbose {
			t.Logf("states during the partition:\n  %s\nstates after the heal:\n  %s",
				strings.Join(during.states, "\n  "), strings.Join(append(conv.states, after.states...), "\n  "))
		}
		if during.seen < 0 && hold >= partitionMustSee {
			t.Errorf("round %d (%s %s): held %v, but the nodes never all saw the cut (keepalive limit %v); the partition did not take effect?\nstates:\n  %s",
				r, kind, desc, hold.Round(time.Millisecond), keepaliveInterval*keepaliveLimit*time.Second, strings.Join(during.states, "\n  "))
		}
		if len(anomalies) > 0 {
			t.Errorf("round %d (%s %s): leadership anomalies:\n  %s\nstates during the partition:\n  %s\nstates after the heal:\n  %s",
				r, kind, desc, strings.Join(anomalies, "\n  "), strings.Join(during.states, "\n  "),
				strings.Join(append(conv.states, after.states...), "\n  "))
		}
		if conv.err != "" {
			t.Fatalf("round %d (%s %s): no convergence %v after the heal: %s\nstates during the partition:\n  %s\nstates after the heal:\n  %s",
				r, kind, desc, partitionConverge, conv.err, strings.Join(during.states, "\n  "), strings.Join(conv.states, "\n  "))
		}
		convTimes = append(convTimes, conv.took)
		leader = conv.leader
	}
	t.Logf("convergence after heal: %s", harness.Summary(convTimes))
}

// planPartition picks the hosts to cut off for one round and returns a
// description and the groups for Net.Partition (each group is one island).
func planPartition(rng *rand.Rand, kind partitionKind, leader, n int) (string, [][]int) {
	switch kind {
	case isolateLeader:
		return fmt.Sprintf("node %d (leader)", leader), [][]int{{leader}, partOthers(n, leader)}
	case isolateOne:
		k := rng.Intn(n - 1)
		if k >= leader {
			k++
		}
		return fmt.Sprintf("node %d", k), [][]int{{k}, partOthers(n, k)}
	}
	perm := rng.Perm(n)
	// Cut the shuffled nodes at random points into at least two groups.
	var groups [][]int
	cur := []int{perm[0]}
	for _, x := range perm[1:] {
		if rng.Intn(2) == 0 || len(groups) == 0 && len(cur) == n-1 {
			groups = append(groups, cur)
			cur = nil
		}
		cur = append(cur, x)
	}
	groups = append(groups, cur)
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = strings.Trim(fmt.Sprint(g), "[]")
	}
	return "{" + strings.Join(parts, "}|{") + "}", groups
}

func partOthers(n, except int) []int {
	var out []int
	for i := 0; i < n; i++ {
		if i != except {
			out = append(out, i)
		}
	}
	return out
}

// partNodeView is what one node says in `ctdb status`.
type partNodeView struct {
	err    string // the tool failed
	leader int    // -1 for UNKNOWN
	gen    string // "INVALID" or the number
	normal bool   // recovery mode NORMAL
	cut    []int  // the peers this node sees DISCONNECTED
}

func (v partNodeView) String() string {
	if v.err != "" {
		return "ERR"
	}
	l := "U"
	if v.leader >= 0 {
		l = strconv.Itoa(v.leader)
	}
	mode := ""
	if !v.normal {
		mode = "/REC"
	}
	cut := ""
	if len(v.cut) > 0 {
		cut = fmt.Sprintf(" cut%v", v.cut)
	}
	return fmt.Sprintf("L%s g%s%s%s", l, v.gen, mode, cut)
}

// partView is the part of a node's status the partition checks use.
func partView(st harness.Status) partNodeView {
	v := partNodeView{leader: st.Leader, gen: "INVALID", normal: st.Normal}
	if st.Generation != 1 {
		v.gen = strconv.FormatUint(uint64(st.Generation), 10)
	}
	for pnn := range len(st.Flags) {
		if strings.Contains(st.Flags[pnn], "DISCONNECTED") {
			v.cut = append(v.cut, pnn)
		}
	}
	return v
}

// partSample is one look at every node and at the lock.
type partSample struct {
	at      time.Time
	views   []partNodeView
	holders [2]int // lock holder node before and after the views were taken
	healthy []bool // `ctdb nodestatus all` exited 0, per node (when asked)
}

func (s partSample) String() string {
	parts := make([]string, len(s.views))
	for i, v := range s.views {
		parts[i] = fmt.Sprintf("n%d[%s]", i, v)
	}
	st := fmt.Sprintf("%s lock=%s", strings.Join(parts, " "), partHolderString(s.holders[0]))
	if s.holders[1] != s.holders[0] {
		st += "->" + partHolderString(s.holders[1])
	}
	if s.healthy != nil {
		st += fmt.Sprintf(" healthy=%v", s.healthy)
	}
	return st
}

func partHolderString(h int) string {
	switch h {
	case holderNone:
		return "none"
	case holderForeign:
		return "foreign"
	case holderError:
		return "error"
	}
	return strconv.Itoa(h)
}

// selfLeaders lists the nodes that say, in their own status, that they lead.
func (s partSample) selfLeaders() []int {
	var out []int
	for i, v := range s.views {
		if v.err == "" && v.leader == i {
			out = append(out, i)
		}
	}
	return out
}

// twoLeaders reports two nodes that both claim to lead in one generation.
func (s partSample) twoLeaders() string {
	self := s.selfLeaders()
	for a := 0; a < len(self); a++ {
		for b := a + 1; b < len(self); b++ {
			if s.views[self[a]].gen == s.views[self[b]].gen {
				return fmt.Sprintf("nodes %d and %d both lead in generation %s", self[a], self[b], s.views[self[a]].gen)
			}
		}
	}
	return ""
}

// lockMismatch reports the self-declared leaders that did not hold the lock
// at either end of the sample, and a lock held by a stranger.
func (s partSample) lockMismatch() []int {
	var out []int
	for _, i := range s.selfLeaders() {
		if s.holders[0] != i && s.holders[1] != i {
			out = append(out, i)
		}
	}
	return out
}

// converged says why the cluster is not settled, or "" when every node
// agrees on one leader holding the lock, one valid generation, NORMAL mode,
// and all nodes OK.
func (s partSample) converged() string {
	l := s.views[0].leader
	for i, v := range s.views {
		switch {
		case v.err != "":
			return fmt.Sprintf("node %d: %s", i, v.err)
		case v.leader < 0 || v.leader != l:
			return "leaders differ or unknown"
		case v.gen == "INVALID" || v.gen != s.views[0].gen:
			return "generations differ or invalid"
		case !v.normal:
			return fmt.Sprintf("node %d in recovery", i)
		case s.healthy != nil && !s.healthy[i]:
			return fmt.Sprintf("node %d: nodestatus all not OK", i)
		}
	}
	if s.holders[0] != l || s.holders[1] != l {
		return fmt.Sprintf("leader %d does not hold the lock", l)
	}
	return ""
}

// partitionProbe samples a cluster from the test process: the ctdb tool
// reaches each node over its unix socket, whatever its network namespace.
type partitionProbe struct {
	c        *localcluster.Cluster
	lockFile string
}

func (p *partitionProbe) sample(withHealth bool) partSample {
	n := p.c.Nodes
	s := partSample{at: time.Now(), views: make([]partNodeView, n)}
	if withHealth {
		s.healthy = make([]bool, n)
	}
	s.holders[0] = p.lockHolder()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if st, err := harness.ReadStatus(p.c.Socket(i), 5*time.Second); err != nil {
				s.views[i] = partNodeView{leader: -1, err: err.Error()}
			} else {
				s.views[i] = partView(st)
			}
			if withHealth {
				_, _, code := p.c.Ctdb(i, "nodestatus", "all")
				s.healthy[i] = code == 0
			}
		}(i)
	}
	wg.Wait()
	s.holders[1] = p.lockHolder()
	return s
}

// lockHolder returns the node whose process holds byte 0 of the lock file.
// F_GETLK takes no lock, and the test never locks this file, so closing
// the descriptor cannot drop anyone's lock.
func (p *partitionProbe) lockHolder() int {
	f, err := os.Open(p.lockFile)
	if os.IsNotExist(err) {
		return holderNone
	}
	if err != nil {
		return holderError
	}
	defer f.Close()
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart, Start: 0, Len: 1}
	if err := unix.FcntlFlock(f.Fd(), unix.F_GETLK, &lk); err != nil {
		return holderError
	}
	if lk.Type == unix.F_UNLCK {
		return holderNone
	}
	return p.nodeOf(int(lk.Pid))
}

// nodeOf maps a pid to the node whose CTDB_BASE its environment carries.
func (p *partitionProbe) nodeOf(pid int) int {
	env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		return holderForeign
	}
	for _, kv := range strings.Split(string(env), "\x00") {
		if base, ok := strings.CutPrefix(kv, "CTDB_BASE="); ok {
			for i := 0; i < p.c.Nodes; i++ {
				if base == p.c.ConfigDir(i) {
					return i
				}
			}
		}
	}
	return holderForeign
}

// partWatch is what sampling over a period found.
type partWatch struct {
	samples   int
	anomalies []string
	states    []string // the distinct states seen, with their time offset
	// seen is when every node first saw exactly the peers outside its
	// group DISCONNECTED (watch with a plan only); -1 if never.
	seen time.Duration
	// Set by waitConverged:
	took   time.Duration
	leader int
	gen    string
	err    string
}

// partObserver checks samples one after the other; it keeps how long each node
// has been claiming leadership without the lock.
type partObserver struct {
	start      time.Time
	res        partWatch
	lastState  string
	mismatchAt map[int]time.Time
	reported   map[string]bool
}

func newPartObserver(start time.Time) *partObserver {
	return &partObserver{start: start, mismatchAt: map[int]time.Time{}, reported: map[string]bool{}}
}

func (o *partObserver) add(s partSample) {
	o.res.samples++
	off := s.at.Sub(o.start).Round(time.Millisecond)
	if st := s.String(); st != o.lastState {
		o.res.states = append(o.res.states, fmt.Sprintf("+%v %s", off, st))
		o.lastState = st
	}
	if msg := s.twoLeaders(); msg != "" {
		o.anomaly("two", fmt.Sprintf("+%v TWO LEADERS: %s: %s", off, msg, s))
	}
	if s.holders[0] == holderForeign || s.holders[0] == holderError {
		o.anomaly("holder", fmt.Sprintf("+%v lock holder is %s: %s", off, partHolderString(s.holders[0]), s))
	}
	bad := map[int]bool{}
	for _, i := range s.lockMismatch() {
		bad[i] = true
		since, ok := o.mismatchAt[i]
		if !ok {
			o.mismatchAt[i] = s.at
			continue
		}
		if s.at.Sub(since) > lockMismatchGrace {
			o.anomaly(fmt.Sprint("nolock", i), fmt.Sprintf("+%v node %d has claimed to lead for %v without holding the lock: %s",
				off, i, s.at.Sub(since).Round(time.Millisecond), s))
		}
	}
	for i := range o.mismatchAt {
		if !bad[i] {
			delete(o.mismatchAt, i)
		}
	}
}

// anomaly records the first msg of each kind, so a lasting fault does not
// flood the report (the states list shows how long it lasted).
func (o *partObserver) anomaly(kind, msg string) {
	if o.reported[kind] {
		return
	}
	o.reported[kind] = true
	o.res.anomalies = append(o.res.anomalies, msg)
}

// watch samples until the deadline, checking every sample. wantCut, if
// not nil, is the peers each node should come to see DISCONNECTED.
func (p *partitionProbe) watch(t *testing.T, until time.Time, wantCut [][]int) partWatch {
	t.Helper()
	o := newPartObserver(time.Now())
	o.res.seen = -1
	tick := time.NewTicker(partitionSampleEvery)
	defer tick.Stop()
	for ; time.Now().Before(until); <-tick.C {
		s := p.sample(false)
		o.add(s)
		if wantCut != nil && o.res.seen < 0 && s.sees(wantCut) {
			o.res.seen = s.at.Sub(o.start)
		}
	}
	return o.res
}

// sees reports whether every node sees exactly wantCut[i] DISCONNECTED.
func (s partSample) sees(wantCut [][]int) bool {
	for i, v := range s.views {
		if v.err != "" || !slices.Equal(v.cut, wantCut[i]) {
			return false
		}
	}
	return true
}

// cutPeers lists, for every node, the nodes outside its group.
func cutPeers(groups [][]int, n int) [][]int {
	group := make([]int, n)
	for g, members := range groups {
		for _, m := range members {
			group[m] = g
		}
	}
	out := make([][]int, n)
	for i := range out {
		for j := 0; j < n; j++ {
			if group[j] != group[i] {
				out[i] = append(out[i], j)
			}
		}
	}
	return out
}

// waitConverged samples from since until the cluster has converged (see
// partSample.converged) or timeout has passed; res.err says why not.
func (p *partitionProbe) waitConverged(t *testing.T, since time.Time, timeout time.Duration) partWatch {
	t.Helper()
	o := newPartObserver(since)
	deadline := since.Add(timeout)
	why := ""
	tick := time.NewTicker(partitionSampleEvery)
	defer tick.Stop()
	for ; time.Now().Before(deadline); <-tick.C {
		s := p.sample(true)
		o.add(s)
		if why = s.converged(); why == "" {
			o.res.took, o.res.leader, o.res.gen = s.at.Sub(since), s.views[0].leader, s.views[0].gen
			return o.res
		}
	}
	o.res.err = why
	o.res.took = timeout
	return o.res
}

func partSeenString(d time.Duration) string {
	if d < 0 {
		return "never"
	}
	return "at +" + d.Round(time.Millisecond).String()
}

func partCount(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return fmt.Sprintf("%d (below)", len(list))
}

// TestPartitionSampleChecks shows the checks of TestPartitionsNeverTwoLeaders
// can fail: it feeds them hand-made samples (no processes).
func TestPartitionSampleChecks(t *testing.T) {
	v := func(leader int, gen string) partNodeView { return partNodeView{leader: leader, gen: gen, normal: true} }
	at := time.Unix(1000, 0)
	mk := func(dt time.Duration, lock int, views ...partNodeView) partSample {
		return partSample{at: at.Add(dt), views: views, holders: [2]int{lock, lock}, healthy: []bool{true, true, true}}
	}
	settled := mk(0, 0, v(0, "7"), v(0, "7"), v(0, "7"))
	if why := settled.converged(); why != "" || settled.twoLeaders() != "" || len(settled.lockMismatch()) != 0 {
		t.Fatalf("settled sample flagged: %q %q %v", why, settled.twoLeaders(), settled.lockMismatch())
	}
	two := mk(0, 0, v(0, "7"), v(1, "7"), v(-1, "7"))
	if two.twoLeaders() == "" {
		t.Errorf("two self-declared leaders in one generation not caught: %s", two)
	}
	if msg := mk(0, 0, v(0, "7"), v(1, "8"), v(-1, "7")).twoLeaders(); msg != "" {
		t.Errorf("leaders in different generations reported as same-generation: %s", msg)
	}
	for _, s := range []partSample{
		mk(0, 1, v(0, "7"), v(0, "7"), v(0, "7")),  // leader without the lock
		mk(0, 0, v(0, "7"), v(0, "8"), v(0, "7")),  // generations differ
		mk(0, 0, v(0, "7"), v(-1, "7"), v(0, "7")), // a node knows no leader
		mk(0, 0, v(0, "INVALID"), v(0, "INVALID"), v(0, "INVALID")),
	} {
		if s.converged() == "" {
			t.Errorf("not settled, but converged: %s", s)
		}
	}
	unhealthy := settled
	unhealthy.healthy = []bool{true, false, true}
	if unhealthy.converged() == "" {
		t.Errorf("unhealthy node not caught")
	}

	// A node leading without the lock is tolerated for lockMismatchGrace.
	o := newPartObserver(at)
	for dt := time.Duration(0); dt <= lockMismatchGrace+400*time.Millisecond; dt += partitionSampleEvery {
		o.add(mk(dt, 0, v(0, "7"), v(1, "8"), v(-1, "7")))
	}
	if len(o.res.anomalies) != 1 || !strings.Contains(o.res.anomalies[0], "node 1 has claimed to lead") {
		t.Errorf("lasting lock mismatch: anomalies %q", o.res.anomalies)
	}
	o = newPartObserver(at)
	o.add(mk(0, 0, v(0, "7"), v(1, "8"), v(-1, "7")))
	o.add(mk(partitionSampleEvery, 1, v(-1, "7"), v(1, "8"), v(1, "7")))
	if len(o.res.anomalies) != 0 {
		t.Errorf("a hand-over within one sample reported: %q", o.res.anomalies)
	}

	st := partView(harness.Status{Flags: map[int]string{0: "OK", 1: "DISCONNECTED|INACTIVE", 2: "OK"}, Generation: 1, Leader: -1})
	if st.err != "" || st.leader != -1 || st.gen != "INVALID" || st.normal || !slices.Equal(st.cut, []int{1}) {
		t.Errorf("partView: %+v", st)
	}
	if got := cutPeers([][]int{{2}, {0, 1}}, 3); fmt.Sprint(got) != "[[2] [2] [0 1]]" {
		t.Errorf("cutPeers: %v", got)
	}
	rng := rand.New(rand.NewSource(1))
	for range 50 {
		_, groups := planPartition(rng, splitGroups, 0, partitionNodes)
		if len(groups) < 2 {
			t.Fatalf("split into %v: fewer than two groups", groups)
		}
		if _, g := planPartition(rng, isolateOne, 1, partitionNodes); g[0][0] == 1 {
			t.Fatalf("isolate-one isolated the leader: %v", g)
		}
	}
}
