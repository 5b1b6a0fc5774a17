// Package localcluster sets up and drives ctdbd nodes on one machine, each
// on its own loopback address (127.0.0.1, 127.0.0.2, ...) with its own
// configuration, state and socket directories under one base directory, and a
// shared recovery lock file. The ctdb_local tool and the tests use it.
//
// Layout under Base:
//
//	shared/reclock           the recovery lock file (a shared directory)
//	nodeN/etc/               CTDB_BASE: ctdb.conf, nodes, ctdb.tunables, events.d/, functions
//	nodeN/run/               socket and pid file
//	nodeN/var/               state directory (failcounts, script state)
//	nodeN/log.ctdb           the node's log
//	share/                   CTDB_DATADIR: packaged scripts, if a test puts any
//	                         (never the host's /usr/share/ctdb)
package localcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Options describe a local cluster.
type Options struct {
	Base   string // base directory (created)
	Nodes  int    // number of nodes, >= 1
	BinDir string // directory with ctdbd, ctdb, ctdb_probe
	// SrcDir is the source tree holding events.d/ and functions.
	SrcDir string
	// Reclock is the cluster lock value; "" means Base/shared/reclock,
	// "none" means no lock.
	Reclock string
	// Tunables are written to every node's ctdb.tunables.
	Tunables map[string]uint32
	// Scripts enables only these shipped scripts (none given: the ones
	// make install enables, DefaultScripts).
	Scripts []string
	// ExtraConf is appended to every node's ctdb.conf.
	ExtraConf string
	// LogLevel for the nodes (default NOTICE).
	LogLevel string
	// Port is the node transport port (0 = the default, 4379).
	Port int
	// Addrs are the nodes' addresses (default 127.0.0.1, 127.0.0.2, ...).
	Addrs []string
	// PublicAddresses is written as every node's public_addresses file.
	PublicAddresses string
	// Wrap, if set, turns node i's ctdbd command line into the one to run
	// (for example to run it inside a network namespace).
	Wrap func(i int, argv []string) []string
	// LogLocation overrides the log location (default file:NODEDIR/log.ctdb).
	LogLocation string
}

// Cluster is a set-up local cluster.
type Cluster struct {
	Options
}

// Addr is node i's default (loopback) address.
func Addr(i int) string { return fmt.Sprintf("127.0.0.%d", i+1) }

// NodeAddr is node i's address in this cluster.
func (c *Cluster) NodeAddr(i int) string {
	if i < len(c.Addrs) {
		return c.Addrs[i]
	}
	return Addr(i)
}

// Setup writes every node's configuration. It does not start anything.
func Setup(o Options) (*Cluster, error) {
	if o.Nodes < 1 || o.Nodes > 250 {
		return nil, fmt.Errorf("number of nodes must be 1..250, not %d", o.Nodes)
	}
	if o.LogLevel == "" {
		o.LogLevel = "NOTICE"
	}
	base, err := filepath.Abs(o.Base)
	if err != nil {
		return nil, err
	}
	o.Base = base
	if o.Reclock == "" {
		o.Reclock = filepath.Join(base, "shared", "reclock")
	}
	if o.Reclock == "none" {
		o.Reclock = ""
	}
	if err := os.MkdirAll(filepath.Join(base, "shared"), 0o755); err != nil {
		return nil, err
	}
	c := &Cluster{Options: o}
	for i := 0; i < o.Nodes; i++ {
		if err := c.writeNode(i); err != nil {
			return nil, fmt.Errorf("node %d: %w", i, err)
		}
	}
	return c, nil
}

func (c *Cluster) NodeDir(i int) string   { return filepath.Join(c.Base, fmt.Sprintf("node%d", i)) }
func (c *Cluster) ConfigDir(i int) string { return filepath.Join(c.NodeDir(i), "etc") }
func (c *Cluster) Socket(i int) string    { return filepath.Join(c.NodeDir(i), "run", "ctdbd.socket") }
func (c *Cluster) PidFile(i int) string   { return filepath.Join(c.NodeDir(i), "run", "ctdbd.pid") }
func (c *Cluster) LogFile(i int) string   { return filepath.Join(c.NodeDir(i), "log.ctdb") }
func (c *Cluster) VarDir(i int) string    { return filepath.Join(c.NodeDir(i), "var") }

// DataDir is the nodes' CTDB_DATADIR, Base/share: packaged scripts go in
// its events/legacy.
func (c *Cluster) DataDir() string { return filepath.Join(c.Base, "share") }

// lockLine is the "cluster lock" setting, or nothing for no lock (an
// empty value is an error, as in CTDB).
func (c *Cluster) lockLine() string {
	if c.Reclock == "" {
		return ""
	}
	return "\tcluster lock = " + c.Reclock + "\n"
}

func (c *Cluster) writeNode(i int) error {
	etc := c.ConfigDir(i)
	if err := os.MkdirAll(filepath.Join(etc, "events.d"), 0o755); err != nil {
		return err
	}
	var nodes strings.Builder
	for j := 0; j < c.Nodes; j++ {
		fmt.Fprintln(&nodes, c.NodeAddr(j))
	}
	conf := fmt.Sprintf(`[logging]
	location = %s
	log level = %s
[cluster]
%s	node address = %s
%s[paths]
	run directory = %s
	state directory = %s
%s`, c.logLocation(i), c.LogLevel, c.lockLine(), c.NodeAddr(i), c.portLine(),
		filepath.Join(c.NodeDir(i), "run"), c.VarDir(i), c.ExtraConf)
	var tun strings.Builder
	names := make([]string, 0, len(c.Tunables))
	for k := range c.Tunables {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(&tun, "%s=%d\n", k, c.Tunables[k])
	}
	files := map[string]string{"ctdb.conf": conf, "nodes": nodes.String(), "ctdb.tunables": tun.String()}
	if c.PublicAddresses != "" {
		files["public_addresses"] = c.PublicAddresses
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(etc, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	if err := CopyFile(filepath.Join(c.SrcDir, "functions"), filepath.Join(etc, "functions"), 0o644); err != nil {
		return err
	}
	return c.copyScripts(filepath.Join(etc, "events.d"))
}

func (c *Cluster) portLine() string {
	if c.Port == 0 {
		return ""
	}
	return fmt.Sprintf("\ttransport port = %d\n", c.Port)
}

func (c *Cluster) logLocation(i int) string {
	if c.LogLocation != "" {
		return c.LogLocation
	}
	return "file:" + c.LogFile(i)
}

func (c *Cluster) copyScripts(dst string) error {
	src := filepath.Join(c.SrcDir, "events.d")
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		mode := os.FileMode(0o644)
		if c.enabled(e.Name()) {
			mode = 0o755
		}
		if err := CopyFile(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name()), mode); err != nil {
			return err
		}
	}
	return nil
}

// DefaultScripts are the shipped scripts enabled on a fresh install (as
// CTDB enables); the service scripts (49.winbind, 50.samba, 60.nfs ...)
// start and stop system services and are enabled only by the operator.
var DefaultScripts = []string{"00.ctdb", "01.reclock", "05.system", "10.interface"}

func (c *Cluster) enabled(name string) bool {
	scripts := c.Scripts
	if len(scripts) == 0 {
		scripts = DefaultScripts
	}
	for _, s := range scripts {
		if s == name {
			return true
		}
	}
	return false
}

// CopyFile copies src to dst and gives dst mode.
func CopyFile(src, dst string, mode os.FileMode) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.WriteFile(dst, b, mode); err != nil {
		return err
	}
	return os.Chmod(dst, mode)
}

// Env is the environment for running ctdbd or ctdb as node i.
func (c *Cluster) Env(i int) []string {
	env := []string{}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "CTDB_BASE", "CTDB_SOCKET", "CTDB_RUNDIR", "CTDB_VARDIR", "CTDB_HELPER_BINDIR", "CTDB_DATADIR":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "CTDB_BASE="+c.ConfigDir(i), "CTDB_SOCKET="+c.Socket(i), "CTDB_DATADIR="+c.DataDir())
}

// Start starts node i as a daemon and waits until its socket answers.
func (c *Cluster) Start(i int) error {
	argv := []string{filepath.Join(c.BinDir, "ctdbd")}
	if c.Wrap != nil {
		argv = c.Wrap(i, argv)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = c.Env(i)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("start node %d: %v: %s", i, err, strings.TrimSpace(out.String()))
	}
	return nil
}

// PID returns node i's daemon pid from its pid file (0 if none).
func (c *Cluster) PID(i int) int {
	b, err := os.ReadFile(c.PidFile(i))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// Ctdb runs the ctdb tool as node i.
func (c *Cluster) Ctdb(i int, args ...string) (stdout, stderr string, code int) {
	cmd := exec.Command(filepath.Join(c.BinDir, "ctdb"), args...)
	cmd.Env = c.Env(i)
	return RunTool(cmd)
}

// RunTool runs cmd and returns its stdout, its stderr and its exit code;
// a command that could not run, or died of a signal, gives code -1 and
// the reason at the end of stderr.
func RunTool(cmd *exec.Cmd) (stdout, stderr string, code int) {
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return o.String(), e.String(), 0
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return o.String(), e.String(), ee.ExitCode()
	default:
		return o.String(), e.String() + err.Error(), -1
	}
}

// WaitRunstate polls until node i reports runstate want.
func (c *Cluster) WaitRunstate(ctx context.Context, i int, want string) error {
	for {
		out, _, code := c.Ctdb(i, "runstate")
		if code == 0 && strings.TrimSpace(out) == want {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("node %d: runstate %q, want %s: %w", i, strings.TrimSpace(out), want, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Stop asks node i to shut down and waits for its process to go; after
// timeout it sends SIGKILL to that PID.
func (c *Cluster) Stop(i int, timeout time.Duration) error {
	pid := c.PID(i)
	if pid == 0 || !Alive(pid) {
		return nil
	}
	c.Ctdb(i, "shutdown")
	if WaitGone(pid, timeout) {
		return nil
	}
	syscall.Kill(pid, syscall.SIGKILL)
	if WaitGone(pid, 5*time.Second) {
		return fmt.Errorf("node %d (pid %d) did not shut down in %v; killed", i, pid, timeout)
	}
	return fmt.Errorf("node %d (pid %d) does not die", i, pid)
}

// Kill sends sig to node i's daemon.
func (c *Cluster) Kill(i int, sig syscall.Signal) error {
	pid := c.PID(i)
	if pid == 0 {
		return fmt.Errorf("node %d has no pid file", i)
	}
	return syscall.Kill(pid, sig)
}

// StopAll stops every node.
func (c *Cluster) StopAll(timeout time.Duration) error {
	var errs []error
	for i := 0; i < c.Nodes; i++ {
		if err := c.Stop(i, timeout); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Alive reports whether pid runs. A zombie (not yet reaped) counts as
// gone once it is the only task left: after SIGKILL the thread-group
// leader shows as a zombie while its other threads are still exiting, and
// until the last of them has, the process's files (and so the flock on
// ctdbd's pid file) are still open. A restart in that moment found the pid
// file locked (make test, TestPersistentDBSurvivesKillOfEveryNode).
func Alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	if !IsZombie(string(b)) {
		return true
	}
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	return err == nil && len(tasks) > 1
}

// IsZombie reports whether stat, the text of /proc/PID/stat, shows state
// Z (exited, not yet reaped).
func IsZombie(stat string) bool {
	j := strings.LastIndexByte(stat, ')')
	return j >= 0 && j+2 < len(stat) && stat[j+2] == 'Z'
}

// WaitGone waits up to timeout for pid to exit, looking every 20 ms, and
// reports whether it did.
func WaitGone(pid int, timeout time.Duration) bool {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(timeout)
	for Alive(pid) {
		select {
		case <-tick.C:
		case <-deadline:
			return !Alive(pid)
		}
	}
	return true
}

// Log returns node i's log.
func (c *Cluster) Log(i int) string {
	b, _ := os.ReadFile(c.LogFile(i))
	return string(b)
}

// Load reads back a cluster set up earlier under base.
func Load(base, binDir string) (*Cluster, error) {
	n := 0
	for {
		if _, err := os.Stat(filepath.Join(base, fmt.Sprintf("node%d", n), "etc", "ctdb.conf")); err != nil {
			break
		}
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("no local cluster under %s (run setup first)", base)
	}
	abs, _ := filepath.Abs(base)
	return &Cluster{Options: Options{Base: abs, Nodes: n, BinDir: binDir}}, nil
}

// Unexported names kept for code written against them.
func copyFile(src, dst string, mode os.FileMode) error { return CopyFile(src, dst, mode) }
func waitGone(pid int, timeout time.Duration) bool     { return WaitGone(pid, timeout) }
func alive(pid int) bool                               { return Alive(pid) }
