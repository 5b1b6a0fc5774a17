package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/ctdb-go/ctdb/internal/client"
	"github.com/ctdb-go/ctdb/internal/config"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

// Runner runs the tool once. The zero values of the optional fields give
// the production behaviour; tests set them for stable output.
type Runner struct {
	Stdout, Stderr io.Writer
	// Stdin is read by ptrans, and by tickle, addtickle and deltickle
	// without arguments; nil means os.Stdin.
	Stdin io.Reader
	// Getenv reads the environment ($CTDB_SOCKET, $CTDB_BASE,
	// $CTDB_TIMEOUT); nil means os.Getenv.
	Getenv func(string) string
	// Now is the clock for ping's round-trip time; nil means time.Now.
	Now func() time.Time
	// PollInterval is the pause between nodemap polls while disable,
	// enable, stop and continue wait for the flag change; 0 means 250ms.
	PollInterval time.Duration
}

// Main runs the ctdb tool with args (without the program name) and
// returns the exit code.
func Main(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	r := &Runner{Stdout: stdout, Stderr: stderr, Getenv: getenv}
	return r.Run(args)
}

// Run parses args, runs the command and returns the exit code.
func (r *Runner) Run(args []string) int {
	getenv := r.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	opts, pos, err := parseOptions(args)
	if err != nil {
		fmt.Fprintln(r.Stderr, err)
		return 1
	}
	if len(pos) > 1 && pos[0] == "help" {
		return r.commandHelp(pos[1])
	}
	if opts.help {
		printUsage(r.Stdout)
		return 0
	}
	if len(pos) == 0 {
		printUsage(r.Stderr)
		return 1
	}
	cmd := findCommand(pos[0])
	if cmd == nil {
		// CTDB's one line; `ctdb help` is no command either.
		fmt.Fprintf(r.Stderr, "Unknown command '%s'\n", pos[0])
		return 1
	}
	if err := cmd.checkArgs(pos[1:]); err != nil {
		return r.report(nil, err)
	}
	if opts.maxRuntime == 0 {
		if opts.maxRuntime, err = maxRuntimeFromEnv(getenv); err != nil {
			fmt.Fprintln(r.Stderr, err)
			return 1
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), opts.maxRuntime)
	defer cancel()
	return r.report(ctx, r.runCommand(ctx, cmd, opts, pos[1:], getenv))
}

// maxRuntimeFromEnv is CTDB's default for -T: $CTDB_TIMEOUT, else 120 s.
func maxRuntimeFromEnv(getenv func(string) string) (time.Duration, error) {
	v := getenv("CTDB_TIMEOUT")
	if v == "" {
		return defaultMaxRuntime, nil
	}
	n, err := strconv.ParseUint(v, 0, 32)
	if err != nil {
		return 0, errors.New("Invalid value CTDB_TIMEOUT")
	}
	if n == 0 {
		return defaultMaxRuntime, nil
	}
	return time.Duration(n) * time.Second, nil
}

// report turns a command's error into messages and the exit code.
func (r *Runner) report(ctx context.Context, err error) int {
	if err == nil {
		return 0
	}
	var ue *usageError
	var xe *exitError
	switch {
	case errors.As(err, &ue):
		printCommandUsage(r.Stderr, ue.cmd)
		return 1
	case errors.As(err, &xe):
		if xe.msg != "" {
			fmt.Fprintln(r.Stderr, xe.msg)
		}
		return xe.code
	case ctx != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		fmt.Fprintln(r.Stderr, "Maximum runtime exceeded - exiting")
		return 1
	}
	fmt.Fprintf(r.Stderr, "ctdb: %v\n", err)
	return 1
}

// runCommand connects to the daemon, resolves the node the command is
// about and runs it.
func (r *Runner) runCommand(ctx context.Context, cmd *command, opts options, args []string, getenv func(string) string) error {
	e := &env{ctx: ctx, in: r.Stdin, out: r.Stdout, errOut: r.Stderr, opts: opts,
		now: r.Now, poll: r.PollInterval, dst: protocol.PNNCurrent, getenv: getenv}
	if e.in == nil {
		e.in = os.Stdin
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.poll <= 0 {
		e.poll = 250 * time.Millisecond
	}
	if cmd.noDaemon {
		return cmd.run(e, args)
	}
	c, err := dial(config.ToolSocketPath(getenv), opts.timelimit)
	if err != nil && offlineEventCommand(cmd, args, err) && opts.node < 0 {
		o, oerr := newOfflineScripts(getenv)
		if oerr != nil {
			return oerr
		}
		e.c = o
		return cmd.run(e, args)
	}
	if err != nil {
		return err
	}
	defer c.Close()
	e.c = c
	if err := e.resolveNodes(cmd); err != nil {
		return err
	}
	return cmd.run(e, args)
}

// localPNN asks the local daemon for its PNN and makes it the node the
// command is about.
func (e *env) localPNN() error {
	var p protocol.PNNReply
	if err := e.callLocal(protocol.OpGetPNN, nil, &p); err != nil {
		return fmt.Errorf("cannot get the PNN of this node: %w", err)
	}
	e.pnn, e.cmdPNN, e.pnnLater = p.PNN, p.PNN, false
	return nil
}

// dial connects to ctdbd. A missing socket, a refused connection (no
// daemon) or a permission problem fails at once, as in CTDB. Other
// failures (a full accept queue...) are retried until the time limit.
func dial(path string, timelimit time.Duration) (*client.Client, error) {
	c, err := client.Dial(path, 0)
	if err == nil {
		return c, nil
	}
	if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.ENOTDIR) {
		return nil, err
	}
	return client.Dial(path, timelimit)
}

// resolveNodes finds the local PNN and checks the -n node, as CTDB's
// verify_pnn does: it must exist and be neither disconnected nor deleted.
func (e *env) resolveNodes(cmd *command) error {
	if cmd.replyPNN && e.opts.node < 0 {
		e.pnnLater = true
		return nil
	}
	if err := e.localPNN(); err != nil {
		return err
	}
	if e.opts.node < 0 || uint32(e.opts.node) == e.pnn {
		return nil
	}
	pnn := uint32(e.opts.node)
	nodes, err := e.localNodemap()
	if err != nil {
		return err
	}
	n := findNode(nodes, pnn)
	if n == nil {
		return failf("Node %d does not exist", pnn)
	}
	if n.Flags&(protocol.FlagDisconnected|protocol.FlagDeleted) != 0 {
		return failf("Node %d has status %s", pnn, flagsString(n.Flags))
	}
	if cmd.local {
		return failf("Node cannot be specified for command %s", cmd.name)
	}
	e.cmdPNN, e.dst = pnn, pnn
	return nil
}
