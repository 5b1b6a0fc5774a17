package ctdbref

import (
	"os"
	"strings"
)

// nodeMark is the environment variable, set to the node's directory, that
// every process of a node inherits (ctdbd, its forks, eventd, helpers,
// scripts): it is how this package finds them in /proc. CTDB_BASE cannot
// serve, since outside test mode it is /etc/ctdb for every node.
const nodeMark = "CTDBREF_NODE"

// env is the environment of node i's daemon and of the ctdb tool run as
// node i: the caller's, less any CTDB_* variable, plus:
//
//   - test mode: what local_daemons.sh sets (CTDB_TEST_MODE, CTDB_BASE =
//     the node directory) and CTDB_SCRIPT_VARDIR, which the functions
//     file reads (else 00.ctdb would wipe the host's /var/lib/ctdb/scripts);
//   - as installed: CTDB_BASE=/etc/ctdb, as the init script sets it (the
//     node directory is mounted there);
//   - both: CTDB_SOCKET (the same file in and out of the node's mount
//     namespace) and CTDB_SYS_ETCDIR, an empty directory, so scripts do
//     not read the host's /etc/default/ctdb.
func (c *Cluster) env(i int) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "CTDB") || k == "PATH" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"PATH="+withSbin(os.Getenv("PATH")),
		nodeMark+"="+c.l.node(i),
		"CTDB_SOCKET="+c.l.socket(i),
		"CTDB_SYS_ETCDIR="+c.l.sysEtc(i),
	)
	if c.s.testMode {
		return append(env, "CTDB_TEST_MODE=yes", "CTDB_BASE="+c.l.node(i),
			"CTDB_SCRIPT_VARDIR="+c.l.scriptVar(i))
	}
	return append(env, "CTDB_BASE="+etcDir)
}

// withSbin appends the sbin directories (ip, iptables) that a test's PATH
// often lacks.
func withSbin(path string) string {
	have := map[string]bool{}
	for _, d := range strings.Split(path, ":") {
		have[d] = true
	}
	for _, d := range []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"} {
		if !have[d] {
			if path != "" {
				path += ":"
			}
			path += d
		}
	}
	return path
}
