package tests

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/client"
	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/tests/netns"
)

// etcdTTL is the lease TTL of the etcd lock in the cluster tests (give-up
// after half of it).
const etcdTTL = 3

// etcdIPCluster is an ipCluster of n nodes whose cluster lock is
// ctdb_etcd_lock on a 3-member etcd, each member in a namespace of its
// own on the same bridge (hosts etcdHosts), so partitions can cut nodes
// and members apart in any way.
type etcdIPCluster struct {
	*ipCluster
	etcd      *etcdCluster
	etcdHosts []int // the members' host indices on ic.net
}

func newEtcdIPCluster(t *testing.T, n int) *etcdIPCluster {
	t.Helper()
	e := &etcdIPCluster{}
	e.ipCluster = newIPCluster(t, n, nil, func(nw *netns.Net, o *localcluster.Options) {
		var hosts []*netns.Host
		for i := 0; i < 3; i++ {
			h := nw.AddHost(fmt.Sprintf("etcd%d", i))
			hosts = append(hosts, h)
			e.etcdHosts = append(e.etcdHosts, h.Index)
		}
		e.etcd = startEtcd(t, hosts)
		o.Reclock = "!" + strings.Join(etcdLockArgv(nil, e.etcd.Endpoints(), etcdTTL), " ")
	})
	return e
}

// fenceToken is the fencing token node i's `ctdb status` shows (0: none).
func fenceToken(c *localcluster.Cluster, i int) int64 {
	out, _, _ := c.Ctdb(i, "status")
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, "Cluster lock fencing token:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// doubleWatch samples every 200 ms, until stopped, whether any public
// address is on two nodes.
type doubleWatch struct {
	stop    chan struct{}
	done    chan struct{}
	mu      sync.Mutex
	doubles []string
	samples int
}

func watchDoubles(ic *ipCluster) *doubleWatch {
	w := &doubleWatch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(partitionSampleEvery)
		defer tick.Stop()
		for {
			h := ic.holders()
			w.mu.Lock()
			w.samples++
			for a, nodes := range h {
				if len(nodes) > 1 {
					w.doubles = append(w.doubles, fmt.Sprintf("%s %s on nodes %v", time.Now().Format("15:04:05.000"), a, nodes))
				}
			}
			w.mu.Unlock()
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

func (w *doubleWatch) halt() (samples int, doubles []string) {
	close(w.stop)
	<-w.done
	return w.samples, w.doubles
}

// waitOneLeader waits until every node names the same leader, and returns
// it and how long that took. A node that heard the leader's claim before it
// could count it (its link to the leader, or its quorum, was not up yet)
// learns the leader from the next broadcast, every BroadcastInterval.
func waitOneLeader(t *testing.T, c *localcluster.Cluster, timeout time.Duration) (int, time.Duration) {
	t.Helper()
	t0 := time.Now()
	leader := -1
	eventually(t, timeout, func() string {
		l, err := ippLeader(c)
		if err != nil {
			return err.Error()
		}
		if l < 0 || l >= c.Nodes {
			return fmt.Sprintf("leader %d", l)
		}
		leader = l
		return ""
	})
	return leader, time.Since(t0)
}

// TestEtcdLockCluster runs 3 ctdbd nodes with the etcd lock on a real
// 3-member etcd: one leader with a fencing token; kill -9 of the leader's
// helper, then of the leader's node: a new leader within TTL + one
// election; SIGSTOP of the leader's ctdbd for longer than the TTL, then
// SIGCONT: the old leader's token is refused by every node, it does not
// lead again, and no address is ever on two nodes.
func TestEtcdLockCluster(t *testing.T) {
	ec := newEtcdIPCluster(t, 3)
	c := ec.Cluster
	startAll(t, c)
	ec.waitBalanced(t)
	leader, _ := waitOneLeader(t, c, 20*time.Second)
	tok := fenceToken(c, leader)
	if tok <= 0 {
		t.Fatalf("ctdb status on the leader shows no fencing token:\n%s", ctdb(t, c, leader, "status"))
	}
	t.Logf("leader %d, fencing token %d", leader, tok)
	w := watchDoubles(ec.ipCluster)
	defer func() {
		samples, doubles := w.halt()
		t.Logf("%d address samples", samples)
		for _, d := range doubles {
			t.Errorf("address on two nodes: %s", d)
		}
	}()
	bound := etcdTTL*time.Second + 2*time.Second // TTL + one election

	// kill -9 of the leader's lock helper.
	helper := childNamed(childNamed(c.PID(leader), "ctdb-recoverd"), "ctdb_etcd_lock")
	if helper == 0 {
		t.Fatal("no ctdb_etcd_lock process under the leader's recovery daemon")
	}
	t0 := time.Now()
	syscall.Kill(helper, syscall.SIGKILL)
	newLeader, tok2 := waitNewTerm(t, c, tok, bound+5*time.Second)
	t.Logf("kill -9 of the leader's helper: node %d leads with token %d after %v", newLeader, tok2, time.Since(t0).Round(time.Millisecond))
	if time.Since(t0) > bound {
		t.Errorf("new leader after %v, want within TTL + one election (%v)", time.Since(t0), bound)
	}

	// kill -9 of the leader's node.
	leader, tok = newLeader, tok2
	t0 = time.Now()
	if err := c.Kill(leader, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	others := without(seq(3), leader)
	eventually(t, bound+5*time.Second, func() string {
		for _, o := range others {
			if ft := fenceToken(c, o); ft <= tok {
				return fmt.Sprintf("node %d: token %d", o, ft)
			}
		}
		return ""
	})
	t.Logf("kill -9 of the leader's node: new term after %v", time.Since(t0).Round(time.Millisecond))
	if time.Since(t0) > bound {
		t.Errorf("new leader after %v, want within TTL + one election (%v)", time.Since(t0), bound)
	}
	start(t, c, leader)
	leader, _ = waitOneLeader(t, c, 30*time.Second)
	ec.waitBalanced(t)
	tok = fenceToken(c, leader)

	// SIGSTOP of the leader's ctdbd for longer than the TTL.
	pid := c.PID(leader)
	syscall.Kill(pid, syscall.SIGSTOP)
	t0 = time.Now()
	defer syscall.Kill(pid, syscall.SIGCONT)
	others = without(seq(3), leader)
	eventually(t, 20*time.Second, func() string {
		for _, o := range others {
			if ft := fenceToken(c, o); ft <= tok {
				return fmt.Sprintf("node %d: token %d", o, ft)
			}
		}
		return ""
	})
	t.Logf("SIGSTOP of the leader's ctdbd: new term after %v", time.Since(t0).Round(time.Millisecond))
	for time.Since(t0) < etcdTTL*time.Second+3*time.Second {
		time.Sleep(100 * time.Millisecond) // Deliberate pause: keep it stopped beyond the TTL
	}
	syscall.Kill(pid, syscall.SIGCONT)
	resumed := time.Now()
	// Every other node refuses a control fenced with the old token.
	for _, o := range others {
		cl, err := client.Dial(c.Socket(o), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		var st protocol.Status
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		if err := cl.Call(ctx, protocol.PNNCurrent, protocol.OpGetStatus, nil, &st); err != nil {
			t.Fatal(err)
		}
		err = cl.CallFenced(ctx, protocol.PNNCurrent, st.Generation, uint32(tok), protocol.OpSetRecMode,
			protocol.SetRecMode{Mode: protocol.RecModeActive}, nil)
		cancel()
		cl.Close()
		if !protocol.IsStatus(err, protocol.StatusStaleGen) {
			t.Errorf("node %d: control fenced with the old token %d: %v, want a refusal", o, tok, err)
		} else {
			t.Logf("node %d refuses the old token: %v", o, err)
		}
	}
	// The resumed node never leads again with its old token.
	for time.Since(resumed) < 5*time.Second {
		if l, err := ippLeader(c); err == nil && l == leader {
			t.Fatalf("the resumed node %d leads again", leader)
		}
		if ft := fenceToken(c, leader); ft == tok && strings.Contains(ctdb(t, c, leader, "status"), fmt.Sprintf("\nLeader:%d\n", leader)) {
			t.Fatalf("the resumed node %d shows itself as leader with its old token %d", leader, tok)
		}
		time.Sleep(200 * time.Millisecond) // Deliberate pause: sampling period of a 5 s window after the resume
	}
	if _, err := ippLeader(c); err != nil {
		t.Errorf("after the resume: %v", err)
	}
}

// waitNewTerm waits until every node shows a fencing token above tok and
// they agree on the leader.
func waitNewTerm(t *testing.T, c *localcluster.Cluster, tok int64, timeout time.Duration) (int, int64) {
	t.Helper()
	var leader int
	var nt int64
	eventually(t, timeout, func() string {
		l, err := ippLeader(c)
		if err != nil {
			return err.Error()
		}
		for i := 0; i < c.Nodes; i++ {
			if ft := fenceToken(c, i); ft <= tok {
				return fmt.Sprintf("node %d: token %d", i, ft)
			}
		}
		leader, nt = l, fenceToken(c, l)
		return ""
	})
	return leader, nt
}
