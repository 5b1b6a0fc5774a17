package tests

import (
	"fmt"
	"math/rand"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/tests/netns"
)

// Timing of TestQuorum, with KeepaliveInterval 1 and KeepaliveLimit 3:
// a node cut off from the majority loses quorum and releases its
// addresses within the release bound (1.5 s); quorumGrace adds the quorum
// check's period, the releaseip events and one status sample.
const (
	quorumGrace = 3 * time.Second
	quorumHold  = 10 * time.Second
)

// TestQuorum runs 5 nodes with "quorum = majority" in network namespaces,
// splits them 2|3 and 1|4 (the leader's side alternating between the
// minority and the majority), and checks every 200 ms: no minority node
// leads or hosts an address once quorumGrace has passed, no address is
// ever on two nodes, and the majority serves every address before the
// split heals. Once with an fcntl lock whose file every partition sees
// (the lock never stops the minority: it can keep or take the lock, so
// only quorum stops it), and once with no lock.
// CTDB_QUORUM_ROUNDS sets the number of splits per mode (default 1: the
// first mode splits 2|3 and the second 1|4, each with the leader in the
// minority; more rounds alternate the sizes and the leader's side).
func TestQuorum(t *testing.T) {
	if err := netns.Check(); err != nil {
		t.Skipf("skipping: network namespaces unavailable: %v", err)
	}
	rounds := envInt(t, "CTDB_QUORUM_ROUNDS", 1)
	for i, mode := range []string{"shared-lock", "no-lock"} {
		t.Run(mode, func(t *testing.T) { runQuorum(t, mode, i, rounds) })
	}
}

func runQuorum(t *testing.T, mode string, first, rounds int) {
	const n = 5
	ic := newIPCluster(t, n, nil, func(_ *netns.Net, o *localcluster.Options) {
		o.ExtraConf = "[cluster]\n\tquorum = majority\n"
		if mode == "no-lock" {
			o.Reclock = "none"
		}
	})
	startAll(t, ic.Cluster)
	ic.waitBalanced(t)
	if out := ctdb(t, ic.Cluster, 0, "status"); !strings.Contains(out, "Quorum:OK (5 of 5 nodes)") {
		t.Fatalf("ctdb status does not show the quorum:\n%s", out)
	}
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	for r := first; r < first+rounds; r++ {
		leader, _ := waitOneLeader(t, ic.Cluster, 10*time.Second)
		size := 2 - r%2 // 2|3, then 1|4
		minority := []int{}
		others := without(seq(n), leader)
		rng.Shuffle(len(others), func(i, j int) { others[i], others[j] = others[j], others[i] })
		if r%4 < 2 { // the leader's side: the minority in rounds 0, 1, 4, 5...
			minority = append(minority, leader)
		}
		for _, o := range others {
			if len(minority) < size {
				minority = append(minority, o)
			}
		}
		majority := []int{}
		for i := 0; i < n; i++ {
			if !slices.Contains(minority, i) {
				majority = append(majority, i)
			}
		}
		t.Logf("round %d: leader %d, split %v | %v", r, leader, minority, majority)
		cut := time.Now()
		if err := ic.net.Partition(minority, majority); err != nil {
			t.Fatal(err)
		}
		served := quorumWatch(t, ic, cut, minority, majority)
		if served < 0 {
			t.Errorf("round %d: the majority %v did not serve every address within %v", r, majority, quorumHold)
		} else {
			t.Logf("round %d: the majority served every address %v after the split", r, time.Duration(served).Round(time.Millisecond))
		}
		if minOut := ctdb(t, ic.Cluster, minority[0], "status"); !strings.Contains(minOut, "Quorum:LOST") {
			t.Errorf("round %d: minority node %d's status does not show the lost quorum:\n%s", r, minority[0], minOut)
		}
		if err := ic.net.Heal(); err != nil {
			t.Fatal(err)
		}
		eventually(t, 30*time.Second, func() string {
			if _, err := ippLeader(ic.Cluster); err != nil {
				return err.Error()
			}
			return ic.hostedOnceBy(seq(n))
		})
	}
}

// quorumWatch samples every 200 ms from the cut for quorumHold. It
// reports violations as test errors and returns how long after the cut
// the majority first served every address (-1: never).
func quorumWatch(t *testing.T, ic *ipCluster, cut time.Time, minority, majority []int) time.Duration {
	t.Helper()
	served := time.Duration(-1)
	for time.Since(cut) < quorumHold {
		at := time.Now()
		holders := ic.holders()
		leads := make([]bool, ic.Nodes)
		var wg sync.WaitGroup
		for _, i := range minority {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				out, _, code := ic.Ctdb(i, "status")
				leads[i] = code == 0 && strings.Contains(out, fmt.Sprintf("\nLeader:%d\n", i))
			}(i)
		}
		wg.Wait()
		for a, nodes := range holders {
			if len(nodes) > 1 {
				t.Errorf("+%v: %s on nodes %v", at.Sub(cut).Round(time.Millisecond), a, nodes)
			}
		}
		if at.Sub(cut) > quorumGrace {
			for _, i := range minority {
				if leads[i] {
					t.Errorf("+%v: minority node %d leads", at.Sub(cut).Round(time.Millisecond), i)
				}
				if got := addrsOn(holders, i); len(got) > 0 {
					t.Errorf("+%v: minority node %d hosts %v", at.Sub(cut).Round(time.Millisecond), i, got)
				}
			}
		}
		if served < 0 && ic.hostedOnceBy(majority) == "" {
			served = at.Sub(cut)
		}
		time.Sleep(time.Until(at.Add(partitionSampleEvery))) // Deliberate pause: sampling period while the partition lasts
	}
	return served
}

func addrsOn(holders map[netip.Addr][]int, node int) []netip.Addr {
	var out []netip.Addr
	for a, nodes := range holders {
		if slices.Contains(nodes, node) {
			out = append(out, a)
		}
	}
	return out
}
