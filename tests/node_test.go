package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
)

func TestSingleNodeWithShippedScripts(t *testing.T) {
	c := cluster(t, localcluster.Options{Tunables: map[string]uint32{"MonitorInterval": 1}})
	start(t, c, 0)
	waitRunning(t, c, 0)
	eventually(t, 20*time.Second, func() string {
		if f := nodeFlags(c, 0); f != "OK" {
			return "node flags " + f
		}
		if out, _, _ := c.Ctdb(0, "scriptstatus"); !strings.Contains(out, "05.system") {
			return "no monitor status yet: " + out
		}
		return ""
	})

	status := ctdb(t, c, 0, "status")
	want := regexp.MustCompile(`^Number of nodes:1
pnn:0 127\.0\.0\.1        OK \(THIS NODE\)
Generation:\d+
Size:1
hash:0 lmaster:0
Recovery mode:NORMAL \(0\)
Leader:0
$`)
	if !want.MatchString(status) {
		t.Fatalf("ctdb status:\n%s", status)
	}
	if got := ctdb(t, c, 0, "-X", "status"); got != "|Node|IP|Disconnected|Unknown|Banned|Disabled|Unhealthy|Stopped|Inactive|PartiallyOnline|ThisNode|\n|0|127.0.0.1|0|0|0|0|0|0|0|0|Y|\n" {
		t.Fatalf("ctdb -X status:\n%s", got)
	}
	if got := ctdb(t, c, 0, "pnn"); got != "0\n" {
		t.Fatalf("pnn %q", got)
	}
	if got := ctdb(t, c, 0, "getreclock"); got != c.Reclock+"\n" {
		t.Fatalf("getreclock %q, want %q", got, c.Reclock)
	}
	if got := ctdb(t, c, 0, "getvar", "MonitorInterval"); got != "MonitorInterval            = 1\n" {
		t.Fatalf("getvar %q", got)
	}
	vars := ctdb(t, c, 0, "listvars")
	for _, line := range []string{"EventScriptTimeout         = 30", "MonitorTimeoutCount        = 20", "KeepaliveInterval          = 5", "RecoveryBanPeriod          = 300"} {
		if !strings.Contains(vars, line+"\n") {
			t.Errorf("listvars lacks %q", line)
		}
	}
	ev := ctdb(t, c, 0, "event", "status", "legacy", "monitor")
	if !regexp.MustCompile(`(?m)^00\.ctdb +OK +\d+\.\d{3} \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\n01\.reclock +OK .*\n05\.system +OK `).MatchString(ev) {
		t.Fatalf("event status:\n%s", ev)
	}
	for _, event := range []string{"init", "setup", "startrecovery", "recovered", "startup"} {
		if out := ctdb(t, c, 0, "event", "status", event); !strings.Contains(out, "00.ctdb") {
			t.Errorf("event %s has no status: %q", event, out)
		}
	}
	ctdb(t, c, 0, "setvar", "MonitorInterval", "7")
	// As CTDB's tool, getvar echoes the name as typed.
	if got := ctdb(t, c, 0, "getvar", "monitorinterval"); got != "monitorinterval            = 7\n" {
		t.Fatalf("after setvar: %q", got)
	}
	if out, _, code := c.Ctdb(0, "ping"); code != 0 || !regexp.MustCompile(`^response from 0 time=\d+\.\d{6} sec  \(\d+ clients\)\n$`).MatchString(out) {
		t.Fatalf("ping %d %q", code, out)
	}
}

func TestMonitorFailureMakesNodeUnhealthyAndBack(t *testing.T) {
	c := cluster(t, localcluster.Options{Scripts: []string{"00.ctdb"}, Tunables: map[string]uint32{"MonitorInterval": 1}})
	flag := filepath.Join(c.Base, "fail")
	addScript(t, c, 0, "50.service", `
case "$1" in
monitor)
	if [ -e "`+flag+`" ]; then
		echo "ERROR: service is down"
		exit 3
	fi
	;;
esac
exit 0
`, 0o755)
	start(t, c, 0)
	waitRunning(t, c, 0)
	waitFlags(t, c, 0, "OK", 10*time.Second)
	if err := os.WriteFile(flag, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	waitFlags(t, c, 0, "UNHEALTHY", 10*time.Second)
	out, _, code := c.Ctdb(0, "nodestatus")
	if code != 2 || out != "pnn:0 127.0.0.1        UNHEALTHY (THIS NODE)\n" {
		t.Fatalf("nodestatus exit %d: %q", code, out)
	}
	out, _, code = c.Ctdb(0, "event", "status", "monitor")
	if code != 3 || !strings.Contains(out, "50.service           ERROR") || !strings.Contains(out, "  OUTPUT: ERROR: service is down\n") {
		t.Fatalf("event status exit %d:\n%s", code, out)
	}
	if _, _, code := c.Ctdb(0, "scriptstatus"); code != 0 {
		t.Fatalf("scriptstatus exit %d, want 0 as CTDB", code)
	}
	if !strings.Contains(c.Log(0), "ctdb-eventd[") || !strings.Contains(c.Log(0), "50.service: ERROR: service is down") {
		t.Fatalf("script output not logged with ctdb-eventd tag and script prefix:\n%s", tail(c.Log(0), 20))
	}
	os.Remove(flag)
	waitFlags(t, c, 0, "OK", 10*time.Second)
}

// A script that ignores SIGTERM and forks children, run past the timeout:
// the event is TIMEDOUT, and nothing of it survives.
func TestHungScriptIsKilledWithItsChildren(t *testing.T) {
	c := cluster(t, localcluster.Options{Scripts: []string{"00.ctdb"}})
	addScript(t, c, 0, "60.hang", `
case "$1" in
hangme)
	trap '' TERM
	sleep 1000 &
	( trap '' TERM; while :; do sleep 1; done ) &
	echo "about to hang"
	while :; do sleep 1; done
	;;
esac
exit 0
`, 0o755)
	start(t, c, 0)
	waitRunning(t, c, 0)
	daemon := c.PID(0)

	t0 := time.Now()
	out, errOut, code := c.Ctdb(0, "event", "run", "2", "legacy", "hangme")
	took := time.Since(t0)
	if code != 110 || !strings.Contains(errOut+out, "Event hangme in legacy timed out") {
		t.Fatalf("event run: exit %d %q %q", code, out, errOut)
	}
	if took > 10*time.Second {
		t.Fatalf("event run took %v with a 2 s timeout", took)
	}
	st, _, code := c.Ctdb(0, "event", "status", "hangme")
	if code != 110 || !regexp.MustCompile(`60\.hang +TIMEDOUT +\w{3} `).MatchString(st) || !strings.Contains(st, "OUTPUT: about to hang") {
		t.Fatalf("status exit %d:\n%s", code, st)
	}
	eventually(t, 5*time.Second, func() string {
		var left []int
		for _, p := range procsUnder(c.Base) {
			if p != daemon && !isDaemonPart(p) {
				left = append(left, p)
			}
		}
		if len(left) > 0 {
			return "left: " + describePids(left)
		}
		return ""
	})
	// The daemon still answers, and the hung script can run again.
	ctdb(t, c, 0, "status")
}

// Monitor timeouts count against health only after MonitorTimeoutCount.
func TestMonitorTimeoutsCountAfterLimit(t *testing.T) {
	c := cluster(t, localcluster.Options{Scripts: []string{"00.ctdb"},
		Tunables: map[string]uint32{"MonitorInterval": 1, "EventScriptTimeout": 1, "MonitorTimeoutCount": 3}})
	flag := filepath.Join(c.Base, "hang")
	addScript(t, c, 0, "50.slow", `
[ "$1" = monitor ] && [ -e "`+flag+`" ] && exec sleep 100
exit 0
`, 0o755)
	start(t, c, 0)
	waitRunning(t, c, 0)
	os.WriteFile(flag, nil, 0o644)
	// The first timeouts are logged but do not change health.
	eventually(t, 10*time.Second, func() string {
		if !strings.Contains(c.Log(0), "Monitor event timed out (2 of 3") {
			return "no second timeout logged"
		}
		return ""
	})
	if f := nodeFlags(c, 0); f != "OK" {
		t.Fatalf("unhealthy after 2 of 3 timeouts: %s", f)
	}
	waitFlags(t, c, 0, "UNHEALTHY", 10*time.Second)
	os.Remove(flag)
	waitFlags(t, c, 0, "OK", 10*time.Second)
}

func TestBigOutputIsCapped(t *testing.T) {
	c := cluster(t, localcluster.Options{Scripts: []string{"00.ctdb"}})
	addScript(t, c, 0, "70.chatty", `
[ "$1" = chatty ] || exit 0
i=0
while [ $i -lt 20000 ]; do echo "line $i of chatter"; i=$((i+1)); done
exit 4
`, 0o755)
	start(t, c, 0)
	waitRunning(t, c, 0)
	_, _, code := c.Ctdb(0, "event", "run", "chatty")
	if code != 8 {
		t.Fatalf("event run exit %d, want 8", code)
	}
	st, _, _ := c.Ctdb(0, "event", "status", "chatty")
	if len(st) > 16<<10 || !strings.Contains(st, "line 19999 of chatter") || !strings.Contains(st, "truncated") {
		t.Fatalf("status (%d bytes) not capped to the tail:\n%.600s", len(st), st)
	}
	ctdb(t, c, 0, "status")
}

func TestScriptChangesTakeEffectWithoutRestart(t *testing.T) {
	c := cluster(t, localcluster.Options{Scripts: []string{"00.ctdb"}})
	start(t, c, 0)
	waitRunning(t, c, 0)
	p := addScript(t, c, 0, "80.new", "echo new ran \"$1\"; exit 0\n", 0o755)
	eventually(t, 5*time.Second, func() string {
		if out := ctdb(t, c, 0, "event", "script", "list"); !strings.Contains(out, "* 80.new\n") {
			return "list: " + out
		}
		return ""
	})
	ctdb(t, c, 0, "event", "run", "probe")
	if st := ctdb(t, c, 0, "event", "status", "probe"); !strings.Contains(st, "80.new               OK") {
		t.Fatalf("added script did not run:\n%s", st)
	}
	os.Chmod(p, 0o644)
	eventually(t, 5*time.Second, func() string {
		ctdb(t, c, 0, "event", "run", "probe")
		if st := ctdb(t, c, 0, "event", "status", "probe"); !strings.Contains(st, "80.new               DISABLED  \n") {
			return st
		}
		return ""
	})
	ctdb(t, c, 0, "event", "script", "enable", "80.new")
	if st, _ := os.Stat(p); st.Mode()&0o111 == 0 {
		t.Fatal("enable did not chmod +x")
	}
	ctdb(t, c, 0, "event", "script", "disable", "legacy", "80.new")
	if out := ctdb(t, c, 0, "event", "script", "list", "legacy"); !strings.Contains(out, "  80.new\n") {
		t.Fatalf("disable: %s", out)
	}
	os.Remove(p)
	eventually(t, 5*time.Second, func() string {
		if out := ctdb(t, c, 0, "event", "script", "list"); strings.Contains(out, "80.new") {
			return out
		}
		return ""
	})
}

func TestShutdownRunsShutdownEventAndCleansUp(t *testing.T) {
	c := cluster(t, localcluster.Options{Scripts: []string{"00.ctdb"}})
	marker := filepath.Join(c.Base, "shutdown-ran")
	addScript(t, c, 0, "90.mark", `[ "$1" = shutdown ] && touch "`+marker+`"; exit 0`+"\n", 0o755)
	start(t, c, 0)
	waitRunning(t, c, 0)
	pid := c.PID(0)
	ctdb(t, c, 0, "shutdown")
	eventually(t, 20*time.Second, func() string {
		if len(procsUnder(c.Base)) > 0 {
			return "daemon still running"
		}
		return ""
	})
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("shutdown event did not run: %v", err)
	}
	for _, p := range []string{c.Socket(0), c.PidFile(0)} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s left behind", p)
		}
	}
	_ = pid
	_, errOut, code := c.Ctdb(0, "status")
	if code == 0 || !strings.Contains(errOut, "cannot connect to ctdbd at "+c.Socket(0)) {
		t.Fatalf("tool without daemon: exit %d %q", code, errOut)
	}
}

func TestBadConfigurationStartsNothing(t *testing.T) {
	cases := []struct {
		file, content, want string
	}{
		{"nodes", "127.0.0.1\n127.0.0.x\n", "nodes:2:"},
		{"ctdb.conf", "[cluster]\n\tcluster lock = /x\n\tbogus option = 1\n", "ctdb.conf:3:"},
		{"ctdb.tunables", "MonitorInterval=abc\n", "ctdb.tunables:1:"},
		{"public_addresses", "10.0.0.1/33 eth0\n", "public_addresses:1:"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			c := cluster(t, localcluster.Options{Scripts: []string{"00.ctdb"}})
			if err := os.WriteFile(filepath.Join(c.ConfigDir(0), tc.file), []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(filepath.Join(binDir, "ctdbd"))
			cmd.Env = c.Env(0)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("ctdbd started with a bad %s", tc.file)
			}
			if !strings.Contains(string(out), filepath.Join(c.ConfigDir(0), tc.file)) || !strings.Contains(string(out), tc.want) {
				t.Fatalf("error does not name file and line (%s): %s", tc.want, out)
			}
			if _, err := os.Stat(c.Socket(0)); err == nil {
				t.Fatal("socket created despite bad config")
			}
			if _, err := os.Stat(c.PidFile(0)); err == nil {
				t.Fatal("pid file created despite bad config")
			}
		})
	}
}

func TestInitFailureStopsDaemon(t *testing.T) {
	c := cluster(t, localcluster.Options{Scripts: []string{"00.ctdb"}})
	addScript(t, c, 0, "10.badinit", `[ "$1" = init ] && { echo "cannot initialise"; exit 1; }; exit 0`+"\n", 0o755)
	cmd := exec.Command(filepath.Join(binDir, "ctdbd"))
	cmd.Env = c.Env(0)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "init event failed") {
		t.Fatalf("ctdbd with failing init: %v %s", err, out)
	}
	if !strings.Contains(c.Log(0), "10.badinit: cannot initialise") {
		t.Fatalf("log:\n%s", c.Log(0))
	}
}
