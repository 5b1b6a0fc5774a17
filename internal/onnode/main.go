package onnode

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

const usage = `Usage: onnode [OPTION]... NODES COMMAND...
Runs COMMAND on the NODES through ssh ($ONNODE_SSH).

NODES is a comma-separated list of PNNs, ranges (0-2) and the words
  all          every node of the nodes file
  any          one node where ctdbd runs (the lowest connected one)
  ok|healthy   every node that is OK
  con|connected every node that is not disconnected

Options:
  -c           run COMMAND in the current directory on the nodes
  -f FILE      use FILE as the nodes file
  -i           keep standard input open (not with -p)
  -n           NODES may name hosts that are not in the nodes file
  -p           run on the nodes in parallel, each line prefixed by its node
  -P           push the files named instead of COMMAND to the same path on the nodes
  -q           do not print node addresses
  -t SECONDS   ssh connect timeout
  -v           print the node address even for a single node
  -h, --help   show this help
`

// options is onnode's command line.
type options struct {
	cwd, keepStdin, byName, parallel, push, quiet, verbose bool
	nodesFile                                              string
	timeout                                                int
}

// Env is what onnode needs from its surroundings; tests replace it.
type Env struct {
	Getenv         func(string) string
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getwd          func() (string, error)
}

// Main runs onnode with args (without the program name) and returns its
// exit status.
func Main(args []string, e Env) int {
	o, rest, err := parseArgs(args)
	if err == errHelp {
		fmt.Fprint(e.Stdout, usage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(e.Stderr, "onnode: %v\n", err)
		fmt.Fprint(e.Stderr, usage)
		return 1
	}
	path := nodesFile(o.nodesFile, e.Getenv)
	var nodes []Node
	if path != "/dev/null" || !o.byName {
		if nodes, err = readNodes(path); err != nil {
			fmt.Fprintf(e.Stderr, "onnode: %v\n", err)
			return 1
		}
	}
	targets, err := resolveSpec(rest[0], nodes, o.byName, func() ([]NodeState, error) { return localStates(e.Getenv) })
	if err != nil {
		fmt.Fprintf(e.Stderr, "onnode: %v\n", err)
		return 1
	}
	sshCmd, scpCmd, err := remoteShell(e.Getenv)
	if err != nil {
		fmt.Fprintf(e.Stderr, "onnode: %v\n", err)
		return 1
	}
	r := &runner{
		ssh: sshCmd, plainSSH: filepath.Base(sshCmd[0]) == "ssh" && len(sshCmd) == 1,
		timeout: o.timeout, keepStdin: o.keepStdin, parallel: o.parallel,
		headers: !o.quiet && (o.verbose || len(targets) > 1),
		stdin:   e.Stdin, stdout: e.Stdout, stderr: e.Stderr,
	}
	if o.push {
		return push(r, scpCmd, targets, rest[1:], e)
	}
	cmd := strings.Join(rest[1:], " ")
	if o.cwd {
		dir, err := e.Getwd()
		if err != nil {
			fmt.Fprintf(e.Stderr, "onnode: %v\n", err)
			return 1
		}
		cmd = "cd " + shellQuote(dir) + " && " + cmd
	}
	return r.run(targets, cmd)
}

var errHelp = fmt.Errorf("help")

// parseArgs parses the options before NODES; single-letter options may be
// grouped (-pq), and an option's value may follow it (-f FILE or -fFILE).
func parseArgs(args []string) (options, []string, error) {
	var o options
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			i++
			break
		}
		if a == "-h" || a == "--help" {
			return o, nil, errHelp
		}
		if len(a) < 2 || a[0] != '-' {
			break
		}
		for j := 1; j < len(a); j++ {
			switch a[j] {
			case 'c':
				o.cwd = true
			case 'i':
				o.keepStdin = true
			case 'n':
				o.byName = true
			case 'p':
				o.parallel = true
			case 'P':
				o.push = true
			case 'q':
				o.quiet = true
			case 'v':
				o.verbose = true
			case 'h':
				return o, nil, errHelp
			case 'f', 't':
				val := a[j+1:]
				if val == "" {
					if i+1 >= len(args) {
						return o, nil, fmt.Errorf("option -%c needs a value", a[j])
					}
					i++
					val = args[i]
				}
				if a[j] == 'f' {
					o.nodesFile = val
				} else {
					t, err := strconv.Atoi(val)
					if err != nil || t <= 0 {
						return o, nil, fmt.Errorf("invalid timeout %q for -t: want a positive number of seconds", val)
					}
					o.timeout = t
				}
				j = len(a)
			default:
				return o, nil, fmt.Errorf("unknown option -%c", a[j])
			}
		}
	}
	rest := args[i:]
	if len(rest) < 2 {
		return o, nil, fmt.Errorf("need NODES and a COMMAND")
	}
	return o, rest, nil
}

// remoteShell returns $ONNODE_SSH (default ssh) and $ONNODE_SCP (default
// scp) split into words, after $CTDB_BASE/onnode.conf, a shell fragment, has
// had its say.
func remoteShell(getenv func(string) string) ([]string, []string, error) {
	ssh, scp := getenv("ONNODE_SSH"), getenv("ONNODE_SCP")
	base := getenv("CTDB_BASE")
	if base == "" {
		base = "/etc/ctdb"
	}
	if conf := filepath.Join(base, "onnode.conf"); fileExists(conf) {
		c := exec.Command("/bin/sh", "-c", `. "$1" && printf '%s\n%s\n' "${ONNODE_SSH-}" "${ONNODE_SCP-}"`, "sh", conf)
		c.Env = append(os.Environ(), "ONNODE_SSH="+ssh, "ONNODE_SCP="+scp)
		out, err := c.Output()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %v", conf, err)
		}
		lines := strings.SplitN(string(out), "\n", 3)
		if len(lines) >= 2 {
			ssh, scp = lines[0], lines[1]
		}
	}
	if strings.TrimSpace(ssh) == "" {
		ssh = "ssh"
	}
	if strings.TrimSpace(scp) == "" {
		scp = "scp"
	}
	return strings.Fields(ssh), strings.Fields(scp), nil
}

// localStates asks the local ctdb for every node's flags.
func localStates(getenv func(string) string) ([]NodeState, error) {
	ctdb := getenv("CTDB")
	if ctdb == "" {
		ctdb = "ctdb"
	}
	// nodestatus exits non-zero when a node is not OK; the output counts.
	out, err := exec.Command(ctdb, "-X", "nodestatus", "all").Output()
	if len(out) == 0 && err != nil {
		return nil, fmt.Errorf("%s -X nodestatus all: %v", ctdb, err)
	}
	return parseNodeStatus(string(out))
}

// push copies each file to the same absolute path on every target.
func push(r *runner, scp []string, targets []Target, files []string, e Env) int {
	rc := 0
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			fmt.Fprintf(e.Stderr, "onnode: %v\n", err)
			return 1
		}
		for _, t := range targets {
			args := append(append([]string{}, scp...), "-p", abs, t.Addr+":"+abs)
			c := exec.Command(args[0], args[1:]...)
			c.Stdout, c.Stderr = e.Stdout, e.Stderr
			if err := c.Run(); err != nil {
				fmt.Fprintf(e.Stderr, "onnode: push %s to %s: %v\n", abs, t.Addr, err)
				rc = 1
			}
		}
	}
	return rc
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
