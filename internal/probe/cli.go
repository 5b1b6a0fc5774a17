package probe

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"
)

const usage = `usage: ctdb_probe [-t TIMEOUT] [-s STATE_DIR] stat PATH
       ctdb_probe [-t TIMEOUT] [-s STATE_DIR] statfs [-u] PATH
       ctdb_probe [-s STATE_DIR] status stat|statfs PATH
TIMEOUT is in seconds (default 5, or $CTDB_PROBE_TIMEOUT); STATE_DIR
defaults to $CTDB_VARDIR/probe, else /var/lib/ctdb/probe.
Exit: 0 ok, 1 filesystem error, 2 no answer (timeout or earlier probe
still stuck), 3 usage or local error.
`

// cliOpts are the parsed global options.
type cliOpts struct {
	timeout  time.Duration
	stateDir string
}

// Main is the ctdb_probe command. It also runs the hidden worker verb that
// Probe re-executes. It returns the exit code.
func Main(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == workerVerb {
		return RunWorker(args[1:], stderr)
	}
	opts, rest, err := parseGlobal(args, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "ctdb_probe: %v\n%s", err, usage)
		return ExitLocal
	}
	if len(rest) == 0 {
		fmt.Fprint(stderr, usage)
		return ExitLocal
	}
	switch rest[0] {
	case "stat", "statfs":
		return runProbe(opts, rest, stdout, stderr)
	case "status":
		return runStatus(opts, rest[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "ctdb_probe: unknown command %q\n%s", rest[0], usage)
	return ExitLocal
}

func parseGlobal(args []string, getenv func(string) string) (cliOpts, []string, error) {
	fs := flag.NewFlagSet("ctdb_probe", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	timeout := fs.String("t", "", "timeout in seconds")
	stateDir := fs.String("s", DefaultStateDir(getenv), "state directory")
	if err := fs.Parse(args); err != nil {
		return cliOpts{}, nil, err
	}
	opts := cliOpts{timeout: DefaultTimeout, stateDir: *stateDir}
	for _, src := range []struct{ name, val string }{
		{"CTDB_PROBE_TIMEOUT", getenv("CTDB_PROBE_TIMEOUT")}, {"-t", *timeout},
	} {
		if src.val == "" {
			continue
		}
		d, err := parseTimeout(src.val)
		if err != nil {
			return cliOpts{}, nil, fmt.Errorf("%s: %v", src.name, err)
		}
		opts.timeout = d
	}
	return opts, fs.Args(), nil
}

// parseTimeout accepts seconds ("5", "0.5") or a Go duration ("500ms").
func parseTimeout(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		secs, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return 0, fmt.Errorf("invalid timeout %q (want seconds, e.g. 5 or 0.5)", s)
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d <= 0 {
		return 0, fmt.Errorf("invalid timeout %q (must be positive)", s)
	}
	return d, nil
}

func runProbe(opts cliOpts, args []string, stdout, stderr io.Writer) int {
	op := Op(args[0])
	fs := flag.NewFlagSet(string(op), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var percentOnly *bool
	if op == OpStatfs {
		percentOnly = fs.Bool("u", false, "print only the use percentage")
	}
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 1 {
		fmt.Fprintf(stderr, "ctdb_probe: %s: expected one PATH\n%s", op, usage)
		return ExitLocal
	}
	path := fs.Arg(0)
	p, err := New(Config{StateDir: opts.stateDir, Timeout: opts.timeout})
	if err != nil {
		fmt.Fprintf(stderr, "ctdb_probe: %v\n", err)
		return ExitLocal
	}
	res, err := p.Probe(op, path)
	if err != nil {
		fmt.Fprintf(stderr, "ctdb_probe: %v\n", err)
		return ExitCode(err)
	}
	switch {
	case op == OpStat:
		fmt.Fprint(stdout, FormatStat(res.Path, res.Stat))
	case *percentOnly:
		pct, _ := res.Statfs.UsePercent()
		fmt.Fprintln(stdout, pct)
	default:
		fmt.Fprint(stdout, FormatStatfs(res.Path, res.Statfs))
	}
	return ExitOK
}

// runStatus prints the outstanding worker and the last answer for a key.
func runStatus(opts cliOpts, args []string, stdout, stderr io.Writer) int {
	if len(args) != 2 {
		fmt.Fprintf(stderr, "ctdb_probe: status: expected OP PATH\n%s", usage)
		return ExitLocal
	}
	op, err := ParseOp(args[0])
	if err == nil {
		var p *Prober
		if p, err = New(Config{StateDir: opts.stateDir, Timeout: opts.timeout}); err == nil {
			var st Status
			if st, err = p.Status(op, args[1]); err == nil {
				fmt.Fprint(stdout, FormatStatus(op, args[1], st, time.Now()))
				return ExitOK
			}
		}
	}
	fmt.Fprintf(stderr, "ctdb_probe: status: %v\n", err)
	return ExitLocal
}

// FormatStatus renders a Status as two lines: outstanding worker, last answer.
func FormatStatus(op Op, path string, st Status, now time.Time) string {
	out := fmt.Sprintf("%s %s: no probe running\n", op, path)
	if o := st.Outstanding; o != nil {
		out = fmt.Sprintf("%s %s: probe pid %d running since %v ago\n", op, path, o.Pid, roundAge(now.Sub(o.Started)))
	}
	switch r := st.Last; {
	case r == nil:
		out += fmt.Sprintf("%s %s: no answer recorded\n", op, path)
	case r.Err() != nil:
		var fe *FSError
		errors.As(r.Err(), &fe)
		out += fmt.Sprintf("%s %s: last answer at %s: error: %s\n", op, path, r.Finished.UTC().Format(time.RFC3339), fe.Text)
	default:
		out += fmt.Sprintf("%s %s: last answer at %s: ok (took %v)\n", op, path,
			r.Finished.UTC().Format(time.RFC3339), r.Finished.Sub(r.Started).Round(time.Microsecond))
	}
	return out
}
