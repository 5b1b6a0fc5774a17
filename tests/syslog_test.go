package tests

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/internal/testutil/rsyslogd"
)

// ctdbd logging to a real rsyslogd: the daemon's lines carry the ctdbd tag
// and its PID, script output the ctdb-eventd tag with the script's name.
func TestLogsToRealSyslog(t *testing.T) {
	srv := rsyslogd.Start(t)
	c := cluster(t, localcluster.Options{Scripts: []string{"00.ctdb"}, LogLocation: "syslog:unix:" + srv.Socket})
	addScript(t, c, 0, "20.talk", `[ "$1" = monitor ] && echo "hello from the monitor"; exit 0`+"\n", 0o755)
	start(t, c, 0)
	waitRunning(t, c, 0)
	pid := c.PID(0)
	line := srv.WaitFor(t, fmt.Sprintf("ctdbd[%d]: Set runstate to RUNNING", pid), 10*time.Second)
	t.Logf("daemon line: %s", line)
	line = srv.WaitFor(t, fmt.Sprintf("ctdb-eventd[%d]: 20.talk: hello from the monitor", pid), 20*time.Second)
	t.Logf("script line: %s", line)
	ctdb(t, c, 0, "setdebug", "ERROR")
	ctdb(t, c, 0, "setvar", "MonitorInterval", "3")
	// Back at NOTICE, a second change is logged: the daemon's lines reach
	// rsyslogd in order, so once it is there, the first would be too.
	ctdb(t, c, 0, "setdebug", "NOTICE")
	ctdb(t, c, 0, "setvar", "MonitorInterval", "4")
	srv.WaitFor(t, fmt.Sprintf("ctdbd[%d]: Tunable MonitorInterval set to 4", pid), 10*time.Second)
	for _, l := range srv.Lines() {
		if strings.Contains(l, "Tunable MonitorInterval set to 3") {
			t.Fatalf("NOTICE line logged at level ERROR: %s", l)
		}
	}
}
