package suite

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ctdb-go/ctdb/tests/bench/procfs"
	"github.com/ctdb-go/ctdb/tests/bench/system"
	"github.com/ctdb-go/ctdb/tests/hangfs"
	"github.com/ctdb-go/ctdb/tests/harness"
)

const (
	hungInterval = 2                // MonitorInterval, s
	hungCount    = 10               // monitor intervals before counting processes
	hungHalf     = hungCount / 2    // ... and the earlier count, to show growth
	hungLimit    = 30 * time.Second // how long the events are waited for
	hungPoll     = 200 * time.Millisecond
)

const (
	mUnhealthy = "node UNHEALTHY after the freeze"
	mStepDown  = "leader gives up after the freeze"
	mLeftover5 = "processes stuck on the mount after 5 intervals"
	mLeftover  = "processes stuck on the mount after 10 intervals"
)

func hungFS() Scenario {
	return Scenario{
		Name: "hung-fs",
		About: fmt.Sprintf("3 nodes on loopback; the recovery lock file on a freezable FUSE mount (tests/hangfs, mounted in the suite's private mount namespace), "+
			"the system's recovery-lock monitor script enabled, MonitorInterval=%d. The mount is frozen (every request hangs, uninterruptibly); "+
			"measured: time until a node reports itself UNHEALTHY, time until the leader no longer reports itself as leader, and the number of "+
			"processes stuck on the mount %d and %d monitor intervals after the freeze: those whose command line names the mount (stat, ctdb_probe, lock helpers), "+
			"and any other process with a thread in a FUSE request wait or in D state (such as an exiting re-check child, whose command line is gone). "+
			"Then thaw and wait for a settled cluster.",
			hungInterval, hungHalf, hungCount),
		Metrics: func(*Env) []Metric {
			return []Metric{{Name: mUnhealthy, Unit: "s"}, {Name: mStepDown, Unit: "s"},
				{Name: mLeftover5, Unit: "procs"}, {Name: mLeftover, Unit: "procs", Target: targetZero}}
		},
		Notes: func(*Env) []string {
			return []string{
				"Both systems use the plain lock file as `cluster lock`, so each runs its default lock helper: ours re-checks every 5 s with a 5 s deadline " +
					"(`ctdb_mutex_fcntl_helper FILE 5 5 5`); CTDB 4.17's helper re-checks every 5 s with no ping timeout, so a re-check stuck in the filesystem " +
					"goes unnoticed. A `!helper FILE 1` spec would re-check faster, but ours' 01.reclock does not probe a `!` lock, so the plain file keeps both measures comparable.",
				"CTDB 4.17's 01.reclock no longer monitors the lock, so it never marks the node UNHEALTHY (\"never\" below means: not within the 30 s bound).",
			}
		},
		Run: runHungFS,
	}
}

func runHungFS(e *Env, sys system.System, r *Rec) error {
	if ok, why := hangfs.Available(); !ok {
		return skipf("%s", why)
	}
	dir, err := e.TempDir("hungfs")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	back, mnt := filepath.Join(dir, "back"), filepath.Join(dir, "mnt")
	for _, d := range []string{filepath.Join(back, ".ctdb"), mnt} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	fs, err := hangfs.Mount(hangfs.Options{Backing: back, Mountpoint: mnt})
	if err != nil {
		return err
	}
	// Cleanup order (deferred, so last first): thaw, stop the cluster,
	// let stuck processes finish, unmount.
	defer func() {
		if err := fs.Unmount(); err != nil {
			e.Logf("hung-fs: %v", err)
		}
	}()
	defer waitNoneNaming(mnt, 30*time.Second, nil)
	c, stop, err := newClu(e, sys, "hungfs", system.ClusterOptions{Nodes: 3, ReclockScript: true,
		Reclock: filepath.Join(mnt, ".ctdb", "reclock"), Tunables: map[string]uint32{"MonitorInterval": hungInterval}})
	if err != nil {
		return err
	}
	defer stop()
	defer fs.Thaw()
	if err := c.startAll(seq(3)); err != nil {
		return err
	}
	for rep := 0; rep < e.Reps; rep++ {
		if _, err := c.waitConverged(seq(3), allOK(seq(3)), startTimeout); err != nil {
			return fmt.Errorf("repetition %d, before the freeze: %w", rep+1, err)
		}
		if err := hungOnce(e, c, fs, mnt, r); err != nil {
			return fmt.Errorf("repetition %d: %w", rep+1, err)
		}
		fs.Thaw()
		if left := waitNoneNaming(mnt, 30*time.Second, c.allPIDs); len(left) > 0 {
			r.Note("processes other than the nodes' own still naming the mount 30 s after the thaw: %s", procfs.Describe(left))
		}
	}
	return nil
}

// hungOnce freezes the mount and records the three figures.
func hungOnce(e *Env, c *clu, fs *hangfs.FS, mnt string, r *Rec) error {
	leader, err := c.leader(0)
	if err != nil {
		return err
	}
	fs.Freeze()
	t0 := time.Now()
	e.Logf("frozen; leader is node %d", leader)
	counted := make(chan [2][]int, 1)
	go func() {
		var c [2][]int
		time.Sleep(time.Until(t0.Add(hungHalf * hungInterval * time.Second))) // Deliberate pause: count stuck processes at this point of the freeze
		c[0] = stuckProcs(mnt)
		time.Sleep(time.Until(t0.Add(hungCount * hungInterval * time.Second))) // Deliberate pause: and again at its end
		c[1] = stuckProcs(mnt)
		counted <- c
	}()
	var unhealthy, stepDown time.Duration
	tick := time.NewTicker(hungPoll)
	defer tick.Stop()
	for ; time.Since(t0) < hungLimit && (unhealthy == 0 || stepDown == 0); <-tick.C {
		for i := 0; i < 3 && unhealthy == 0; i++ {
			if hasFlag(c.ownFlags(i), "UNHEALTHY") {
				unhealthy = time.Since(t0)
				e.Logf("node %d UNHEALTHY after %v", i, unhealthy)
			}
		}
		if stepDown == 0 && c.claimsLead(leader) == "no" {
			stepDown = time.Since(t0)
			e.Logf("node %d no longer leads after %v", leader, stepDown)
		}
	}
	record := func(m string, d time.Duration) {
		if d == 0 {
			r.Never(m, hungLimit.Seconds())
		} else {
			r.Add(m, seconds(d))
		}
	}
	record(mUnhealthy, unhealthy)
	record(mStepDown, stepDown)
	left := <-counted
	r.Add(mLeftover5, float64(len(left[0])))
	r.Add(mLeftover, float64(len(left[1])))
	if len(left[1]) > 0 {
		r.Note("stuck after %d intervals: %s", hungCount, summarizeProcs(left[1]))
	}
	return nil
}

// ownFlags is node i's flags as it reports them itself ("" on no answer).
func (c *clu) ownFlags(i int) string {
	out, _, err := c.ctdb(i, 2*time.Second, "-X", "nodestatus")
	if err != nil && out == "" {
		return ""
	}
	return harness.ParseMachineNodes(out)[i]
}

// claimsLead says whether node i reports itself as leader: "yes", "no", or
// "" when it does not answer.
func (c *clu) claimsLead(i int) string {
	out, _, err := c.ctdb(i, 2*time.Second, "leader")
	if err != nil {
		if strings.Contains(err.Error(), errToolTimeout.Error()) {
			return ""
		}
		return "no" // no leader known
	}
	if strings.TrimSpace(out) == fmt.Sprint(i) {
		return "yes"
	}
	return "no"
}

// namingProcs lists the live processes whose command line names path.
func namingProcs(path string) []int {
	var out []int
	for _, pid := range procfs.PIDs() {
		if pid == os.Getpid() || !procfs.Alive(pid) {
			continue
		}
		if strings.Contains(strings.Join(procfs.Cmdline(pid), " "), path) {
			out = append(out, pid)
		}
	}
	return out
}

// stuckProcs lists the processes stuck on the mount at path: those that
// name it, and every other one blocked in a filesystem wait (the suite
// mounts nothing else that could hang, and excludes itself).
func stuckProcs(path string) []int {
	out := namingProcs(path)
	for _, pid := range procfs.PIDs() {
		if pid != os.Getpid() && !slices.Contains(out, pid) && procfs.BlockedInFS(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// waitNoneNaming waits until no process names path, except those keep()
// returns (nil: none), and returns those that still do after timeout.
func waitNoneNaming(path string, timeout time.Duration, keep func() []int) []int {
	var left []int
	if harness.Until(timeout, 200*time.Millisecond, func() string {
		var kept []int
		if keep != nil {
			kept = keep()
		}
		if left = without(namingProcs(path), kept...); len(left) > 0 {
			return "left"
		}
		return ""
	}) == nil {
		return nil
	}
	return left
}

// allPIDs are the long-lived processes of every node.
func (c *clu) allPIDs() []int {
	var out []int
	for i := 0; i < c.n; i++ {
		out = append(out, c.PIDs(i)...)
	}
	return out
}

// summarizeProcs counts processes by name and state: "ctdb_probe(D) x3".
func summarizeProcs(pids []int) string {
	count := map[string]int{}
	for _, p := range pids {
		st, err := procfs.ReadStat(p)
		if err != nil {
			continue
		}
		argv := procfs.Cmdline(p)
		name := st.Comm
		if len(argv) > 0 {
			name = filepath.Base(argv[0])
		}
		if len(argv) > 1 && !strings.HasPrefix(argv[1], "-") && !strings.Contains(argv[1], "/") {
			name += " " + argv[1]
		}
		count[fmt.Sprintf("%s(%c)", name, st.State)]++
	}
	var parts []string
	for k, n := range count {
		parts = append(parts, fmt.Sprintf("%s x%d", k, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
