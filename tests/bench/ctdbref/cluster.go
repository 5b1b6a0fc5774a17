package ctdbref

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ctdb-go/ctdb/tests/bench/procfs"
	"github.com/ctdb-go/ctdb/tests/bench/system"
	"github.com/ctdb-go/ctdb/tests/harness"
)

// Bounds, not sleeps: every wait ends as soon as its condition holds.
const (
	// startTimeout bounds the start command plus the wait for ctdbd's pid
	// file and socket.
	startTimeout = 30 * time.Second
	// stopTimeout is how long ctdbd may take to exit after `ctdb shutdown`
	// (it runs the shutdown event first).
	stopTimeout = 30 * time.Second
	// leftoverGrace lets a node's other processes exit after ctdbd did:
	// eventd and the recovery daemon follow their parent at once, the
	// cluster mutex helper only notices within about 5 s.
	leftoverGrace = 10 * time.Second
	// killGrace is how long SIGKILLed processes get to disappear.
	killGrace = 5 * time.Second
	// toolTimeout stops a broken ctdb tool run from hanging the suite.
	toolTimeout = 60 * time.Second
)

// Cluster is a CTDB cluster set up by NewCluster. Its methods may be
// called from several goroutines for different nodes.
type Cluster struct {
	s settings
	l layout
}

var _ system.Cluster = (*Cluster)(nil)

func (c *Cluster) check(i int) error {
	if i < 0 || i >= c.s.nodes {
		return fmt.Errorf("no node %d (cluster of %d)", i, c.s.nodes)
	}
	return nil
}

// bindAndExec is run by sh in the node's new mount namespace: it makes
// the bind mounts given as SOURCE TARGET pairs up to "--", then execs the
// rest.
const bindAndExec = `while [ "$1" != -- ]; do mount --bind "$1" "$2" || exit 1; shift 2; done; shift; exec "$@"`

// daemonArgv is node i's full daemon command line: ctdbd, inside its own
// mount namespace when it needs bind mounts (settings.binds), all of it
// passed through Wrap. Propagation "slave" lets mounts made on the host
// later (FUSE fixtures) reach the daemon while its own mounts stay
// private.
func (c *Cluster) daemonArgv(i int) []string {
	argv := []string{ctdbdBin}
	if binds := c.s.binds(i); len(binds) > 0 {
		pre := []string{"unshare", "--mount", "--propagation", "slave", "--",
			"sh", "-c", bindAndExec, "ctdbref-start"}
		for _, b := range binds {
			pre = append(pre, b[0], b[1])
		}
		argv = append(append(pre, "--"), argv...)
	}
	if c.s.wrap != nil {
		argv = c.s.wrap(i, argv)
	}
	return argv
}

// Start starts node i's ctdbd (which daemonizes) and returns once its pid
// file names a live ctdbd of this node and its socket exists.
func (c *Cluster) Start(i int) error {
	if err := c.check(i); err != nil {
		return err
	}
	if pid := c.DaemonPID(i); pid != 0 {
		return fmt.Errorf("node %d: ctdbd already runs (pid %d)", i, pid)
	}
	// A SIGKILLed ctdbd leaves both behind; the wait below must see new
	// ones. Its cluster mutex helper may still live a few seconds: as
	// after a real crash, it does not stop a new ctdbd from starting.
	for _, p := range []string{c.l.pidFile(i), c.l.socket(i)} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("node %d: %w", i, err)
		}
	}
	out, err := os.OpenFile(c.l.startLog(i), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("node %d: %w", i, err)
	}
	defer out.Close()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	argv := c.daemonArgv(i)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	// Files, not pipes: Run must return when the daemonizing parent exits,
	// not when the daemon closes its inherited descriptors.
	cmd.Env, cmd.Stdout, cmd.Stderr, cmd.Dir = c.env(i), out, out, c.l.node(i)
	started := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("node %d: %s: %v%s", i, strings.Join(argv, " "), err, c.tails(i))
	}
	return c.waitRunning(i, startTimeout-time.Since(started))
}

// waitRunning waits for node i's pid file and socket. It gives up early
// when the pid file names a process that is gone.
func (c *Cluster) waitRunning(i int, d time.Duration) error {
	var dead bool
	ok := waitUntil(d, func() bool {
		if c.DaemonPID(i) != 0 {
			_, err := os.Stat(c.l.socket(i))
			return err == nil
		}
		pid := c.pidFromFile(i)
		dead = pid != 0 && !procfs.Alive(pid)
		return dead
	})
	switch {
	case dead:
		return fmt.Errorf("node %d: ctdbd exited right after starting%s", i, c.tails(i))
	case !ok:
		return fmt.Errorf("node %d: no ctdbd pid file and socket after %v%s", i, startTimeout, c.tails(i))
	}
	return nil
}

// Stop asks node i to shut down with `ctdb shutdown`, waits for ctdbd to
// exit, then SIGKILLs by PID whatever of the node is left (ctdbd itself
// if it did not exit in stopTimeout). A node that is not running is only
// swept for leftovers; a stopped (SIGSTOP) ctdbd is killed at once.
func (c *Cluster) Stop(i int) error {
	if err := c.check(i); err != nil {
		return err
	}
	var errs []error
	if pid := c.DaemonPID(i); pid != 0 && stopped(pid) {
		// A SIGSTOPped ctdbd cannot answer: straight to SIGKILL.
		_ = syscall.Kill(pid, syscall.SIGKILL)
	} else if pid != 0 {
		_, stderr, code := c.Ctdb(i, "shutdown")
		if len(harness.WaitGone([]int{pid}, stopTimeout)) > 0 {
			errs = append(errs, fmt.Errorf("node %d: ctdbd %d still runs %v after `ctdb shutdown` (exit %d: %s)",
				i, pid, stopTimeout, code, strings.TrimSpace(stderr)))
		}
	}
	if err := drain(fmt.Sprintf("node %d", i), func() []int { return c.nodeProcs(i) }, leftoverGrace); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// StopAll stops every node at once, then kills by PID any process left
// whose CTDB_BASE is under Base.
func (c *Cluster) StopAll() error {
	errs := make([]error, c.s.nodes+1)
	var wg sync.WaitGroup
	for i := 0; i < c.s.nodes; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = c.Stop(i)
		}(i)
	}
	wg.Wait()
	errs[c.s.nodes] = drain("cluster "+c.l.base, c.clusterProcs, 0)
	return errors.Join(errs...)
}

// Kill sends sig to node i's ctdbd. For SIGSTOP it returns once the
// process shows as stopped: the signal is delivered asynchronously, and a
// Stop that followed at once would otherwise take the process for a
// running one and wait for `ctdb shutdown`, which a stopped ctdbd never
// answers.
func (c *Cluster) Kill(i int, sig syscall.Signal) error {
	if err := c.check(i); err != nil {
		return err
	}
	pid := c.DaemonPID(i)
	if pid == 0 {
		return fmt.Errorf("node %d: ctdbd is not running", i)
	}
	if err := syscall.Kill(pid, sig); err != nil || sig != syscall.SIGSTOP {
		return err
	}
	if !waitUntil(stopWait, func() bool { return stopped(pid) }) {
		return fmt.Errorf("node %d: ctdbd %d not stopped %v after SIGSTOP", i, pid, stopWait)
	}
	return nil
}

// stopWait bounds how long Kill waits for SIGSTOP to take effect.
const stopWait = 5 * time.Second

// stopped says whether pid is stopped by a signal (state T).
func stopped(pid int) bool {
	st, err := procfs.ReadStat(pid)
	return err == nil && st.State == 'T'
}
