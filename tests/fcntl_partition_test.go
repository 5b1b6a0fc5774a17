package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/tests/netns"
)

// viewIPCluster is an ipCluster whose fcntl lock file lives on a
// "filesystem" that partitions with the nodes: node i's lock path goes
// through its own symlink, root/node<i>, to the directory its side of a
// partition sees. Nodes on one side share the lock file; the two sides of
// a split see different files (a cluster filesystem in split brain), and
// a node cut off from the filesystem sees no directory at all. The helper
// re-checks its file every second, so a view change is a lost lock.
type viewIPCluster struct {
	*ipCluster
	root   string
	common string // the directory every node sees when healed
	gen    int
}

func newViewIPCluster(t *testing.T, n int) *viewIPCluster {
	t.Helper()
	const placeholder = "!PER-NODE-LOCK"
	ic := newIPCluster(t, n, nil, func(_ *netns.Net, o *localcluster.Options) {
		o.Reclock = placeholder
		o.ExtraConf = "[cluster]\n\tquorum = majority\n"
	})
	v := &viewIPCluster{ipCluster: ic, root: filepath.Join(ic.Base, "lockviews")}
	for i := 0; i < n; i++ {
		conf := filepath.Join(ic.ConfigDir(i), "ctdb.conf")
		b, err := os.ReadFile(conf)
		if err != nil {
			t.Fatal(err)
		}
		lock := fmt.Sprintf("!%s %s 1 5 1", filepath.Join(binDir, "ctdb_mutex_fcntl_helper"),
			filepath.Join(v.root, fmt.Sprintf("node%d", i), "reclock"))
		if err := os.WriteFile(conf, []byte(strings.Replace(string(b), placeholder, lock, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	v.common = v.freshDir(t)
	v.setView(t, func(int) string { return v.common })
	return v
}

// freshDir makes a new directory (a new lock file inode to be).
func (v *viewIPCluster) freshDir(t *testing.T) string {
	t.Helper()
	v.gen++
	d := filepath.Join(v.root, "dirs", fmt.Sprint(v.gen))
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// setView points each node's symlink at view(i) atomically; "" means a
// directory that does not exist (the node is cut off from the filesystem).
func (v *viewIPCluster) setView(t *testing.T, view func(i int) string) {
	t.Helper()
	for i := 0; i < v.Nodes; i++ {
		target := view(i)
		if target == "" {
			target = filepath.Join(v.root, "dirs", "unreachable")
		}
		link := filepath.Join(v.root, fmt.Sprintf("node%d", i))
		tmp := link + ".new"
		_ = os.Remove(tmp)
		if err := os.Symlink(target, tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, link); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFcntlLockPartitions runs the schedules of TestEtcdLockPartitions
// with the fcntl lock on a per-partition-visible directory and quorum =
// majority: never two nodes acting as leader, never an address on two
// nodes, one leader after each heal. The lock alone cannot keep a split
// cluster safe here (each side sees a lock file of its own); quorum does.
// CTDB_FCNTL_PARTITION_ROUNDS (default 4), CTDB_FCNTL_PARTITION_SEED.
func TestFcntlLockPartitions(t *testing.T) {
	if err := netns.Check(); err != nil {
		t.Skipf("skipping: network namespaces unavailable: %v", err)
	}
	rounds, rng := lockPartitionSchedule(t, "CTDB_FCNTL_PARTITION")

	v := newViewIPCluster(t, 3)
	c := v.Cluster
	startAll(t, c)
	v.waitBalanced(t)
	leader, _ := waitOneLeader(t, c, 20*time.Second)
	for r := 1; r <= rounds; r++ {
		kind := etcdCut(rng.Intn(4))
		if r <= 4 {
			kind = etcdCut(r - 1)
		}
		hold := etcdPartHoldMin + time.Duration(rng.Int63n(int64(etcdPartHoldMax-etcdPartHoldMin)))
		var desc string
		switch kind {
		case cutLeaderWithMember, cutSplitBoth:
			a := leader
			if kind == cutSplitBoth {
				a = rng.Intn(3)
			}
			side := v.freshDir(t)
			v.setView(t, func(i int) string {
				if i == a {
					return side
				}
				return v.common
			})
			if err := v.net.Partition([]int{a}); err != nil {
				t.Fatal(err)
			}
			desc = fmt.Sprintf("node %d with a lock directory of its own | the rest (leader %d)", a, leader)
		case cutNodeFromEtcd:
			x := rng.Intn(3)
			v.setView(t, func(i int) string {
				if i == x {
					return ""
				}
				return v.common
			})
			desc = fmt.Sprintf("node %d cut off from the lock directory only (leader %d)", x, leader)
		case cutEtcdQuorum:
			v.setView(t, func(int) string { return "" })
			desc = "the lock directory gone for every node"
		}
		t.Logf("round %d: %s: %s for %v", r, kind, desc, hold.Round(time.Millisecond))
		cut := time.Now()
		s := v.sampleLeaders(t, cut, hold)
		if kind == cutEtcdQuorum {
			t.Logf("round %d: without the lock directory: leader gone after %v, every address released after %v",
				r, fmtDur(s.noLeaderAt), fmtDur(s.noAddrAt))
		}
		if err := v.net.Heal(); err != nil {
			t.Fatal(err)
		}
		v.setView(t, func(int) string { return v.common })
		healed := time.Now()
		leader, _ = waitOneLeader(t, c, etcdPartConverge)
		conv := time.Since(healed)
		v.waitServed(t, 15*time.Second)
		t.Logf("round %d: one leader (%d) %v after the heal, addresses all served %v after it", r, leader,
			conv.Round(time.Millisecond), time.Since(healed).Round(time.Millisecond))
	}
}
