// Package ours is ctdb-go as a system.System for the benchmark suite: a
// local cluster (internal/localcluster) of this tree's binaries.
//
// The binaries come from Options.BinDir when set (for example ./bin after
// `make build`); otherwise they are built from the source tree into a
// temporary directory on the first call of Available or NewCluster, and
// Close removes it.
//
// What each ClusterOptions field becomes:
//
//   - Base, Nodes, Addrs, Port, Wrap, Tunables: the same localcluster options.
//   - Reclock: the `[cluster] cluster lock` value ("" = BASE/shared/reclock).
//   - Enabled eventscripts: 00.ctdb always; 01.reclock when ReclockScript;
//     10.interface when PublicAddresses is set (which is also written as
//     every node's public_addresses). 05.system stays disabled.
//   - TrivialScripts: events.d/NN.trivialK (NN = 20, 21...; K = 1, 2...),
//     each `#!/bin/sh` and `exit 0`.
package ours

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/tests/bench/procfs"
	"github.com/ctdb-go/ctdb/tests/bench/system"
	"github.com/ctdb-go/ctdb/tests/harness"
)

// Name is the system's name in the suite's tables.
const Name = "ctdb-go"

// modulePath identifies this project's go.mod when looking for the tree.
const modulePath = "github.com/ctdb-go/ctdb"

// Options say where the binaries and the source tree are.
type Options struct {
	// BinDir holds prebuilt binaries; "" builds them into a temp dir.
	BinDir string
	// SrcDir is the source tree (go.mod, events.d/, functions); "" finds
	// it above the working directory or this file.
	SrcDir string
}

// System is ctdb-go. Its methods may be called from several goroutines.
type System struct {
	opts Options

	once     sync.Once
	binDir   string
	srcDir   string
	tmp      string // temp bin dir to remove in Close
	setupErr error
}

var _ system.System = (*System)(nil)

// New returns ctdb-go with binaries built from the source tree.
func New() system.System { return NewWith(Options{}) }

// NewWith returns ctdb-go with the given binaries and source tree.
func NewWith(o Options) *System { return &System{opts: o} }

func (s *System) Name() string { return Name }

// Version is `ctdbd --version` and the tree's git commit, if known.
func (s *System) Version() string {
	if err := s.setup(); err != nil {
		return "unknown"
	}
	out, err := exec.Command(filepath.Join(s.binDir, "ctdbd"), "--version").Output()
	v := strings.TrimSpace(string(out))
	if err != nil || v == "" {
		v = "unknown"
	}
	git := exec.Command("git", "describe", "--always", "--dirty")
	git.Dir = s.srcDir
	if c, err := git.Output(); err == nil {
		v += " (" + strings.TrimSpace(string(c)) + ")"
	}
	return v
}

// Available builds (or finds) the binaries and says why it cannot run.
func (s *System) Available() (bool, string) {
	if runtime.GOOS != "linux" {
		return false, "needs Linux"
	}
	if err := s.setup(); err != nil {
		return false, err.Error()
	}
	return true, ""
}

// Close removes the binaries it built.
func (s *System) Close() error {
	if s.tmp == "" {
		return nil
	}
	return os.RemoveAll(s.tmp)
}

func (s *System) setup() error {
	s.once.Do(func() { s.setupErr = s.doSetup() })
	return s.setupErr
}

func (s *System) doSetup() error {
	src := s.opts.SrcDir
	if src == "" {
		var err error
		if src, err = findSrc(); err != nil {
			return err
		}
	}
	s.srcDir = src
	if s.opts.BinDir != "" {
		s.binDir = s.opts.BinDir
		for name := range harness.NodeBinaries {
			if _, err := os.Stat(filepath.Join(s.binDir, name)); err != nil {
				return fmt.Errorf("binary %s missing in %s (run make build): %w", name, s.binDir, err)
			}
		}
		return nil
	}
	tmp, err := os.MkdirTemp("", "ctdb-bench-bin-")
	if err != nil {
		return err
	}
	s.tmp, s.binDir = tmp, tmp
	return harness.Build(src, tmp, harness.NodeBinaries)
}

// findSrc finds the tree: the first directory at or above the working
// directory, or above this source file, whose go.mod is this module.
func findSrc() (string, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		starts = append(starts, filepath.Dir(file))
	}
	for _, d := range starts {
		for {
			if isTree(d) {
				return d, nil
			}
			up := filepath.Dir(d)
			if up == d {
				break
			}
			d = up
		}
	}
	return "", errors.New("cannot find the ctdb-go source tree (a go.mod of module " + modulePath + ") above the working directory")
}

func isTree(d string) bool {
	b, err := os.ReadFile(filepath.Join(d, "go.mod"))
	if err != nil {
		return false
	}
	first, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(first) == "module "+modulePath
}

// NewCluster writes every node's configuration; nothing is started.
func (s *System) NewCluster(o system.ClusterOptions) (system.Cluster, error) {
	if err := s.setup(); err != nil {
		return nil, err
	}
	if o.Base == "" {
		return nil, errors.New("ClusterOptions.Base is empty")
	}
	if o.TrivialScripts < 0 || o.TrivialScripts > 70 {
		return nil, fmt.Errorf("TrivialScripts must be 0..70, not %d", o.TrivialScripts)
	}
	scripts := []string{"00.ctdb"}
	if o.ReclockScript {
		scripts = append(scripts, "01.reclock")
	}
	if o.PublicAddresses != "" {
		scripts = append(scripts, "10.interface")
	}
	lc, err := localcluster.Setup(localcluster.Options{
		Base: o.Base, Nodes: o.Nodes, BinDir: s.binDir, SrcDir: s.srcDir,
		Reclock: o.Reclock, Tunables: o.Tunables, Scripts: scripts, Port: o.Port,
		Addrs: o.Addrs, PublicAddresses: o.PublicAddresses, Wrap: o.Wrap,
	})
	if err != nil {
		return nil, err
	}
	for i := 0; i < o.Nodes; i++ {
		if err := writeTrivial(filepath.Join(lc.ConfigDir(i), "events.d"), o.TrivialScripts); err != nil {
			return nil, fmt.Errorf("node %d: %w", i, err)
		}
	}
	return &Cluster{lc: lc}, nil
}

// writeTrivial writes n enabled scripts that only exit 0.
func writeTrivial(dir string, n int) error {
	for k := 0; k < n; k++ {
		p := filepath.Join(dir, fmt.Sprintf("%02d.trivial%d", 20+k, k+1))
		if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
			return err
		}
		if err := os.Chmod(p, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// Cluster is a ctdb-go local cluster.
type Cluster struct {
	lc *localcluster.Cluster
}

var _ system.Cluster = (*Cluster)(nil)

// Tool and shutdown bounds: ctdb-go answers at once, so these only stop
// a broken run from hanging the suite.
const (
	toolTimeout = 60 * time.Second
	stopTimeout = 30 * time.Second
	// leftoverGrace is how long StopAll lets a node's other processes
	// (guard, scripts) exit after ctdbd before killing them by PID.
	leftoverGrace = 5 * time.Second
)

func (c *Cluster) Start(i int) error {
	if err := c.check(i); err != nil {
		return err
	}
	return c.lc.Start(i)
}

func (c *Cluster) Stop(i int) error {
	if err := c.check(i); err != nil {
		return err
	}
	return c.lc.Stop(i, stopTimeout)
}

// StopAll stops every node, then kills by PID whatever of the cluster
// still runs after a grace (any process whose CTDB_BASE is under Base).
func (c *Cluster) StopAll() error {
	var errs []error
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := 0; i < c.lc.Nodes; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := c.lc.Stop(i, stopTimeout); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	if left := c.leftovers(); len(left) > 0 {
		for _, p := range left {
			syscall.Kill(p, syscall.SIGKILL)
		}
		errs = append(errs, fmt.Errorf("killed processes left behind: %s", procfs.Describe(left)))
	}
	return errors.Join(errs...)
}

// leftovers waits up to leftoverGrace for the cluster's processes to go
// and returns those that did not.
func (c *Cluster) leftovers() []int {
	prefix := "CTDB_BASE=" + c.lc.Base + string(filepath.Separator)
	var pids []int
	if harness.Until(leftoverGrace, 50*time.Millisecond, func() string {
		if pids = procfs.WithEnv(prefix); len(pids) > 0 {
			return "left"
		}
		return ""
	}) == nil {
		return nil
	}
	return pids
}

func (c *Cluster) Kill(i int, sig syscall.Signal) error {
	if err := c.check(i); err != nil {
		return err
	}
	return c.lc.Kill(i, sig)
}

// Ctdb runs this tree's ctdb tool as node i (bounded by toolTimeout).
func (c *Cluster) Ctdb(i int, args ...string) (string, string, int) {
	if err := c.check(i); err != nil {
		return "", err.Error(), -1
	}
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(c.lc.BinDir, "ctdb"), args...)
	cmd.Env = c.lc.Env(i)
	return harness.RunTool(cmd)
}

// DaemonPID is node i's ctdbd, 0 when it is not running.
func (c *Cluster) DaemonPID(i int) int {
	if c.check(i) != nil {
		return 0
	}
	pid := c.lc.PID(i)
	if pid == 0 || !procfs.Alive(pid) {
		return 0
	}
	return pid
}

// PIDs are node i's ctdbd and its long-lived descendants: the recovery
// daemon, its cluster lock helper and the address guard (ctdb_ipguard).
// Eventscripts and probes are left out.
func (c *Cluster) PIDs(i int) []int {
	root := c.DaemonPID(i)
	if root == 0 {
		return nil
	}
	out := []int{root}
	for _, p := range procfs.Snapshot().Descendants(root) {
		if longLived(procfs.Cmdline(p)) {
			out = append(out, p)
		}
	}
	return out
}

// longLived tells a node's own processes from scripts by their argv.
func longLived(argv []string) bool {
	if len(argv) == 0 {
		return false
	}
	switch filepath.Base(argv[0]) {
	case "ctdb-recoverd", "ctdb_mutex_fcntl_helper", "ctdb_ipguard":
		return true
	}
	return false
}

func (c *Cluster) Log(i int) string {
	if c.check(i) != nil {
		return ""
	}
	return c.lc.Log(i)
}

func (c *Cluster) check(i int) error {
	if i < 0 || i >= c.lc.Nodes {
		return fmt.Errorf("no node %d (cluster of %d)", i, c.lc.Nodes)
	}
	return nil
}
