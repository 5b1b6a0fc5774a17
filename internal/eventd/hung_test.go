package eventd

import (
	"fmt"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestHung_ScriptThatSurvivesSIGKILL emulates a script stuck in a hung filesystem: the Signal seam
// drops every signal, as the kernel does for a process waiting on FUSE. The
// test then "thaws" by killing the script for real.
func TestHung_ScriptThatSurvivesSIGKILL(t *testing.T) {
	const timeout, grace, reap = 200 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond
	var frozen atomic.Bool
	frozen.Store(true)
	h := newHarness(t, func(c *Config) {
		c.KillGrace, c.ReapWait = grace, reap
		c.Signal = func(pgid int, sig syscall.Signal) error {
			if frozen.Load() {
				return nil
			}
			return unix.Kill(-pgid, sig)
		}
	})
	h.script("10.stuck", `echo "run $1"; if [ -e "$TMP/thawed" ]; then exit 0; fi; sleep 30`)
	h.script("20.after", `echo ran >> "$TMP/after"`)

	// First run: times out, cannot be killed, Run still returns in bounded time.
	begin := time.Now()
	res := h.mustRun("monitor", timeout)
	if el := time.Since(begin); el > timeout+grace+reap+500*time.Millisecond {
		t.Errorf("Run took %v with an unkillable script", el)
	}
	s := res.Scripts[0]
	if summary(res) != "10.stuck=TIMEDOUT" || !s.StillRunning || s.Output != "run monitor\n" {
		t.Fatalf("result %s stillRunning=%v output %q", summary(res), s.StillRunning, s.Output)
	}
	pid := s.PID
	if len(groupMembers(pid)) == 0 {
		t.Fatal("the emulated unkillable script is gone: the seam was not used")
	}
	hung := h.r.Hung()
	if len(hung) != 1 || hung[0].Name != "10.stuck" || hung[0].PID != pid || hung[0].Event != "monitor" || hung[0].Since.IsZero() {
		t.Fatalf("Hung() = %+v", hung)
	}

	// Second run: the hung copy is not started again.
	begin = time.Now()
	res = h.mustRun("monitor", timeout)
	if el := time.Since(begin); el > 100*time.Millisecond {
		t.Errorf("skipping a hung script took %v", el)
	}
	s = res.Scripts[0]
	if summary(res) != "10.stuck=TIMEDOUT" || res.Outcome != OutcomeTimedOut || s.PID != pid || !s.StillRunning {
		t.Fatalf("second run: %s pid %d (hung %d) stillRunning=%v", summary(res), s.PID, pid, s.StillRunning)
	}
	for _, want := range []string{fmt.Sprintf("previous run (pid %d, event monitor, since ", pid), "is still running"} {
		if !strings.Contains(s.Output, want) {
			t.Errorf("output %q lacks %q", s.Output, want)
		}
	}
	if n := len(h.logEntries("10.stuck: run monitor")); n != 1 {
		t.Errorf("script started %d times, want 1", n)
	}
	if h.exists("after") {
		t.Error("the event went on past the hung script")
	}

	// Thaw: the process dies, is reaped, and the record goes away.
	frozen.Store(false)
	h.touch("thawed")
	if err := unix.Kill(-pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the hung record to clear", 2*time.Second, func() bool { return len(h.r.Hung()) == 0 })
	waitFor(t, "the reap to be logged", time.Second, func() bool {
		return h.logged(fmt.Sprintf("10.stuck: hung script pid %d finally exited after ", pid))
	})
	if st, _ := h.r.Status("monitor"); st.Scripts[0].StillRunning {
		t.Error("Status still reports the reaped script as running")
	}

	// Next run starts it again.
	res = h.mustRun("monitor", 2*time.Second)
	if summary(res) != "10.stuck=OK 20.after=OK" || res.Scripts[0].PID == pid {
		t.Errorf("after thaw: %s pid %d", summary(res), res.Scripts[0].PID)
	}
}

func TestHung_CancelledMonitorThatSurvivesSIGKILL(t *testing.T) {
	var frozen atomic.Bool
	frozen.Store(true)
	h := newHarness(t, func(c *Config) {
		c.ReapWait = 200 * time.Millisecond
		c.Signal = func(pgid int, sig syscall.Signal) error {
			if frozen.Load() {
				return nil
			}
			return unix.Kill(-pgid, sig)
		}
	})
	h.script("10.stuck", `if [ "$1" = monitor ]; then echo $$ > "$TMP/pid"; sleep 30; fi`)

	mon := h.runAsync(t.Context(), "monitor", 10*time.Second)
	pid := h.waitPID("pid")
	res := h.mustRun("startup", 5*time.Second)

	if r := await(t, mon, time.Second); r.err == nil {
		t.Fatal("monitor was not cancelled")
	}
	// The hung monitor copy blocks the script for the startup event too.
	if summary(res) != "10.stuck=TIMEDOUT" || res.Scripts[0].PID != pid {
		t.Errorf("startup: %s pid %d, want TIMEDOUT for hung pid %d", summary(res), res.Scripts[0].PID, pid)
	}
	frozen.Store(false)
	unix.Kill(-pid, syscall.SIGKILL)
	waitFor(t, "the hung record to clear", 2*time.Second, func() bool { return len(h.r.Hung()) == 0 })
}
