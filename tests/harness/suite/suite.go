// Package suite records why a test suite could not run. A suite is a group
// of tests that needs something of the machine (root and network
// namespaces, FUSE, rsyslogd, Samba's CTDB). When that is missing, the
// suite's tests skip with one line "SKIP: SUITE: reason", and the line is
// also appended to the file named by $CTDB_TEST_SKIPS, so that `make test`
// (tests/setup/test.sh) can repeat it in its summary, and fail the run
// under CI=true when the suite is a required one.
//
// It is a leaf package so that tests/netns, tests/hangfs and the rsyslogd
// helper can use it; tests/harness re-exports it.
package suite

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
)

// The suites.
const (
	Netns  = "netns"  // root, ip, nsenter, network namespaces
	FUSE   = "fuse"   // /dev/fuse, fusermount3: the hung-filesystem tests
	Syslog = "syslog" // rsyslogd: the syslog logging tests
	CTDB   = "ctdb"   // Samba's CTDB 4.17 (Debian package ctdb): reference peer
)

// SkipsEnv names the file Skip appends its lines to.
const SkipsEnv = "CTDB_TEST_SKIPS"

var mu sync.Mutex

// Line is the line Skip prints and records.
func Line(name, reason string) string {
	return fmt.Sprintf("SKIP: %s: %s", name, strings.TrimSpace(reason))
}

// Record appends the suite's SKIP line to $CTDB_TEST_SKIPS, if set.
func Record(name, reason string) {
	path := os.Getenv(SkipsEnv)
	if path == "" {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		fmt.Fprintf(os.Stderr, "suite: cannot record a skip in %s: %v\n", path, err)
		return
	}
	defer f.Close()
	fmt.Fprintln(f, Line(name, reason))
}

// Skip records the suite's SKIP line and skips t with it.
func Skip(t testing.TB, name, reason string) {
	t.Helper()
	Record(name, reason)
	t.Skip(Line(name, reason))
}
