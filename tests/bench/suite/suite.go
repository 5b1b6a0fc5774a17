// Package suite is the benchmark suite, as a library (tests/bench is its
// thin main): it runs each scenario against
// ctdb-go and Samba's CTDB (when installed), repeats it, and prints one
// table of medians and spreads, also written as Markdown and JSON.
//
//	go run ./tests/bench [-reps 5] [-smoke] [-only scenario,...] [-out results] [-systems ctdb-go,ctdb] [-bin DIR] [-resume FILE.json]
//
// It must run as root for the network-namespace and FUSE scenarios (they
// report n/a otherwise). All traffic stays on loopback or inside the
// namespaces it creates; it kills only processes it started, by PID.
package suite

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// Main runs the suite with the command line args (args[0] is the program)
// and returns the exit status: 0 when every scenario produced its figures
// or was not available here, 1 when some failed, 2 on a usage error.
func Main(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return 2
	}
	scenarios, err := selectScenarios(allScenarios(), cfg.Only)
	if err == nil && cfg.Smoke && len(cfg.Only) == 0 {
		scenarios, _ = selectScenarios(allScenarios(), smokeScenarios)
	}
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	all, closeAll := allSystems(cfg)
	defer closeAll()
	systems, err := selectSystems(all, cfg.Systems)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	rep, err := Run(cfg, systems, scenarios, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	rep.buildRows()
	fmt.Fprint(stdout, rep.Table())
	if cfg.Out != "" {
		paths, err := rep.Write(cfg.Out)
		if err != nil {
			fmt.Fprintln(stderr, "bench: writing results:", err)
			return 1
		}
		fmt.Fprintf(stderr, "written: %s\n", strings.Join(paths, " "))
	}
	for _, o := range rep.Outcomes {
		if len(o.Errors) > 0 {
			return 1
		}
	}
	return 0
}

// smokeScenarios are what -smoke runs without -only: the quick loopback ones.
var smokeScenarios = []string{"control-latency", "scale", "monitor-cost"}

func parseFlags(args []string, stderr io.Writer) (Config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	reps := fs.Int("reps", 5, "repetitions of each scenario per system")
	smoke := fs.Bool("smoke", false, "quick run: 1 repetition, smallest sizes, short windows")
	only := fs.String("only", "", "comma-separated scenarios to run (default all)")
	out := fs.String("out", "results", "directory for the Markdown and JSON results (\"\" for none)")
	systems := fs.String("systems", "ctdb-go,ctdb", "comma-separated systems to measure")
	bin := fs.String("bin", "", "ctdb-go binaries to use (default: build them into a temp dir)")
	resume := fs.String("resume", "", "an earlier run's JSON result: keep its error-free outcomes of the same versions and repetitions, run the rest")
	if err := fs.Parse(args[1:]); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "bench: unexpected argument %q\n", fs.Arg(0))
		return Config{}, fmt.Errorf("usage")
	}
	if *reps < 1 {
		fmt.Fprintf(stderr, "bench: -reps must be at least 1, not %d\n", *reps)
		return Config{}, fmt.Errorf("usage")
	}
	cfg := Config{Reps: *reps, Smoke: *smoke, Out: *out, BinDir: *bin, Args: args[1:], Resume: *resume,
		Only: splitList(*only), Systems: splitList(*systems)}
	if cfg.Smoke {
		cfg.Reps = 1
	}
	return cfg, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
