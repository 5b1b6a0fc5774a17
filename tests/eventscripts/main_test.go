// Package eventscripts_test runs the shipped functions library and
// events.d scripts with a real shell against a temporary CTDB_BASE and
// CTDB_VARDIR, with a stub "ctdb" first on PATH and the real ctdb_probe.
package eventscripts_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// repoRoot is the module root (two levels above this package).
var repoRoot string

// probeBinDir holds the ctdb_probe built once by TestMain.
var probeBinDir string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	repoRoot = root
	dir, err := os.MkdirTemp("", "ctdb-eventscripts-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	probeBinDir = dir
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "ctdb_probe"), "./tools/ctdb_probe")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building ctdb_probe: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}
