package ctdbref

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ctdb-go/ctdb/tests/bench/procfs"
	"github.com/ctdb-go/ctdb/tests/harness"
)

// longLived are the command names (comm) of a node's lasting processes
// besides ctdbd itself. The recovery daemon is a fork of ctdbd that renames
// itself; the cluster mutex helper forks once more and both halves stay
// (comm is cut to 15 bytes). Transient forks of ctdbd (comm "ctdbd"),
// ctdb_lock_helper, helpers of a recovery and eventscripts are left out.
var longLived = map[string]bool{
	"ctdb_recoverd":   true,
	"ctdb-eventd":     true,
	"ctdb_mutex_fcnt": true,
}

// DaemonPID is node i's ctdbd from its pid file, 0 if it is not running.
// The pid is only trusted if that process is a live ctdbd of this node
// (a SIGKILLed ctdbd leaves its pid file behind).
func (c *Cluster) DaemonPID(i int) int {
	if c.check(i) != nil {
		return 0
	}
	pid := c.pidFromFile(i)
	if pid == 0 {
		return 0
	}
	st, err := procfs.ReadStat(pid)
	if err != nil || st.State == 'Z' || st.Comm != "ctdbd" || !hasEnv(pid, c.markEnv(i)) {
		return 0
	}
	return pid
}

// pidFromFile is the pid in node i's pid file, 0 if there is none yet
// (ctdbd creates the file before writing it).
func (c *Cluster) pidFromFile(i int) int {
	b, err := os.ReadFile(c.l.pidFile(i))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// PIDs are node i's ctdbd, recovery daemon, event daemon and cluster
// mutex helpers; nil when ctdbd is not running.
func (c *Cluster) PIDs(i int) []int {
	root := c.DaemonPID(i)
	if root == 0 {
		return nil
	}
	t := procfs.Snapshot()
	out := []int{root}
	for _, p := range t.Descendants(root) {
		if longLived[t[p].Comm] {
			out = append(out, p)
		}
	}
	return out
}

// markEnv is the environment entry that marks node i's processes.
func (c *Cluster) markEnv(i int) string { return nodeMark + "=" + c.l.node(i) }

// nodeProcs are all live processes of node i, whatever they are.
func (c *Cluster) nodeProcs(i int) []int {
	kv := c.markEnv(i)
	return procsWhere(func(pid int) bool { return hasEnv(pid, kv) })
}

// clusterProcs are all live processes of any node of the cluster.
func (c *Cluster) clusterProcs() []int {
	return procfs.WithEnv(nodeMark + "=" + c.l.base + string(os.PathSeparator))
}

// procsWhere lists live processes, other than this one, for which keep
// is true.
func procsWhere(keep func(pid int) bool) []int {
	var out []int
	for _, pid := range procfs.PIDs() {
		if pid != os.Getpid() && procfs.Alive(pid) && keep(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// hasEnv says whether pid's environment holds exactly kv.
func hasEnv(pid int, kv string) bool {
	for _, e := range procfs.Environ(pid) {
		if e == kv {
			return true
		}
	}
	return false
}

// waitUntil polls cond every 20 ms until it holds or d has passed.
func waitUntil(d time.Duration, cond func() bool) bool {
	return harness.Until(d, 20*time.Millisecond, func() string {
		if cond() {
			return ""
		}
		return "not yet"
	}) == nil
}

// drain waits up to grace for list to become empty, then SIGKILLs by PID
// whatever is still listed and waits up to killGrace. It returns nil when
// nothing had to be killed, else an error naming what was killed and what
// survived even SIGKILL (for example in uninterruptible sleep).
func drain(what string, list func() []int, grace time.Duration) error {
	if waitUntil(grace, func() bool { return len(list()) == 0 }) {
		return nil
	}
	left := list()
	desc := procfs.Describe(left)
	for _, pid := range left {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	waitUntil(killGrace, func() bool { return len(list()) == 0 })
	if stuck := list(); len(stuck) > 0 {
		return fmt.Errorf("%s: processes survive SIGKILL: %s", what, procfs.Describe(stuck))
	}
	return fmt.Errorf("%s: killed processes left behind after %v: %s", what, grace, desc)
}
