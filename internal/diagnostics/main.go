package diagnostics

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ctdb-go/ctdb/internal/onnode"
)

// Env is what the tool needs from its surroundings; tests replace parts.
type Env struct {
	Getenv         func(string) string
	Stdout, Stderr io.Writer
	Now            func() time.Time
	Hostname       func() (string, error)
	// Remote runs the collection on a node; nil means onnode's ssh.
	Remote Remote
}

// maxSkew is the clock difference between a node and this one that the
// report flags.
const maxSkew = 5 * time.Second

// Main runs ctdb_diagnostics and returns its exit status: 0 when a bundle
// was written (differences between nodes are findings, not failures), 1 on
// bad usage or when no node answered.
func Main(args []string, e Env) int {
	fs := flag.NewFlagSet("ctdb_diagnostics", flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	nodes := fs.String("n", "all", "nodes to collect from: comma-separated PNNs, ranges, or all, ok, con (as onnode)")
	noComments := fs.Bool("c", false, "ignore comment lines (starting with '#') in file comparisons")
	noSpace := fs.Bool("w", false, "ignore whitespace in file comparisons")
	noADS := fs.Bool("no-ads", false, "do not run commands that need an Active Directory server")
	out := fs.String("o", "", "archive to write (default ./ctdb_diagnostics-HOST-TIME.tar.gz)")
	since := fs.Duration("since", 24*time.Hour, "how much of each node's log to keep")
	timeout := fs.Duration("t", 2*time.Minute, "how long to wait for each node")
	fs.Usage = func() {
		fmt.Fprint(e.Stderr, "Usage: ctdb_diagnostics [OPTION]...\n"+
			"Collects every node's configuration, ctdb status, addresses, event status, tunables,\n"+
			"cluster lock state and recent log into one archive, and reports what differs.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 1
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.Stderr, "ctdb_diagnostics: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 1
	}
	targets, err := onnode.Targets(*nodes, "", e.Getenv)
	if err != nil {
		fmt.Fprintf(e.Stderr, "ctdb_diagnostics: %v\n", err)
		return 1
	}
	remote := e.Remote
	if remote == nil {
		if remote, err = onnode.NewRemote(e.Getenv); err != nil {
			fmt.Fprintf(e.Stderr, "ctdb_diagnostics: %v\n", err)
			return 1
		}
	}
	now := e.Now()
	host, _ := e.Hostname()
	stamp := now.UTC().Format("20060102-150405")
	top := "ctdb_diagnostics-" + host + "-" + stamp
	if *out == "" {
		*out = top + ".tar.gz"
	}

	res := collect(context.Background(), remote, targets, *noADS, *timeout, e.Now)
	tmp, err := os.MkdirTemp("", "ctdb_diagnostics-")
	if err != nil {
		fmt.Fprintf(e.Stderr, "ctdb_diagnostics: %v\n", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	diffs := compareFiles(res, compareOptions{ignoreComments: *noComments, ignoreWhitespace: *noSpace}, tmp)
	report := writeReport(res, diffs, *nodes, now, now.Add(-*since))

	b, err := createBundle(*out, top, now)
	if err == nil {
		err = b.add("REPORT.txt", []byte(report))
		for _, n := range res {
			if err == nil {
				err = b.addNode(n, now.Add(-*since))
			}
		}
		if e := b.close(); err == nil {
			err = e
		}
	}
	if err != nil {
		fmt.Fprintf(e.Stderr, "ctdb_diagnostics: write %s: %v\n", *out, err)
		return 1
	}
	e.Stdout.Write(maskSecrets([]byte(report)))
	abs, _ := filepath.Abs(*out)
	fmt.Fprintf(e.Stdout, "\nArchive: %s\n", abs)
	for _, n := range res {
		if n.err == nil {
			return 0
		}
	}
	fmt.Fprintln(e.Stderr, "ctdb_diagnostics: no node answered")
	return 1
}

// writeReport is REPORT.txt: what was asked, then every finding.
func writeReport(res []nodeResult, diffs []fileDiff, spec string, now, since time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ctdb_diagnostics report, %s\n", now.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "Nodes: %s (", spec)
	for i, n := range res {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(label(n))
	}
	fmt.Fprintf(&b, ")\nLogs since: %s\n\n", since.UTC().Format(time.RFC3339))

	var findings []string
	for _, n := range res {
		if n.err != nil {
			findings = append(findings, fmt.Sprintf("ERROR: %s could not be reached: %v", label(n), n.err))
		}
		if n.hasClk && (n.skew > maxSkew || n.skew < -maxSkew) {
			findings = append(findings, fmt.Sprintf("ERROR: the clock of %s is off by %v", label(n), n.skew))
		}
		if it, ok := n.items["cmd:ctdb_status"]; ok && it.exit != 0 {
			findings = append(findings, fmt.Sprintf("ERROR: ctdb status failed on %s (exit %d)", label(n), it.exit))
		}
	}
	for _, d := range diffs {
		findings = append(findings, "DIFFERENCE: "+d.summary)
	}
	if len(findings) == 0 {
		b.WriteString("No problems found: every node answered and the configuration files are the same.\n")
	} else {
		fmt.Fprintf(&b, "%d findings:\n", len(findings))
		for _, f := range findings {
			b.WriteString("  " + f + "\n")
		}
	}
	b.WriteString("\nCluster lock, as each node sees it:\n")
	for _, n := range res {
		if it, ok := n.items["cmd:cluster_lock"]; ok {
			for _, l := range strings.Split(strings.TrimSpace(string(it.data)), "\n") {
				fmt.Fprintf(&b, "  %s: %s\n", label(n), l)
			}
		}
	}
	for _, d := range diffs {
		fmt.Fprintf(&b, "\n%s:\n", d.summary)
		for _, t := range d.diffs {
			b.WriteString(t)
		}
	}
	return b.String()
}
