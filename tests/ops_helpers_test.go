package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/tests/harness"
)

// opsTools builds the operator tools (onnode, ctdb_diagnostics) into binDir
// once per test run.
var opsTools = struct {
	once sync.Once
	err  error
}{}

func buildOpsTools(t *testing.T) {
	t.Helper()
	opsTools.once.Do(func() {
		opsTools.err = harness.Build(srcDir, binDir, map[string]string{"onnode": "./tools/onnode", "ctdb_diagnostics": "./tools/ctdb_diagnostics"})
	})
	if opsTools.err != nil {
		t.Fatal(opsTools.err)
	}
}

// fakeSSH writes an "ssh" (and an "scp") into a new directory: it records
// the host it is asked to reach in the file log, one line per call, and runs
// the command locally with FAKE_HOST set to the host. For a host listed in
// hosts, it first sets the environment that makes ctdb talk to that node.
// It returns the directory, to go first on PATH, and the log's path.
func fakeSSH(t *testing.T, hosts map[string][]string) (dir, log string) {
	t.Helper()
	dir = t.TempDir()
	log = filepath.Join(dir, "hosts.log")
	var cases strings.Builder
	for h, env := range hosts {
		fmt.Fprintf(&cases, "%s)", h)
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			fmt.Fprintf(&cases, " export %s='%s';", k, v)
		}
		cases.WriteString(" ;;\n")
	}
	ssh := `#!/bin/sh
# A fake ssh: [-n] [-o OPTION] HOST COMMAND... runs COMMAND here.
while [ $# -gt 0 ]; do
	case "$1" in
	-n) exec </dev/null; shift ;;
	-o) shift 2 ;;
	*) break ;;
	esac
done
host=$1
shift
echo "$host" >>'` + log + `'
case "$host" in
` + cases.String() + `esac
export FAKE_HOST="$host"
exec /bin/sh -c "$*"
`
	scp := `#!/bin/sh
# A fake scp: -p SRC HOST:DST copies SRC to DST.host here.
[ "$1" = -p ] && shift
echo "scp ${2%%:*}" >>'` + log + `'
exec cp -p "$1" "${2#*:}.${2%%:*}"
`
	if err := os.WriteFile(filepath.Join(dir, "ssh"), []byte(ssh), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "scp"), []byte(scp), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, log
}

// clusterHosts maps each node's address to the environment of that node.
func clusterHosts(c *localcluster.Cluster) map[string][]string {
	m := map[string][]string{}
	for i := 0; i < c.Nodes; i++ {
		m[c.NodeAddr(i)] = []string{"CTDB_BASE=" + c.ConfigDir(i), "CTDB_SOCKET=" + c.Socket(i)}
	}
	return m
}

// loggedHosts reads a fake ssh's log.
func loggedHosts(t *testing.T, log string) []string {
	t.Helper()
	b, err := os.ReadFile(log)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	os.Remove(log)
	return strings.Fields(string(b))
}

// envWith returns env with the given variables replaced or added.
func envWith(env []string, kv ...string) []string {
	out := []string{}
	for _, e := range env {
		k, _, _ := strings.Cut(e, "=")
		keep := true
		for _, n := range kv {
			if strings.HasPrefix(n, k+"=") {
				keep = false
			}
		}
		if keep {
			out = append(out, e)
		}
	}
	return append(out, kv...)
}

// killUntilUnhealthy kills a service's process (pid, named what) on node
// victim and waits until the node is UNHEALTHY: within two monitor
// intervals, or the test fails. It returns when it killed and how long
// the node took.
func killUntilUnhealthy(t *testing.T, c *localcluster.Cluster, victim, pid int, what string, interval uint32) (time.Time, time.Duration) {
	t.Helper()
	t0 := time.Now()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFlags(t, c, victim, "UNHEALTHY", 4*time.Duration(interval)*time.Second)
	d := time.Since(t0)
	if d > 2*time.Duration(interval)*time.Second {
		t.Errorf("node %d UNHEALTHY %v after %s died, more than two monitor intervals (%d s)", victim, d, what, 2*interval)
	}
	return t0, d
}

// opsCluster builds the operator tools and starts a converged 3-node
// local cluster for them to work on.
func opsCluster(t *testing.T) *localcluster.Cluster {
	t.Helper()
	buildOpsTools(t)
	c := cluster(t, localcluster.Options{Nodes: 3, Scripts: clusterScripts})
	startAll(t, c)
	waitConverged(t, c, seq(3), allOK(3), 30*time.Second)
	return c
}
