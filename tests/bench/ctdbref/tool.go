package ctdbref

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/ctdb-go/ctdb/tests/harness"
)

// Ctdb runs /usr/bin/ctdb as node i, bounded by toolTimeout. code is the
// tool's exit status, -1 if it could not run or was killed.
//
// Outside test mode the tool runs in the mount namespace of node i's
// ctdbd (through nsenter), where /etc/ctdb and /run/ctdb are the node's:
// `ctdb event ...` needs the event daemon's socket and `ctdb listnodes`
// the nodes file, neither of which CTDB_SOCKET covers. With no ctdbd
// running it runs on the host's files, and fails as a real ctdb would.
func (c *Cluster) Ctdb(i int, args ...string) (stdout, stderr string, code int) {
	if err := c.check(i); err != nil {
		return "", err.Error(), -1
	}
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	argv := append([]string{ctdbBin}, args...)
	if pid := c.DaemonPID(i); pid != 0 && !c.s.testMode {
		argv = append([]string{"nsenter", fmt.Sprintf("--mount=/proc/%d/ns/mnt", pid), "--"}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = c.env(i)
	return harness.RunTool(cmd)
}

// Log is node i's log.ctdb so far ("" before the first start).
func (c *Cluster) Log(i int) string {
	if c.check(i) != nil {
		return ""
	}
	b, _ := os.ReadFile(c.l.logFile(i))
	return string(b)
}

// tailLines is how much of each log an error message quotes.
const tailLines = 15

// tails quotes the end of node i's start output and log for an error.
func (c *Cluster) tails(i int) string {
	var b strings.Builder
	for _, p := range []string{c.l.startLog(i), c.l.logFile(i)} {
		data, err := os.ReadFile(p)
		if err != nil || len(bytes.TrimSpace(data)) == 0 {
			continue
		}
		b.WriteString("\n--- " + p + " (end) ---\n" + lastLines(string(data), tailLines))
	}
	return b.String()
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
