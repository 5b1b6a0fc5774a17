package recoverd

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// Seeded schedules: node 0's recovery daemon leads a cluster (the fake)
// while a random schedule bans, cuts off, brings back nodes, takes
// interfaces down, plants stray addresses and makes takeovers fail. At every
// control the fake checks that no address is taken while another reachable
// node holds it and that no generation goes back; once the schedule is
// over and every node is back, every address must be hosted exactly once.
//
// -schedules sets how many seeds run (default 200); -schedule-seed runs
// one seed (the one a failure names).
var (
	numSchedules = flag.Int("schedules", 200, "seeded takeover schedules to run")
	oneSchedule  = flag.Int64("schedule-seed", -1, "run only this schedule seed")
)

func TestTakeoverSchedules(t *testing.T) {
	first, n := int64(1), int64(*numSchedules)
	if *oneSchedule >= 0 {
		first, n = *oneSchedule, 1
	}
	for seed := first; seed < first+n; seed++ {
		if msg := runSchedule(t, seed); msg != "" {
			t.Fatalf("schedule seed %d (rerun with -schedule-seed %d): %s", seed, seed, msg)
		}
	}
}

var scheduleAddrs = []string{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"}

func runSchedule(t *testing.T, seed int64) string {
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	nodes := 3 + rng.IntN(3)
	f := newFakeCluster(nodes, scheduleAddrs...)
	r, clock, buf := newTestRecoverd(t, f)
	var story []string
	event := func(format string, args ...any) {
		story = append(story, fmt.Sprintf(format, args...))
	}
	fail := func(why string) string {
		return fmt.Sprintf("%s\nschedule:\n  %s\nrecoverd log:\n%s", why, strings.Join(story, "\n  "), buf.String())
	}
	for range 40 {
		k := uint32(1 + rng.IntN(nodes-1)) // node 0 leads throughout
		f.mu.Lock()
		nd := f.nodes[k]
		switch rng.IntN(8) {
		case 0:
			event("ban node %d", k)
			nd.flags |= protocol.FlagBanned
			nd.dropIPs()
		case 1:
			event("cut off node %d (it drops its addresses after the release bound)", k)
			nd.flags |= protocol.FlagDisconnected
			nd.dropIPs()
		case 2:
			event("node %d back", k)
			nd.flags &^= protocol.FlagBanned | protocol.FlagDisconnected
		case 3:
			i := rng.IntN(len(nd.ips))
			event("node %d link for %s down", k, nd.ips[i].Addr)
			nd.ips[i].Available = nil
		case 4:
			i := rng.IntN(len(nd.ips))
			event("node %d link for %s up", k, nd.ips[i].Addr)
			nd.ips[i].Available = []string{"eth0"}
		case 5:
			i := rng.IntN(len(nd.ips))
			event("stray %s on node %d", nd.ips[i].Addr, k)
			nd.ips[i].Active = "eth0"
		case 6:
			if nd.fail[protocol.OpTakeIP] == nil {
				event("takeip fails on node %d", k)
				nd.fail[protocol.OpTakeIP] = protocol.Errorf(protocol.StatusEventFailed, "takeip event failed")
			} else {
				event("takeip works again on node %d", k)
				delete(nd.fail, protocol.OpTakeIP)
			}
		default:
			event("quiet")
		}
		f.wake() // as the nodes' updates reach the leader's ctdbd
		f.mu.Unlock()
		for range 1 + rng.IntN(3) {
			clock.advance(time.Second)
			r.step(t.Context())
		}
		if v := f.violations; len(v) > 0 {
			return fail(strings.Join(v, "; "))
		}
	}
	event("everything back")
	f.mu.Lock()
	for _, nd := range f.nodes {
		nd.flags = 0
		clear(nd.fail)
		for i := range nd.ips {
			nd.ips[i].Available = []string{"eth0"}
		}
	}
	f.wake()
	f.mu.Unlock()
	// Within RecoveryBanPeriod nobody stays banned in the fake: a ban the
	// leader sent is lifted above. Give the leader a few passes.
	for range 10 {
		clock.advance(time.Second)
		r.step(t.Context())
	}
	if v := f.violations; len(v) > 0 {
		return fail(strings.Join(v, "; "))
	}
	for _, a := range scheduleAddrs {
		if h := f.holders(a); len(h) != 1 {
			return fail(fmt.Sprintf("%s held by %v after the cluster settled", a, h))
		}
	}
	return ""
}
