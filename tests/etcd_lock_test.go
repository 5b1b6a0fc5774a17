package tests

import (
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/clusterlock"
	"github.com/ctdb-go/ctdb/tests/harness"
	"github.com/ctdb-go/ctdb/tests/netns"
	"github.com/sirupsen/logrus"
)

// testLocker drives one ctdb_etcd_lock helper through the real driver
// (clusterlock.Locker) and pings it while it holds the lock.
type testLocker struct {
	*clusterlock.Locker
	stop chan struct{}
}

func newTestLocker(t *testing.T, argv []string) *testLocker {
	log := logrus.New()
	log.SetOutput(testWriter{t})
	l := &testLocker{Locker: clusterlock.NewLocker(argv, logrus.NewEntry(log)), stop: make(chan struct{})}
	go func() {
		tick := time.NewTicker(300 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-tick.C:
				_ = l.Ping()
			}
		}
	}()
	t.Cleanup(func() { close(l.stop); l.Release() })
	return l
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

// lockUntil retries TryLock until it gets the lock or the deadline passes;
// it returns when it got it.
func (l *testLocker) lockUntil(deadline time.Time) (time.Time, bool) {
	var at time.Time
	ok := harness.Until(time.Until(deadline), 100*time.Millisecond, func() string {
		if res, _ := l.TryLock(time.Second); res != clusterlock.ResultLocked {
			return res.String()
		}
		at = time.Now()
		return ""
	}) == nil
	return at, ok
}

// TestEtcdLockHelper runs ctdb_etcd_lock against a real 3-member etcd,
// helpers and members in network namespaces: one holder at a time, a
// fencing token that grows with every new holder, and a holder cut off
// from etcd (with its member, or with etcd's quorum gone) that gives the
// lock up by itself before its lease can expire.
func TestEtcdLockHelper(t *testing.T) {
	const ttl = 3 // seconds; give-up after 1.5 s
	nw := netns.New(t, 3)
	hosts := nw.Hosts()
	e := startEtcd(t, hosts)
	lockers := make([]*testLocker, 3)
	for i, h := range hosts {
		lockers[i] = newTestLocker(t, etcdLockArgv(h, e.Endpoints(), ttl))
	}

	if res, err := lockers[0].TryLock(5 * time.Second); res != clusterlock.ResultLocked {
		t.Fatalf("first helper: %v %v, want locked", res, err)
	}
	tokA, ok := lockers[0].Token()
	if !ok {
		t.Fatal("the etcd helper sent no fencing token")
	}
	if res, err := lockers[1].TryLock(5 * time.Second); res != clusterlock.ResultContended {
		t.Fatalf("second helper: %v %v, want contention", res, err)
	}

	// A frozen etcd member (not the leader) costs the holder nothing: its
	// requests go to the other members.
	frozen := -1
	for i := range hosts {
		if l, err := e.isLeader(i); err == nil && !l {
			frozen = i
			break
		}
	}
	if frozen < 0 {
		t.Fatal("no etcd follower found")
	}
	if err := e.Signal(frozen, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	select {
	case <-lockers[0].Lost():
		t.Fatalf("the holder lost the lock while etcd member %d was frozen", frozen)
	case <-time.After(2 * ttl * time.Second):
	}
	if err := e.Signal(frozen, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	t.Logf("etcd member %d frozen for %d s: the holder kept the lock", frozen, 2*ttl)

	// Holder and one member cut off from the other two members.
	lostA := lockers[0].Lost()
	cut := time.Now()
	if err := nw.Partition([]int{0}, []int{1, 2}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var gotB time.Time
	var okB bool
	wg.Add(1)
	go func() { defer wg.Done(); gotB, okB = lockers[1].lockUntil(cut.Add(3 * ttl * time.Second)) }()
	var lostAt time.Time
	select {
	case <-lostA:
		lostAt = time.Now()
	case <-time.After(2 * ttl * time.Second):
		t.Fatalf("the cut-off holder still holds the lock %d s after the cut", 2*ttl)
	}
	wg.Wait()
	if !okB {
		t.Fatalf("no helper in the majority took the lock within %d s of the cut", 3*ttl)
	}
	tokB, _ := lockers[1].Token()
	t.Logf("cut-off holder gave up after %v; the majority took the lock after %v; tokens %d -> %d",
		lostAt.Sub(cut).Round(time.Millisecond), gotB.Sub(cut).Round(time.Millisecond), tokA, tokB)
	// An etcd leader cut off from its quorum still renews leases until it
	// steps down (check-quorum: measured up to 1.8 s here); the holder
	// gives up half a TTL after its last renewal. The safety property is
	// the order checked below; this bound is liveness.
	if giveUpBound := ttl*time.Second/2 + 3*etcdElectionTimeout; lostAt.Sub(cut) >= giveUpBound {
		t.Errorf("the holder gave up %v after the cut, want within %v", lostAt.Sub(cut), giveUpBound)
	}
	if !lostAt.Before(gotB) {
		t.Errorf("two holders: the new holder took the lock at +%v, the old one let go at +%v", gotB.Sub(cut), lostAt.Sub(cut))
	}
	// The new etcd leader extends the old holder's lease by the TTL when it
	// takes over: hand-over = etcd election + TTL (+ lease extension).
	if bound := ttl*time.Second + 4*etcdElectionTimeout; gotB.Sub(cut) > bound {
		t.Errorf("hand-over took %v, want within TTL + 4 etcd election timeouts (%v)", gotB.Sub(cut), bound)
	}
	if tokB <= tokA {
		t.Errorf("fencing token did not grow: %d then %d", tokA, tokB)
	}

	// etcd's own quorum cut: every member alone. The holder lets go and
	// nobody can take the lock.
	if err := nw.Heal(); err != nil {
		t.Fatal(err)
	}
	e.waitHealthy(t, 15*time.Second)
	lostB := lockers[1].Lost()
	select {
	case <-lostB:
		t.Fatal("the holder lost the lock when etcd healed")
	default:
	}
	cut = time.Now()
	if err := nw.Partition([]int{0}, []int{1}, []int{2}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-lostB:
		t.Logf("with etcd's quorum cut the holder gave up after %v", time.Since(cut).Round(time.Millisecond))
	case <-time.After(ttl*time.Second/2 + 2*etcdElectionTimeout):
		t.Fatalf("with etcd's quorum cut the holder still holds the lock %v later", ttl*time.Second/2+2*etcdElectionTimeout)
	}
	for _, i := range []int{0, 2} {
		if res, err := lockers[i].TryLock(2 * time.Second); res == clusterlock.ResultLocked {
			t.Fatalf("helper %d took the lock while etcd has no quorum", i)
		} else {
			t.Logf("helper %d without etcd quorum: %v %v", i, res, err)
		}
	}

	// Healed: one of them takes the lock with a newer token.
	if err := nw.Heal(); err != nil {
		t.Fatal(err)
	}
	got, ok := lockers[2].lockUntil(time.Now().Add(15 * time.Second))
	if !ok {
		t.Fatal("nobody took the lock after the heal")
	}
	tokC, _ := lockers[2].Token()
	t.Logf("after the heal: lock taken at %v with token %d", got.Format(time.StampMilli), tokC)
	if tokC <= tokB {
		t.Errorf("fencing token did not grow: %d then %d", tokB, tokC)
	}

	// A release (stdin closed and SIGTERM) revokes the lease: the next
	// helper gets the lock at once, not a TTL later.
	lockers[2].Release()
	t0 := time.Now()
	if _, ok := lockers[0].lockUntil(time.Now().Add(ttl * time.Second)); !ok {
		t.Fatal("nobody took the lock after a release")
	}
	t.Logf("lock taken %v after the holder released it", time.Since(t0).Round(time.Millisecond))
	if time.Since(t0) > time.Second {
		t.Errorf("lock taken %v after a release: the lease was not revoked", time.Since(t0))
	}
	lockers[0].Release()

	// Missed pings: a helper whose parent stops pinging lets go after its
	// ping timeout.
	log := logrus.New()
	log.SetOutput(testWriter{t})
	silent := clusterlock.NewLocker(etcdLockArgv(hosts[1], e.Endpoints(), ttl, "--ping-timeout", "1"), logrus.NewEntry(log))
	defer silent.Release()
	if _, ok := (&testLocker{Locker: silent}).lockUntil(time.Now().Add(5 * time.Second)); !ok {
		t.Fatal("the unpinged helper did not get the lock")
	}
	t0 = time.Now()
	select {
	case <-silent.Lost():
		t.Logf("a helper without pings let go after %v (ping timeout 1 s)", time.Since(t0).Round(time.Millisecond))
	case <-time.After(3 * time.Second):
		t.Fatal("a helper without pings still holds the lock 3 s later (ping timeout 1 s)")
	}
}
