package tests

import (
	"fmt"
	"math/rand"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/netns"
)

// The partition schedules of TestEtcdLockPartitions. The lock service is
// partitioned along with the nodes.
type etcdCut int

const (
	cutLeaderWithMember etcdCut = iota // the leader and one etcd member | the rest
	cutSplitBoth                       // node A with member A | the other two with theirs
	cutNodeFromEtcd                    // one node loses every etcd member, keeps its peers
	cutEtcdQuorum                      // the members apart from each other; nodes together
)

func (k etcdCut) String() string {
	return [...]string{"leader+member|rest", "split-1|2-with-etcd", "node-cut-from-etcd", "etcd-quorum-cut"}[k]
}

// Bounds of TestEtcdLockPartitions (KeepaliveInterval 1, KeepaliveLimit 3,
// lease TTL 3 s).
const (
	etcdPartHoldMin  = 4 * time.Second
	etcdPartHoldMax  = 5500 * time.Millisecond
	etcdPartConverge = 8 * time.Second // one leader, agreed by all, after a heal
)

// TestEtcdLockPartitions runs 3 nodes with the etcd lock, nodes and etcd
// members in namespaces of their own, and applies random schedules that
// cut the lock service too. Sampling every 200 ms: never two nodes acting
// as leader (a node acts as leader when its own ctdbd names itself), never
// an address on two nodes, and one agreed leader again within
// etcdPartConverge of each heal. CTDB_ETCD_PARTITION_ROUNDS sets the number
// of schedules (default 4; the full run is 10),
// CTDB_ETCD_PARTITION_SEED replays one.
func TestEtcdLockPartitions(t *testing.T) {
	if err := netns.Check(); err != nil {
		t.Skipf("skipping: network namespaces unavailable: %v", err)
	}
	rounds, rng := lockPartitionSchedule(t, "CTDB_ETCD_PARTITION")

	ec := newEtcdIPCluster(t, 3)
	c := ec.Cluster
	startAll(t, c)
	ec.waitBalanced(t)
	leader, _ := waitOneLeader(t, c, 20*time.Second)
	var convs []time.Duration
	for r := 1; r <= rounds; r++ {
		kind := etcdCut(rng.Intn(4))
		if r <= 4 {
			kind = etcdCut(r - 1) // every kind at least once
		}
		hold := etcdPartHoldMin + time.Duration(rng.Int63n(int64(etcdPartHoldMax-etcdPartHoldMin)))
		var cl *clientProbe
		if kind == cutEtcdQuorum {
			cl = probeClient(ec.ipCluster, publicIPs[0])
		}
		desc, undo := ec.applyCut(t, rng, kind, leader)
		t.Logf("round %d: %s: %s for %v", r, kind, desc, hold.Round(time.Millisecond))
		cut := time.Now()
		s := ec.sampleLeaders(t, cut, hold)
		if kind == cutEtcdQuorum {
			t.Logf("round %d: with etcd's quorum cut: leader gone after %v, every address released after %v (client outage from then until the heal)",
				r, fmtDur(s.noLeaderAt), fmtDur(s.noAddrAt))
		}
		undo()
		healed := time.Now()
		if cl != nil {
			ec.waitServed(t, 15*time.Second)
			first, last := cl.halt()
			t.Logf("round %d: client of %s: no answer from %v after the cut to %v after the heal (etcd down %v, client outage %v)",
				r, publicIPs[0], fmtDur(first.Sub(cut)), fmtDur(last.Sub(healed)), healed.Sub(cut).Round(time.Millisecond),
				last.Sub(first).Round(time.Millisecond))
		}
		leader, _ = waitOneLeader(t, c, etcdPartConverge)
		conv := time.Since(healed)
		convs = append(convs, conv)
		ec.waitServed(t, 10*time.Second)
		t.Logf("round %d: one leader (%d) %v after the heal, addresses all served %v after it", r, leader,
			conv.Round(time.Millisecond), time.Since(healed).Round(time.Millisecond))
	}
	t.Logf("convergence after heals: %v", convs)

}

// lockPartitionSchedule reads the number of rounds (default 4) and the
// random seed of a lock partition test from <prefix>_ROUNDS and
// <prefix>_SEED, and logs how to replay the seed.
func lockPartitionSchedule(t *testing.T, prefix string) (int, *rand.Rand) {
	t.Helper()
	rounds := envInt(t, prefix+"_ROUNDS", 4)
	seed := int64(envInt(t, prefix+"_SEED", int(time.Now().UnixNano()%1e9)))
	t.Logf("%d rounds, seed %d (%s_SEED=%d replays it)", rounds, seed, prefix, seed)
	return rounds, rand.New(rand.NewSource(seed))
}

func fmtDur(d time.Duration) string {
	if d < 0 {
		return "never"
	}
	return d.Round(time.Millisecond).String()
}

// clientProbe connects to one public address from the client host every
// 100 ms and records when it stopped and started answering.
type clientProbe struct {
	stop chan struct{}
	done chan struct{}
	// firstFail is the first failed attempt; lastFail the last one.
	firstFail, lastFail time.Time
}

func probeClient(ic *ipCluster, a netip.Addr) *clientProbe {
	p := &clientProbe{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for {
			at := time.Now()
			if _, err := ic.reach(a, 200*time.Millisecond); err != nil {
				if p.firstFail.IsZero() {
					p.firstFail = at
				}
				p.lastFail = time.Now()
			}
			select {
			case <-p.stop:
				return
			case <-time.After(time.Until(at.Add(100 * time.Millisecond))):
			}
		}
	}()
	return p
}

// halt stops the probe (after the address answers again, which the
// caller waited for) and returns the outage window; zero times if the
// address never failed.
func (p *clientProbe) halt() (first, last time.Time) {
	close(p.stop)
	<-p.done
	return p.firstFail, p.lastFail
}

// applyCut applies one schedule and returns its description and the heal.
func (ec *etcdIPCluster) applyCut(t *testing.T, rng *rand.Rand, kind etcdCut, leader int) (string, func()) {
	t.Helper()
	heal := func() {
		if err := ec.net.Heal(); err != nil {
			t.Fatal(err)
		}
	}
	var groups [][]int
	var desc string
	switch kind {
	case cutLeaderWithMember:
		m := rng.Intn(3)
		groups = [][]int{{leader, ec.etcdHosts[m]}}
		desc = fmt.Sprintf("node %d with etcd member %d", leader, m)
	case cutSplitBoth:
		a := rng.Intn(3)
		groups = [][]int{{a, ec.etcdHosts[a]}}
		desc = fmt.Sprintf("node %d with etcd member %d | the rest", a, a)
	case cutNodeFromEtcd:
		x := leader
		if rng.Intn(2) == 0 {
			x = without(seq(3), leader)[rng.Intn(2)]
		}
		h := ec.hosts[x]
		for _, e := range ec.etcd.hosts {
			h.Run(t, "ip", "route", "add", "blackhole", e.Addr.String()+"/32")
		}
		return fmt.Sprintf("node %d cut from every etcd member (leader %d)", x, leader), func() {
			for _, e := range ec.etcd.hosts {
				h.Run(t, "ip", "route", "del", "blackhole", e.Addr.String()+"/32")
			}
		}
	case cutEtcdQuorum:
		groups = [][]int{{ec.etcdHosts[1]}, {ec.etcdHosts[2]}}
		desc = "etcd members 1 and 2 each alone; nodes with member 0"
	}
	if err := ec.net.Partition(groups...); err != nil {
		t.Fatal(err)
	}
	return desc, heal
}

// leaderSamples is what sampleLeaders saw, as offsets from the cut: when
// no node acted as leader any more, and when no node held any address
// (-1: not seen).
type leaderSamples struct {
	noLeaderAt, noAddrAt time.Duration
}

// sampleLeaders samples every 200 ms until cut+hold: at most one node acts
// as leader, and no address is on two nodes (test errors otherwise).
func (ic *ipCluster) sampleLeaders(t *testing.T, cut time.Time, hold time.Duration) leaderSamples {
	t.Helper()
	s := leaderSamples{noLeaderAt: -1, noAddrAt: -1}
	for time.Since(cut) < hold {
		at := time.Now()
		acting := ic.actingLeaders()
		holders := ic.holders()
		off := at.Sub(cut).Round(time.Millisecond)
		if len(acting) > 1 {
			t.Errorf("+%v: nodes %v all act as leader", off, acting)
		}
		for a, nodes := range holders {
			if len(nodes) > 1 {
				t.Errorf("+%v: %s on nodes %v", off, a, nodes)
			}
		}
		if len(acting) == 0 && s.noLeaderAt < 0 {
			s.noLeaderAt = at.Sub(cut)
		}
		if len(holders) == 0 && s.noAddrAt < 0 {
			s.noAddrAt = at.Sub(cut)
		}
		time.Sleep(time.Until(at.Add(partitionSampleEvery))) // Deliberate pause: sampling period while the partition lasts
	}
	return s
}

// actingLeaders are the nodes whose own ctdbd names them leader.
func (ic *ipCluster) actingLeaders() []int {
	var mu sync.Mutex
	var out []int
	var wg sync.WaitGroup
	for i := 0; i < ic.Nodes; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			st, _, code := ic.Ctdb(i, "status")
			if code == 0 && strings.Contains(st, fmt.Sprintf("\nLeader:%d\n", i)) {
				mu.Lock()
				out = append(out, i)
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	return out
}

// waitServed waits until every address is on exactly one node.
func (ic *ipCluster) waitServed(t *testing.T, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, func() string { return ic.hostedOnceBy(seq(ic.Nodes)) })
}
