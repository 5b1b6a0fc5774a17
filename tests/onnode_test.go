package tests

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type onnodeRun struct {
	stdout, stderr string
	code           int
}

func runOnnode(t *testing.T, env []string, stdin string, args ...string) onnodeRun {
	t.Helper()
	return runToolStdin(t, filepath.Join(binDir, "onnode"), env, stdin, args...)
}

func runTool(t *testing.T, bin string, env []string, args ...string) onnodeRun {
	t.Helper()
	return runToolStdin(t, bin, env, "", args...)
}

func runToolStdin(t *testing.T, bin string, env []string, stdin string, args ...string) onnodeRun {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	r := onnodeRun{stdout: o.String(), stderr: e.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// onnode reads the nodes file, picks nodes by CTDB's specifications and
// reaches each through ssh; the fake ssh records the hosts and runs the
// command here.
func TestOnnodeThroughSSH(t *testing.T) {
	t.Parallel() // independent: own namespaces, temp dirs and ports (see README, Tests)
	buildOpsTools(t)
	sshDir, log := fakeSSH(t, nil)
	base := t.TempDir()
	os.WriteFile(filepath.Join(base, "nodes"), []byte("10.9.0.1\n10.9.0.2\n#10.9.0.3\n10.9.0.4\n"), 0o644)
	env := envWith(os.Environ(), "PATH="+sshDir+":"+os.Getenv("PATH"), "CTDB_BASE="+base, "ONNODE_SSH=", "CTDB_NODES_FILE=")

	r := runOnnode(t, env, "", "all", "echo", "on", "$FAKE_HOST")
	want := ">> NODE: 10.9.0.1 <<\non 10.9.0.1\n\n>> NODE: 10.9.0.2 <<\non 10.9.0.2\n\n>> NODE: 10.9.0.4 <<\non 10.9.0.4\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("onnode all: exit %d\n%s\nwant:\n%s\nstderr: %s", r.code, r.stdout, want, r.stderr)
	}
	if h := strings.Join(loggedHosts(t, log), " "); h != "10.9.0.1 10.9.0.2 10.9.0.4" {
		t.Errorf("ssh reached %q, want every node but the deleted one", h)
	}

	// Order and repetition as given; one node: no header unless -v; -q none.
	r = runOnnode(t, env, "", "-q", "3,0-1,0", "echo $FAKE_HOST")
	if r.stdout != "10.9.0.4\n10.9.0.1\n10.9.0.2\n10.9.0.1\n" {
		t.Errorf("onnode -q 3,0-1,0: %q %s", r.stdout, r.stderr)
	}
	loggedHosts(t, log)
	if r = runOnnode(t, env, "", "1", "echo x"); r.stdout != "x\n" {
		t.Errorf("onnode 1: %q", r.stdout)
	}
	if r = runOnnode(t, env, "", "-v", "1", "echo x"); r.stdout != ">> NODE: 10.9.0.2 <<\nx\n" {
		t.Errorf("onnode -v 1: %q", r.stdout)
	}

	// Parallel: every line carries its node.
	r = runOnnode(t, env, "", "-p", "all", "echo out; echo err >&2")
	for _, h := range []string{"10.9.0.1", "10.9.0.2", "10.9.0.4"} {
		if !strings.Contains(r.stdout, "["+h+"] out\n") || !strings.Contains(r.stderr, "["+h+"] err\n") {
			t.Errorf("onnode -p: no lines of %s:\nstdout %q\nstderr %q", h, r.stdout, r.stderr)
		}
	}

	// The exit status is a failing node's.
	if r = runOnnode(t, env, "", "all", `[ "$FAKE_HOST" != 10.9.0.2 ] || exit 3`); r.code != 3 {
		t.Errorf("onnode all with node 1 failing: exit %d, want 3", r.code)
	}
	// -c runs in the current directory; -i passes standard input, which is
	// closed otherwise.
	cwd := t.TempDir()
	cmd := exec.Command(filepath.Join(binDir, "onnode"), "-c", "0", "pwd")
	cmd.Env, cmd.Dir = env, cwd
	if out, err := cmd.Output(); err != nil || strings.TrimSpace(string(out)) != cwd {
		t.Errorf("onnode -c 0 pwd: %q %v, want %s", out, err, cwd)
	}
	if r = runOnnode(t, env, "data\n", "-i", "0", "cat"); r.stdout != "data\n" {
		t.Errorf("onnode -i 0 cat: %q", r.stdout)
	}
	if r = runOnnode(t, env, "data\n", "0", "cat"); r.stdout != "" {
		t.Errorf("onnode 0 cat read stdin: %q", r.stdout)
	}
	// -n names hosts; -P pushes files.
	loggedHosts(t, log)
	if r = runOnnode(t, env, "", "-n", "0,otherhost", "true"); r.code != 0 || strings.Join(loggedHosts(t, log), " ") != "10.9.0.1 otherhost" {
		t.Errorf("onnode -n 0,otherhost: exit %d %s", r.code, r.stderr)
	}
	f := filepath.Join(t.TempDir(), "pushed")
	os.WriteFile(f, []byte("payload"), 0o600)
	if r = runOnnode(t, env, "", "-P", "0,1", f); r.code != 0 {
		t.Errorf("onnode -P: exit %d %s", r.code, r.stderr)
	}
	for _, h := range []string{"10.9.0.1", "10.9.0.2"} {
		if b, err := os.ReadFile(f + "." + h); err != nil || string(b) != "payload" {
			t.Errorf("push to %s: %q %v", h, b, err)
		}
	}
	// Bad specifications name the problem and run nothing.
	loggedHosts(t, log)
	for spec, msg := range map[string]string{"7": "node 7 does not exist", "2": "node 2 is deleted", "1-0": "invalid node range", "x": "invalid node specification"} {
		if r = runOnnode(t, env, "", spec, "true"); r.code != 1 || !strings.Contains(r.stderr, msg) {
			t.Errorf("onnode %s: exit %d %q, want %q", spec, r.code, r.stderr, msg)
		}
	}
	if h := loggedHosts(t, log); len(h) != 0 {
		t.Errorf("bad specifications reached %v", h)
	}
	// ONNODE_SSH replaces ssh; the file named by -f replaces the nodes file.
	other := filepath.Join(t.TempDir(), "othernodes")
	os.WriteFile(other, []byte("10.8.0.1\n"), 0o644)
	r = runOnnode(t, envWith(env, "ONNODE_SSH="+filepath.Join(sshDir, "ssh")+" -o X=1"), "", "-f", other, "all", "echo $FAKE_HOST")
	if r.stdout != "10.8.0.1\n" {
		t.Errorf("ONNODE_SSH and -f: %q %s", r.stdout, r.stderr)
	}
}

// ok and con ask the local ctdb which nodes are healthy and connected.
func TestOnnodeOkConAnyOnLocalCluster(t *testing.T) {
	t.Parallel() // independent: own namespaces, temp dirs and ports (see README, Tests)
	c := opsCluster(t)
	sshDir, log := fakeSSH(t, clusterHosts(c))
	env := envWith(c.Env(0), "PATH="+sshDir+":"+binDir+":"+os.Getenv("PATH"), "ONNODE_SSH=", "CTDB_NODES_FILE=")

	onnodePNNs := func(spec string) string {
		t.Helper()
		r := runOnnode(t, env, "", "-q", spec, "ctdb pnn")
		if r.code != 0 {
			t.Fatalf("onnode %s: exit %d %s", spec, r.code, r.stderr)
		}
		hosts := loggedHosts(t, log)
		return strings.Join(strings.Fields(r.stdout), ",") + " via " + strings.Join(hosts, ",")
	}
	if got := onnodePNNs("ok"); got != "0,1,2 via 127.0.0.1,127.0.0.2,127.0.0.3" {
		t.Errorf("onnode ok on a healthy cluster: %s", got)
	}
	ctdb(t, c, 1, "disable")
	waitConverged(t, c, seq(3), map[int]string{0: "OK", 1: "DISABLED", 2: "OK"}, 30*time.Second)
	if got := onnodePNNs("ok"); got != "0,2 via 127.0.0.1,127.0.0.3" {
		t.Errorf("onnode ok with node 1 disabled: %s", got)
	}
	if got := onnodePNNs("con"); got != "0,1,2 via 127.0.0.1,127.0.0.2,127.0.0.3" {
		t.Errorf("onnode con with node 1 disabled: %s", got)
	}
	if err := c.Stop(0, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	// Ask node 2 now: node 0 is gone.
	env = envWith(env, "CTDB_BASE="+c.ConfigDir(2), "CTDB_SOCKET="+c.Socket(2))
	eventually(t, 30*time.Second, func() string {
		out, _, _ := c.Ctdb(2, "nodestatus", "0")
		if !strings.Contains(out, "DISCONNECTED") {
			return "node 0 not yet disconnected: " + out
		}
		return ""
	})
	if got := onnodePNNs("con"); got != "1,2 via 127.0.0.2,127.0.0.3" {
		t.Errorf("onnode con with node 0 stopped: %s", got)
	}
	if got := onnodePNNs("any"); got != "1 via 127.0.0.2" {
		t.Errorf("onnode any with node 0 stopped: %s", got)
	}
}
