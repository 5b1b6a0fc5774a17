package localcluster

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const usage = `Usage: ctdb_local [-d BASE] COMMAND [ARGS]

Runs ctdbd nodes on this machine, node N on 127.0.0.N+1, each with its own
configuration, state and socket directories under BASE (default
/tmp/ctdb-local) and a shared recovery lock file BASE/shared/reclock.

Commands:
  setup [-n NODES] [-src DIR] [-t Name=value]...   write the nodes' configuration
  start [N|all]                                     start node N (default all)
  stop [N|all]                                      shut node N down (default all)
  kill N [SIGNAL]                                   send SIGNAL (default KILL) to node N's ctdbd
  onnode N ctdb-args...                             run the ctdb tool as node N
  logs [N|all]                                      print the nodes' logs
  demo                                              a 3-node cluster: start, show, kill the leader, recover, stop
`

// Main is ctdb_local's command line.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ctdb_local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("d", "/tmp/ctdb-local", "base directory")
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	bin := binDir()
	cmd, rest := fs.Arg(0), fs.Args()[1:]
	var err error
	switch cmd {
	case "setup":
		err = cmdSetup(*base, bin, rest, stdout)
	case "demo":
		err = Demo(stdout, bin, findSrc(""))
	case "start", "stop", "kill", "onnode", "logs":
		var c *Cluster
		if c, err = Load(*base, bin); err == nil {
			return runOn(c, cmd, rest, stdout, stderr)
		}
	default:
		fs.Usage()
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "ctdb_local: %v\n", err)
		return 1
	}
	return 0
}

func binDir() string {
	exe, err := os.Executable()
	if err != nil {
		return "."
	}
	return filepath.Dir(exe)
}

// findSrc finds the directory holding events.d/ and functions: the given
// one, the current directory, the build tree above the binary, /etc/ctdb.
func findSrc(dir string) string {
	cands := []string{dir, ".", filepath.Dir(binDir()), "/etc/ctdb"}
	for _, d := range cands {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "functions")); err == nil {
			abs, _ := filepath.Abs(d)
			return abs
		}
	}
	return "."
}

type tunableFlags map[string]uint32

func (t tunableFlags) String() string { return fmt.Sprint(map[string]uint32(t)) }
func (t tunableFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	n, err := strconv.ParseUint(v, 10, 32)
	if !ok || err != nil {
		return fmt.Errorf("expected Name=value, got %q", s)
	}
	t[k] = uint32(n)
	return nil
}

func cmdSetup(base, bin string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("setup", flag.ContinueOnError)
	n := fs.Int("n", 3, "number of nodes")
	src := fs.String("src", "", "directory with events.d/ and functions")
	reclock := fs.String("reclock", "", `cluster lock ("none" for no lock)`)
	tun := tunableFlags{}
	fs.Var(tun, "t", "tunable Name=value (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := Setup(Options{Base: base, Nodes: *n, BinDir: bin, SrcDir: findSrc(*src), Reclock: *reclock, Tunables: tun})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d nodes set up under %s\n", c.Nodes, c.Base)
	return nil
}

// nodeArgs parses "N" or "all" (default all).
func nodeArgs(c *Cluster, args []string) ([]int, error) {
	if len(args) == 0 || args[0] == "all" {
		all := make([]int, c.Nodes)
		for i := range all {
			all[i] = i
		}
		return all, nil
	}
	i, err := strconv.Atoi(args[0])
	if err != nil || i < 0 || i >= c.Nodes {
		return nil, fmt.Errorf("invalid node %q (0..%d)", args[0], c.Nodes-1)
	}
	return []int{i}, nil
}

func runOn(c *Cluster, cmd string, args []string, stdout, stderr io.Writer) int {
	nodes, err := nodeArgs(c, args)
	if err != nil {
		fmt.Fprintf(stderr, "ctdb_local: %v\n", err)
		return 2
	}
	rc := 0
	fail := func(err error) {
		if err != nil {
			fmt.Fprintf(stderr, "ctdb_local: %v\n", err)
			rc = 1
		}
	}
	switch cmd {
	case "start":
		for _, i := range nodes {
			fail(c.Start(i))
		}
	case "stop":
		for _, i := range nodes {
			fail(c.Stop(i, 60*time.Second))
		}
	case "logs":
		for _, i := range nodes {
			fmt.Fprintf(stdout, "==> node %d: %s <==\n%s", i, c.LogFile(i), c.Log(i))
		}
	case "kill":
		sig := syscall.SIGKILL
		if len(args) > 1 {
			n, err := strconv.Atoi(strings.TrimPrefix(args[1], "-"))
			if err != nil {
				fail(fmt.Errorf("signal must be a number, not %q", args[1]))
				return rc
			}
			sig = syscall.Signal(n)
		}
		fail(c.Kill(nodes[0], sig))
	case "onnode":
		out, errOut, code := c.Ctdb(nodes[0], args[1:]...)
		fmt.Fprint(stdout, out)
		fmt.Fprint(stderr, errOut)
		return code
	}
	return rc
}

// Demo runs the built-in default: a 3-node cluster on 127.0.0.1-3 with
// the shipped eventscripts and a shared recovery lock. It shows `ctdb
// status` and `ctdb event status`, kills the leader's ctdbd with SIGKILL,
// shows the cluster recovering, and stops.
func Demo(out io.Writer, bin, src string) error {
	base, err := os.MkdirTemp("", "ctdb-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(base)
	const n = 3
	c, err := Setup(Options{Base: base, Nodes: n, BinDir: bin, SrcDir: src})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Demo cluster in %s: %d nodes on 127.0.0.1-%d, eventscripts from %s\n", base, n, n, src)
	t0 := time.Now()
	for i := 0; i < n; i++ {
		if err := c.Start(i); err != nil {
			c.StopAll(10 * time.Second)
			return err
		}
	}
	defer c.StopAll(60 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i := 0; i < n; i++ {
		if err := c.WaitRunstate(ctx, i, "RUNNING"); err != nil {
			return err
		}
	}
	if err := waitEvent(ctx, c, 0, "monitor"); err != nil {
		return err
	}
	fmt.Fprintf(out, "All nodes RUNNING %.2f s after start.\n", time.Since(t0).Seconds())
	show(out, c, 0, "status")
	show(out, c, 0, "event", "status")
	show(out, c, 0, "event", "script", "list")
	leader := leaderPNN(c, 0)
	if leader < 0 {
		return fmt.Errorf("no leader")
	}
	other := (leader + 1) % n
	fmt.Fprintf(out, "\n$ kill -9 <ctdbd of node %d, the leader>\n", leader)
	killedAt := time.Now()
	if err := c.Kill(leader, syscall.SIGKILL); err != nil {
		return err
	}
	gone := fmt.Sprintf("pnn:%d %-16s DISCONNECTED", leader, Addr(leader))
	for time.Since(killedAt) < 10*time.Second {
		o, _, _ := c.Ctdb(other, "status")
		if strings.Contains(o, gone) && strings.Contains(o, fmt.Sprintf("Size:%d\n", n-1)) &&
			strings.Contains(o, "Recovery mode:NORMAL") && !strings.Contains(o, "Leader:UNKNOWN") {
			fmt.Fprintf(out, "(new leader and recovery %.3f s after the kill, as seen from node %d)\n", time.Since(killedAt).Seconds(), other)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	show(out, c, other, "status")
	show(out, c, other, "uptime")
	fmt.Fprintf(out, "\n$ ctdb_local start %d   # the node rejoins\n", leader)
	if err := c.Start(leader); err != nil {
		return err
	}
	if err := c.WaitRunstate(ctx, leader, "RUNNING"); err != nil {
		return err
	}
	show(out, c, other, "status")
	fmt.Fprintln(out, "\n$ ctdb_local stop")
	if err := c.StopAll(60 * time.Second); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nLast lines of node %d's log (%s):\n", other, c.LogFile(other))
	lines := strings.Split(strings.TrimRight(c.Log(other), "\n"), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	fmt.Fprintln(out, strings.Join(lines, "\n"))
	return nil
}

func show(out io.Writer, c *Cluster, i int, args ...string) {
	o, e, code := c.Ctdb(i, args...)
	fmt.Fprintf(out, "\n$ ctdb %s   # on node %d\n%s%s", strings.Join(args, " "), i, o, e)
	if code != 0 {
		fmt.Fprintf(out, "[exit=%d]\n", code)
	}
}

// leaderPNN asks node i who leads (-1 if unknown).
func leaderPNN(c *Cluster, i int) int {
	o, _, code := c.Ctdb(i, "leader")
	n, err := strconv.Atoi(strings.TrimSpace(o))
	if code != 0 || err != nil {
		return -1
	}
	return n
}

// waitEvent waits until event has a recorded status on node i.
func waitEvent(ctx context.Context, c *Cluster, i int, event string) error {
	for {
		o, _, _ := c.Ctdb(i, "scriptstatus", event)
		if strings.Contains(o, "00.ctdb") {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("node %d: no %s event result: %w", i, event, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
