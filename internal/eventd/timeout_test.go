package eventd

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

func TestTimeout_SIGTERMEndsScript(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.KillGrace = 2 * time.Second })
	h.script("10.slow", `echo before; sleep 10; echo after`)
	h.script("20.after", `touch "$TMP/ran-20"`)

	start := time.Now()
	res := h.mustRun("monitor", 200*time.Millisecond)
	elapsed := time.Since(start)

	if summary(res) != "10.slow=TIMEDOUT" || res.Outcome != OutcomeTimedOut {
		t.Fatalf("result = %s %v", summary(res), res.Outcome)
	}
	if elapsed > time.Second {
		t.Errorf("Run took %v; SIGTERM should have ended the script long before KillGrace (2s)", elapsed)
	}
	s := res.Scripts[0]
	if s.Output != "before\n" || s.StillRunning {
		t.Errorf("output %q stillRunning %v", s.Output, s.StillRunning)
	}
	if h.exists("ran-20") {
		t.Error("script after a timeout was run")
	}
	waitGroupGone(t, s.PID, time.Second)
	if st, ok := h.r.Status("monitor"); !ok || st.Outcome != OutcomeTimedOut {
		t.Errorf("a timed-out event must be recorded: %v %v", st, ok)
	}
}

func TestTimeout_IgnoredSIGTERMAndChildrenEndWithSIGKILL(t *testing.T) {
	const timeout, grace, reap = 200 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond
	h := newHarness(t, func(c *Config) { c.KillGrace, c.ReapWait = grace, reap })
	// Ignored dispositions are inherited across fork and exec, so the
	// children ignore SIGTERM too.
	h.script("10.stubborn", `trap '' TERM
sleep 100 &
(sleep 100; echo never) &
echo started
wait`)

	start := time.Now()
	res := h.mustRun("monitor", timeout)
	elapsed := time.Since(start)

	s := res.Scripts[0]
	if s.State != StateTimedOut || s.Output != "started\n" {
		t.Fatalf("got %v output %q", s.State, s.Output)
	}
	if elapsed < timeout+grace {
		t.Errorf("Run returned after %v, before the SIGTERM grace period ended", elapsed)
	}
	if elapsed > timeout+grace+reap+500*time.Millisecond {
		t.Errorf("Run took %v", elapsed)
	}
	waitGroupGone(t, s.PID, reap)
}

func TestTimeout_ChildrenSurvivingTheLeaderAreKilled(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.KillGrace = 2 * time.Second })
	// The shell dies of SIGTERM at once; its child ignores SIGTERM.
	h.script("10.leaves-child", `(trap '' TERM; sleep 100) &
echo started
wait`)

	start := time.Now()
	res := h.mustRun("monitor", 200*time.Millisecond)

	if el := time.Since(start); el > time.Second {
		t.Errorf("Run took %v: the grace period should end when the script exits", el)
	}
	if res.Scripts[0].State != StateTimedOut {
		t.Fatalf("state = %v", res.Scripts[0].State)
	}
	waitGroupGone(t, res.Scripts[0].PID, time.Second)
}

func TestTimeout_DebugScriptRunsBeforeTheKill(t *testing.T) {
	debug := ""
	h := newHarness(t, func(c *Config) {
		debug = filepath.Join(filepath.Dir(c.Dir), "debug-hung-script.sh")
		c.DebugScript = debug
	})
	writeAtomic(t, debug, preamble+`if kill -0 "$1"; then state=alive; else state=gone; fi
echo "$1 $2 $state" > "$TMP/debug.out"
echo "debug output line"
`, 0o755)
	h.script("10.hang", `sleep 10`)

	res := h.mustRun("monitor", 200*time.Millisecond)

	s := res.Scripts[0]
	if s.State != StateTimedOut {
		t.Fatalf("state = %v", s.State)
	}
	if got, want := h.read("debug.out"), fmt.Sprintf("%d monitor alive\n", s.PID); got != want {
		t.Errorf("debug script saw %q, want %q", got, want)
	}
	if !h.logged("debug-hung-script.sh: debug output line") {
		t.Error("debug script output was not logged")
	}
	waitGroupGone(t, s.PID, time.Second)
}

func TestTimeout_DebugScriptIsBounded(t *testing.T) {
	debug := ""
	h := newHarness(t, func(c *Config) {
		debug = filepath.Join(filepath.Dir(c.Dir), "debug.sh")
		c.DebugScript, c.DebugTimeout = debug, 200*time.Millisecond
	})
	writeAtomic(t, debug, preamble+"echo $$ > \"$TMP/debug.pid\"; sleep 30\n", 0o755)
	h.script("10.hang", `sleep 10`)

	start := time.Now()
	res := h.mustRun("monitor", 100*time.Millisecond)

	if el := time.Since(start); el > 1500*time.Millisecond {
		t.Errorf("Run took %v despite DebugTimeout 200ms", el)
	}
	if res.Scripts[0].State != StateTimedOut {
		t.Errorf("state = %v", res.Scripts[0].State)
	}
	if !h.logged("did not finish") {
		t.Error("killing the debug script was not logged")
	}
	waitGroupGone(t, h.waitPID("debug.pid"), time.Second)
}

func TestTimeout_OneDeadlineForTheWholeEvent(t *testing.T) {
	h := newHarness(t, nil)
	h.script("10.a", `sleep 0.4`)
	h.script("20.b", `sleep 0.4`)
	h.script("30.c", `true`)

	// Each script alone fits the timeout; together they do not.
	res := h.mustRun("monitor", 600*time.Millisecond)

	if got, want := summary(res), "10.a=OK 20.b=TIMEDOUT"; got != want {
		t.Errorf("scripts = %q, want %q", got, want)
	}
	if res.Outcome != OutcomeTimedOut {
		t.Errorf("outcome = %v", res.Outcome)
	}
}

// TestTimeout_StatusIsTimedOutBeforeTheDebugScript: while the debug script
// runs, the event's status already shows the hung script as TIMEDOUT with
// the output it wrote, as in CTDB (a debug script may run `ctdb
// scriptstatus`).
func TestTimeout_StatusIsTimedOutBeforeTheDebugScript(t *testing.T) {
	debug := ""
	h := newHarness(t, func(c *Config) {
		debug = filepath.Join(filepath.Dir(c.Dir), "debug-hung-script.sh")
		c.DebugScript = debug
	})
	writeAtomic(t, debug, preamble+`touch "$TMP/debug.started"
while [ ! -e "$TMP/debug.release" ]; do sleep 0.01; done
`, 0o755)
	h.script("10.ok", `true`)
	h.script("20.hang", `echo "partial output"; sleep 10`)

	ch := h.runAsync(context.Background(), "monitor", 300*time.Millisecond)
	waitFor(t, "the debug script to start", 5*time.Second, func() bool { return h.exists("debug.started") })

	st, ok := h.r.Status("monitor")
	switch {
	case !ok:
		t.Error("no monitor status while the debug script runs")
	case st.Outcome != OutcomeTimedOut || summary(st) != "10.ok=OK 20.hang=TIMEDOUT":
		t.Errorf("status while the debug script runs: %v %q", st.Outcome, summary(st))
	case st.Scripts[1].Output != "partial output\n":
		t.Errorf("hung script's output in the status = %q", st.Scripts[1].Output)
	}
	h.touch("debug.release")
	r := await(t, ch, 5*time.Second)
	if r.err != nil || summary(r.res) != "10.ok=OK 20.hang=TIMEDOUT" {
		t.Fatalf("final result %q, %v", summary(r.res), r.err)
	}
	waitGroupGone(t, r.res.Scripts[1].PID, time.Second)
}
