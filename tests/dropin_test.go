package tests

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
)

// TestDisconnectedNodeFlags: a killed node shows as CTDB shows it,
// DISCONNECTED|UNHEALTHY|INACTIVE, in status, nodestatus (exit code: the
// flags, 3), -X output, and as the refusal of a command sent to it.
func TestDisconnectedNodeFlags(t *testing.T) {
	c := cluster(t, localcluster.Options{Nodes: 2, Scripts: clusterScripts})
	startAll(t, c)
	waitConverged(t, c, seq(2), allOK(2), 20*time.Second)
	if err := c.Kill(1, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	want := allOK(2)
	want[1] = "DISCONNECTED|UNHEALTHY|INACTIVE"
	waitConverged(t, c, []int{0}, want, 15*time.Second)

	addr := c.NodeAddr(1)
	checks := []struct {
		args []string
		code int
		out  string // expected in stdout+stderr
	}{
		{[]string{"status"}, 0, fmt.Sprintf("pnn:1 %-16s DISCONNECTED|UNHEALTHY|INACTIVE\n", addr)},
		{[]string{"-X", "status"}, 0, fmt.Sprintf("|1|%s|1|0|0|0|1|0|1|0|N|\n", addr)},
		{[]string{"nodestatus", "1"}, 3, fmt.Sprintf("pnn:1 %-16s DISCONNECTED|UNHEALTHY|INACTIVE\n", addr)},
		{[]string{"-X", "nodestatus", "all"}, 3, fmt.Sprintf("|1|%s|1|0|0|0|1|0|1|0|N|\n", addr)},
		{[]string{"-n", "1", "ping"}, 1, "Node 1 has status DISCONNECTED|UNHEALTHY|INACTIVE\n"},
		{[]string{"-n", "1", "ip"}, 1, "Node 1 has status DISCONNECTED|UNHEALTHY|INACTIVE\n"},
		{[]string{"-n", "1", "-X", "status"}, 1, "Node 1 has status DISCONNECTED|UNHEALTHY|INACTIVE\n"},
	}
	for _, ch := range checks {
		out, errOut, code := c.Ctdb(0, ch.args...)
		if code != ch.code || !strings.Contains(out+errOut, ch.out) {
			t.Errorf("ctdb %s: exit %d (want %d)\nstdout: %s\nstderr: %s\nwant: %q",
				strings.Join(ch.args, " "), code, ch.code, out, errOut, ch.out)
		}
	}
	// Back: its own flags replace DISCONNECTED|UNHEALTHY.
	start(t, c, 1)
	waitConverged(t, c, seq(2), allOK(2), 20*time.Second)
}
