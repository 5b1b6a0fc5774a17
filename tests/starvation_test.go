package tests

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/tests/harness"
)

// Events fired back to back cancel every monitor (each new event cancels a
// running monitor, as in CTDB). Monitoring must not starve silently: within
// MonitorInterval + EventScriptTimeout (plus the loop's one-second step)
// the node is marked UNHEALTHY and its log says why; once the events stop,
// a monitor completes and the node is HEALTHY again.
func TestMonitorStarvationMarksUnhealthy(t *testing.T) {
	const interval, timeout = 1, 3
	c := cluster(t, localcluster.Options{Scripts: []string{"00.ctdb"},
		Tunables: map[string]uint32{"MonitorInterval": interval, "EventScriptTimeout": timeout}})
	slow := filepath.Join(c.Base, "slow")
	addScript(t, c, 0, "50.slow", `
[ "$1" = monitor ] && [ -e "`+slow+`" ] && sleep 1
exit 0
`, 0o755)
	start(t, c, 0)
	waitRunning(t, c, 0)
	waitFlags(t, c, 0, "OK", 10*time.Second)
	if err := os.WriteFile(slow, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	fired := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				fired <- n
				return
			default:
			}
			c.Ctdb(0, "event", "run", "startipreallocate")
			n++
		}
	}()
	t0 := time.Now()
	bound := time.Duration(interval+timeout+1)*time.Second + 3*time.Second // + slack for a loaded machine
	starved := harness.Until(bound, 100*time.Millisecond, func() string {
		if f := nodeFlags(c, 0); f != "UNHEALTHY" {
			return f
		}
		return ""
	}) == nil
	took := time.Since(t0)
	close(stop)
	n := <-fired
	if !starved {
		t.Fatalf("after %d events in %v the node is %s, want UNHEALTHY (monitoring starved)\n%s", n, took, nodeFlags(c, 0), tail(c.Log(0), 30))
	}
	re := regexp.MustCompile(`Monitoring starved \(no monitor event completed for \d+ s, (\d+) cancelled by other events\) - node marked UNHEALTHY`)
	m := re.FindStringSubmatch(c.Log(0))
	if m == nil || m[1] == "0" {
		t.Fatalf("the log does not say why the node is UNHEALTHY:\n%s", tail(c.Log(0), 30))
	}
	t.Logf("UNHEALTHY %.1f s after events began (%d events fired): %s", took.Seconds(), n, m[0])
	os.Remove(slow)
	waitFlags(t, c, 0, "OK", 10*time.Second)
	if !strings.Contains(c.Log(0), "Node became HEALTHY") {
		t.Errorf("no HEALTHY transition logged")
	}
}
