package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/tests/hangfs"
	"github.com/ctdb-go/ctdb/tests/harness"
	"github.com/ctdb-go/ctdb/tests/harness/suite"
)

// mountHangfs mounts a freezable FUSE filesystem for the test. Unmounting
// is registered now, so it runs after everything registered later.
func mountHangfs(t *testing.T) (*hangfs.FS, string) {
	t.Helper()
	if ok, why := hangfs.Available(); !ok {
		harness.SkipSuite(t, suite.FUSE, why)
	}
	dir := t.TempDir()
	back, mnt := filepath.Join(dir, "back"), filepath.Join(dir, "mnt")
	for _, d := range []string{filepath.Join(back, ".ctdb"), mnt} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := hangfs.Mount(hangfs.Options{Backing: back, Mountpoint: mnt})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := fs.Unmount(); err != nil {
			t.Errorf("unmount: %v", err)
		}
	})
	return fs, mnt
}

// probeWorkers counts the live probe processes that stat path: the
// detached workers (the short-lived ctdb_probe callers waiting for them are
// not probes of the filesystem and are not counted).
func probeWorkers(path string) int {
	ents, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range ents {
		cmd, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		s := string(cmd)
		if strings.Contains(s, "ctdb_probe\x00"+probeWorkerVerb+"\x00") && strings.Contains(s, path) {
			if st, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil && !localcluster.IsZombie(string(st)) {
				n++
			}
		}
	}
	return n
}

const probeWorkerVerb = "worker" // internal/probe.workerVerb

// The recovery lock's filesystem hangs: the node goes UNHEALTHY within three
// monitor intervals, `ctdb status` keeps answering fast, at most one probe
// per path is alive, and after the thaw the node is healthy with an empty
// failcount.
func TestHungClusterFilesystemMakesNodeUnhealthy(t *testing.T) {
	fs, mnt := mountHangfs(t)
	const interval = 2
	t.Setenv("CTDB_PROBE_TIMEOUT", "1")
	c := cluster(t, localcluster.Options{
		Scripts:  []string{"00.ctdb", "01.reclock"},
		Reclock:  filepath.Join(mnt, ".ctdb", "reclock"),
		Tunables: map[string]uint32{"MonitorInterval": interval},
	})
	t.Cleanup(fs.Thaw) // runs before the cluster is stopped
	runs := stampMonitorRuns(t, c)
	start(t, c, 0)
	waitRunning(t, c, 0)
	waitFlags(t, c, 0, "OK", 20*time.Second)

	var (
		mu         sync.Mutex
		maxStatus  time.Duration
		maxWorkers int
		statusErrs []string
	)
	stop := harness.Every(200*time.Millisecond, func() { // sample while frozen
		t0 := time.Now()
		out, errOut, code := c.Ctdb(0, "status")
		d := time.Since(t0)
		w := probeWorkers(filepath.Join(mnt, ".ctdb"))
		mu.Lock()
		if d > maxStatus {
			maxStatus = d
		}
		if w > maxWorkers {
			maxWorkers = w
		}
		if code != 0 {
			statusErrs = append(statusErrs, fmt.Sprintf("exit %d: %s %s", code, out, errOut))
		}
		mu.Unlock()
	})

	fs.Freeze()
	frozenAt := time.Now()
	waitFlags(t, c, 0, "UNHEALTHY", 4*interval*time.Second)
	took := time.Since(frozenAt)
	// The third failure makes the node UNHEALTHY. The first run after the
	// freeze starts up to one interval later (the freeze's phase), so the
	// bound is three intervals plus the third run's own length.
	after := runs.since(frozenAt)
	if len(after) > 3 {
		t.Errorf("UNHEALTHY only after monitor run %d since the freeze, want the 3rd (runs at %v)", len(after), after)
	}
	var third time.Duration
	if len(after) == 3 {
		third = time.Since(after[2])
	}
	t.Logf("UNHEALTHY %.2f s after the freeze (MonitorInterval %d s; monitor runs at +%v)", took.Seconds(), interval, offsets(frozenAt, after))
	if took > 3*interval*time.Second+third+500*time.Millisecond {
		t.Errorf("UNHEALTHY after %v, more than 3 monitor intervals and the third run (%v)", took, third)
	}
	// Stay frozen for four more monitor runs: nothing may pile up.
	eventually(t, 5*interval*time.Second, func() string {
		if n := len(runs.since(frozenAt)); n < len(after)+4 {
			return fmt.Sprintf("%d monitor runs since the freeze", n)
		}
		return ""
	})
	if st, _, _ := c.Ctdb(0, "event", "status", "monitor"); !strings.Contains(st, "01.reclock           ERROR") {
		t.Errorf("monitor status while frozen:\n%s", st)
	}
	fs.Thaw()
	thawedAt := time.Now()
	waitFlags(t, c, 0, "OK", 4*interval*time.Second)
	t.Logf("OK again %.2f s after the thaw", time.Since(thawedAt).Seconds())
	stop()

	t.Logf("slowest ctdb status while frozen: %v; most probe workers alive at once: %d", maxStatus, maxWorkers)
	if len(statusErrs) > 0 {
		t.Errorf("ctdb status failed while frozen: %v", statusErrs)
	}
	if maxStatus > time.Second {
		t.Errorf("ctdb status took %v while the filesystem was frozen", maxStatus)
	}
	if maxWorkers > 1 {
		t.Errorf("%d probe processes for one path at once", maxWorkers)
	}
	if maxWorkers == 0 {
		t.Errorf("never saw the stuck probe: the test did not exercise the hang")
	}
	ents, err := os.ReadDir(filepath.Join(c.VarDir(0), "failcount"))
	if err != nil || len(ents) == 0 {
		t.Fatalf("no failcount files: %v", err)
	}
	for _, e := range ents {
		if info, _ := e.Info(); info.Size() != 0 {
			t.Errorf("failcount %s has %d bytes after recovery", e.Name(), info.Size())
		}
	}
	eventually(t, 5*time.Second, func() string {
		if n := probeWorkers(filepath.Join(mnt, ".ctdb")); n > 0 {
			return fmt.Sprintf("%d probe workers still alive after thaw", n)
		}
		return ""
	})
}

// The recovery lock lives on the frozen filesystem: the leader's lock
// re-check times out and it steps down; while frozen no node leads (no one
// can take the lock), never two at once; after the thaw there is one
// leader again.
func TestHungLockFilesystemLeaderStepsDown(t *testing.T) {
	fs, mnt := mountHangfs(t)
	lock := filepath.Join(mnt, ".ctdb", "reclock")
	c := cluster(t, localcluster.Options{Nodes: 3, Scripts: clusterScripts,
		Reclock: fmt.Sprintf("!%s %s 1 5 2", filepath.Join(binDir, "ctdb_mutex_fcntl_helper"), lock)})
	t.Cleanup(fs.Thaw)
	startAll(t, c)
	waitConverged(t, c, seq(3), allOK(3), 20*time.Second)
	leader := leaderOf(t, c, 0)

	var mu sync.Mutex
	maxLeaders, samples := 0, 0
	var slowest time.Duration
	stop := harness.Every(200*time.Millisecond, func() {
		n := 0
		for i := 0; i < 3; i++ {
			t0 := time.Now()
			out, _, _ := c.Ctdb(i, "leader")
			if d := time.Since(t0); d > slowest {
				mu.Lock()
				slowest = d
				mu.Unlock()
			}
			if strings.TrimSpace(out) == fmt.Sprint(i) {
				n++
			}
		}
		mu.Lock()
		samples++
		maxLeaders = max(maxLeaders, n)
		mu.Unlock()
	})

	fs.Freeze()
	frozenAt := time.Now()
	logAt := make([]int, 3) // how much of each log predates the freeze
	for i := range logAt {
		logAt[i] = len(c.Log(i))
	}
	eventually(t, 10*time.Second, func() string {
		if !strings.Contains(c.Log(leader), "Cluster lock lost") {
			return "leader has not noticed"
		}
		return ""
	})
	t.Logf("leader %d lost the lock %.2f s after the freeze (re-check every 1 s, deadline 2 s)", leader, time.Since(frozenAt).Seconds())
	eventually(t, 10*time.Second, func() string {
		for i := 0; i < 3; i++ {
			if out, _, _ := c.Ctdb(i, "leader"); strings.TrimSpace(out) == fmt.Sprint(i) {
				return fmt.Sprintf("node %d still claims to lead", i)
			}
		}
		return ""
	})
	tookLock := func() (n int) {
		for i := 0; i < 3; i++ {
			n += strings.Count(c.Log(i), "Took cluster lock")
		}
		return n
	}
	before := tookLock()
	// Elections keep failing while frozen: once every node has come to the
	// lock since the freeze and given up on it ("not tried" while its
	// probe is stuck, "not taken" when the attempt fails), none took it.
	eventually(t, 15*time.Second, func() string {
		for i := range logAt {
			if !strings.Contains(c.Log(i)[logAt[i]:], "Cluster lock not t") {
				return fmt.Sprintf("node %d has not come to the lock since the freeze", i)
			}
		}
		return ""
	})
	if after := tookLock(); after != before {
		t.Errorf("a node took the lock while its filesystem was frozen (%d -> %d)", before, after)
	}
	fs.Thaw()
	thawedAt := time.Now()
	waitConverged(t, c, seq(3), allOK(3), 30*time.Second)
	t.Logf("one leader again %.2f s after the thaw", time.Since(thawedAt).Seconds())
	stop()
	t.Logf("%d samples; most nodes claiming leadership at once: %d; slowest ctdb leader: %v", samples, maxLeaders, slowest)
	if maxLeaders > 1 {
		t.Errorf("%d nodes claimed leadership at the same time", maxLeaders)
	}
	if slowest > time.Second {
		t.Errorf("ctdb leader took %v while the filesystem was frozen", slowest)
	}
}

// monitorRuns is a record of when a node's monitor runs started, kept by
// an eventscript that sorts first.
type monitorRuns string

func stampMonitorRuns(t *testing.T, c *localcluster.Cluster) monitorRuns {
	t.Helper()
	f := filepath.Join(c.Base, "monitor-runs")
	addScript(t, c, 0, "00.0stamp", fmt.Sprintf("[ \"$1\" = monitor ] && date +%%s.%%N >>%s\nexit 0\n", f), 0o755)
	return monitorRuns(f)
}

// since lists the starts of the runs at or after t0.
func (r monitorRuns) since(t0 time.Time) []time.Time {
	b, _ := os.ReadFile(string(r))
	var out []time.Time
	for _, l := range strings.Fields(string(b)) {
		sec, frac, _ := strings.Cut(l, ".")
		s, err1 := strconv.ParseInt(sec, 10, 64)
		ns, err2 := strconv.ParseInt((frac + "000000000")[:9], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		if ts := time.Unix(s, ns); !ts.Before(t0) {
			out = append(out, ts)
		}
	}
	return out
}

func offsets(t0 time.Time, ts []time.Time) []string {
	var out []string
	for _, t := range ts {
		out = append(out, fmt.Sprintf("%.2f", t.Sub(t0).Seconds()))
	}
	return out
}
