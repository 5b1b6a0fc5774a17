package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/netns"
)

// etcdCluster is a real etcd cluster (Debian's etcd-server), one member per
// network-namespace host, listening only on the hosts' addresses.
type etcdCluster struct {
	hosts   []*netns.Host
	members []*netns.Proc
	dirs    []string
}

const etcdBin = "/usr/bin/etcd"

// etcdElectionTimeout is the members' --election-timeout.
const etcdElectionTimeout = time.Second

// startEtcd starts one member on each host and waits until the cluster
// answers. Members are killed by PID when the test ends.
func startEtcd(t *testing.T, hosts []*netns.Host) *etcdCluster {
	t.Helper()
	if _, err := os.Stat(etcdBin); err != nil {
		t.Skipf("skipping: %s not installed (Debian package etcd-server)", etcdBin)
	}
	e := &etcdCluster{hosts: hosts}
	var initial []string
	for i, h := range hosts {
		initial = append(initial, fmt.Sprintf("e%d=http://%s:2380", i, h.Addr))
	}
	base := t.TempDir()
	for i, h := range hosts {
		dir := filepath.Join(base, fmt.Sprintf("e%d", i))
		e.dirs = append(e.dirs, dir)
		e.members = append(e.members, e.startMember(t, i, h, dir, strings.Join(initial, ",")))
	}
	e.waitHealthy(t, 30*time.Second)
	return e
}

func (e *etcdCluster) startMember(t *testing.T, i int, h *netns.Host, dir, initial string) *netns.Proc {
	t.Helper()
	a := h.Addr.String()
	cmd := h.Command(etcdBin,
		"--name", fmt.Sprintf("e%d", i), "--data-dir", dir,
		"--listen-client-urls", "http://"+a+":2379", "--advertise-client-urls", "http://"+a+":2379",
		"--listen-peer-urls", "http://"+a+":2380", "--initial-advertise-peer-urls", "http://"+a+":2380",
		"--initial-cluster", initial, "--initial-cluster-state", "new", "--initial-cluster-token", "ctdb-test",
		"--heartbeat-interval", "100", "--election-timeout", "1000", "--pre-vote", "--logger", "zap", "--log-outputs", "stderr")
	logf, err := os.Create(dir + ".log")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(dir + ".log")
			t.Logf("etcd member e%d log (tail):\n%s", i, tail(string(b), 15))
		}
	})
	cmd.Stdout, cmd.Stderr = logf, logf
	return h.Start(t, cmd)
}

// Endpoints is the members' client addresses, comma-separated.
func (e *etcdCluster) Endpoints() string {
	var eps []string
	for _, h := range e.hosts {
		eps = append(eps, h.Addr.String()+":2379")
	}
	return strings.Join(eps, ",")
}

// health asks member i, from its own host, whether the cluster has a
// leader and commits (etcdctl's endpoint health does a quorum read).
func (e *etcdCluster) health(i int) error {
	cmd := e.hosts[i].Command("/usr/bin/etcdctl", "--endpoints", e.hosts[i].Addr.String()+":2379",
		"--command-timeout=2s", "endpoint", "health")
	cmd.Env = append(os.Environ(), "ETCDCTL_API=3")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("etcd member %d: %v: %s", i, err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (e *etcdCluster) waitHealthy(t *testing.T, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, func() string {
		for i := range e.hosts {
			if err := e.health(i); err != nil {
				return err.Error()
			}
		}
		return ""
	})
}

// isLeader asks member i, from its own host, whether it is etcd's leader.
func (e *etcdCluster) isLeader(i int) (bool, error) {
	cmd := e.hosts[i].Command("/usr/bin/etcdctl", "--endpoints", e.hosts[i].Addr.String()+":2379",
		"--command-timeout=2s", "endpoint", "status", "-w", "simple")
	cmd.Env = append(os.Environ(), "ETCDCTL_API=3")
	out, err := cmd.Output()
	if err != nil {
		return false, fmt.Errorf("etcd member %d: endpoint status: %v", i, err)
	}
	f := strings.Split(string(out), ",")
	if len(f) < 5 {
		return false, fmt.Errorf("etcd member %d: endpoint status: %q", i, out)
	}
	return strings.TrimSpace(f[4]) == "true", nil
}

// Signal sends sig to member i (by PID).
func (e *etcdCluster) Signal(i int, sig syscall.Signal) error {
	return e.members[i].Cmd.Process.Signal(sig)
}

// etcdLockArgv is the etcd helper's command line, run in host h (nil: as
// is, in whatever namespace its parent runs).
func etcdLockArgv(h *netns.Host, endpoints string, ttl int, extra ...string) []string {
	args := append([]string{"--endpoints", endpoints, "--ttl", fmt.Sprint(ttl), "--cluster", "test"}, extra...)
	bin := filepath.Join(binDir, "ctdb_etcd_lock")
	if h == nil {
		return append([]string{bin}, args...)
	}
	return h.Command(bin, args...).Args
}
