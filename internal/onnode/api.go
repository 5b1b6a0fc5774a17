package onnode

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
)

// Targets resolves a node specification against the nodes file, as the
// onnode command does: nodesFile is -f (or ""), and ok/con/any ask the
// local ctdb.
func Targets(spec, nodesFileFlag string, getenv func(string) string) ([]Target, error) {
	nodes, err := readNodes(nodesFile(nodesFileFlag, getenv))
	if err != nil {
		return nil, err
	}
	return resolveSpec(spec, nodes, false, func() ([]NodeState, error) { return localStates(getenv) })
}

// Remote runs commands on nodes the way onnode does: through $ONNODE_SSH
// (default ssh), with standard input closed.
type Remote struct {
	r *runner
}

// NewRemote reads $ONNODE_SSH and $CTDB_BASE/onnode.conf.
func NewRemote(getenv func(string) string) (*Remote, error) {
	ssh, _, err := remoteShell(getenv)
	if err != nil {
		return nil, err
	}
	return &Remote{r: &runner{ssh: ssh, plainSSH: filepath.Base(ssh[0]) == "ssh" && len(ssh) == 1}}, nil
}

// Output runs cmd (a shell command line) on t and returns its standard
// output and standard error. err is an *exec.ExitError when the command
// ran and failed.
func (m *Remote) Output(ctx context.Context, t Target, cmd string) (stdout, stderr []byte, err error) {
	args := m.r.remoteArgs(t.Addr, cmd)
	c := exec.CommandContext(ctx, args[0], args[1:]...)
	var o, e bytes.Buffer
	c.Stdout, c.Stderr = &o, &e
	err = c.Run()
	return o.Bytes(), e.Bytes(), err
}
