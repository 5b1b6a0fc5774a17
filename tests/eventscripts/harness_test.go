package eventscripts_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// stubCtdb records its arguments, one call a line, and answers the few
// commands the scripts use.
const stubCtdb = `#!/bin/sh
echo "$*" >>"$STUB_CTDB_LOG"
case "$1" in
pnn) echo "${STUB_PNN:-0}" ;;
getreclock) echo "$STUB_RECLOCK" ;;
shutdown)
	# Stand in for a slow shutdown; the pid lets the test kill it.
	echo $$ >"$STUB_CTDB_LOG.shutdown.pid"
	exec sleep "${STUB_SHUTDOWN_SLEEP:-0}" ;;
*) echo "stub ctdb: unexpected command: $*" >&2; exit 1 ;;
esac
`

// stubRecorder records "NAME ARGS" for service managers (systemctl, service).
const stubRecorder = `#!/bin/sh
echo "${0##*/} $*" >>"$STUB_CTDB_LOG"
`

// node is one temporary CTDB installation.
type node struct {
	t      *testing.T
	base   string // CTDB_BASE: functions, events.d/
	vardir string // CTDB_VARDIR
	stubs  string // stub commands, first on PATH
	log    string // stub call log
	env    map[string]string
	shell  string
}

func newNode(t *testing.T) *node {
	t.Helper()
	dir := t.TempDir()
	n := &node{
		t:      t,
		base:   filepath.Join(dir, "etc"),
		vardir: filepath.Join(dir, "var"),
		stubs:  filepath.Join(dir, "stubs"),
		log:    filepath.Join(dir, "ctdb.log"),
		shell:  "sh",
	}
	copyFile(t, filepath.Join(repoRoot, "functions"), filepath.Join(n.base, "functions"))
	scripts, err := filepath.Glob(filepath.Join(repoRoot, "events.d", "*"))
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts in %s/events.d: %v", repoRoot, err)
	}
	for _, s := range scripts {
		copyFile(t, s, filepath.Join(n.base, "events.d", filepath.Base(s)))
	}
	n.writeFile(filepath.Join(n.stubs, "ctdb"), stubCtdb, 0o755)
	if err := os.MkdirAll(n.vardir, 0o755); err != nil {
		t.Fatal(err)
	}
	n.env = map[string]string{
		"PATH":               n.stubs + ":" + probeBinDir + ":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
		"CTDB_BASE":          n.base,
		"CTDB_VARDIR":        n.vardir,
		"CTDB_SCRIPT_VARDIR": filepath.Join(n.vardir, "scripts"),
		"CTDB_HELPER_BINDIR": probeBinDir,
		"CTDB_PNN":           "0",
		"CTDB_PROBE_TIMEOUT": "5",
		"STUB_CTDB_LOG":      n.log,
	}
	return n
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, info.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
}

func (n *node) writeFile(path, content string, mode fs.FileMode) {
	n.t.Helper()
	writeFile(n.t, path, content, mode)
}

func writeFile(t *testing.T, path, content string, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// options writes events.d/SCRIPT.options.
func (n *node) options(script, content string) {
	n.writeFile(filepath.Join(n.base, "events.d", script+".options"), content, 0o644)
}

type result struct {
	out string // stdout and stderr, interleaved
	rc  int
}

func (n *node) environ() []string {
	keys := make([]string, 0, len(n.env))
	for k := range n.env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	env := make([]string, 0, len(keys))
	for _, k := range keys {
		env = append(env, k+"="+n.env[k])
	}
	return env
}

func (n *node) exec(args ...string) result {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, n.shell, args...)
	cmd.Env = n.environ()
	cmd.Dir = n.vardir
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return result{string(out), 0}
	case errors.As(err, &ee) && ctx.Err() == nil:
		return result{string(out), ee.ExitCode()}
	}
	n.t.Fatalf("%s %v: %v\n%s", n.shell, args, err, out)
	return result{}
}

// script runs events.d/NAME with the given event and arguments.
func (n *node) script(name string, args ...string) result {
	n.t.Helper()
	return n.exec(append([]string{filepath.Join(n.base, "events.d", name)}, args...)...)
}

// fn runs a shell snippet after sourcing functions, as script NAME would
// (so $service_name is derived from NAME).
func (n *node) fn(name, snippet string) result {
	n.t.Helper()
	return n.exec("-c", `. "$CTDB_BASE/functions"; `+snippet, filepath.Join(n.base, "events.d", name))
}

// calls returns the stub ctdb / service calls recorded so far.
func (n *node) calls() []string {
	data, err := os.ReadFile(n.log)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		n.t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// counterSize is the size of failcount/NAME, or -1 if it does not exist.
func (n *node) counterSize(name string) int64 {
	info, err := os.Stat(filepath.Join(n.vardir, "failcount", name))
	if errors.Is(err, fs.ErrNotExist) {
		return -1
	}
	if err != nil {
		n.t.Fatal(err)
	}
	return info.Size()
}

func expect(t *testing.T, what string, got result, rc int, wantLines ...string) {
	t.Helper()
	if got.rc != rc {
		t.Fatalf("%s: rc %d, want %d; output:\n%s", what, got.rc, rc, got.out)
	}
	for _, w := range wantLines {
		if !strings.Contains(got.out, w) {
			t.Fatalf("%s: output lacks %q; output:\n%s", what, w, got.out)
		}
	}
}

func expectEmpty(t *testing.T, what string, got result) {
	t.Helper()
	expect(t, what, got, 0)
	if got.out != "" {
		t.Fatalf("%s: want no output, got:\n%s", what, got.out)
	}
}

// shells lists the POSIX shells available to run the scripts under.
func shells(t *testing.T) []string {
	var found []string
	for _, s := range []string{"sh", "dash", "bash"} {
		if _, err := exec.LookPath(s); err == nil {
			found = append(found, s)
		}
	}
	if len(found) == 0 {
		t.Fatal("no POSIX shell found")
	}
	return found
}
