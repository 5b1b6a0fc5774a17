package eventd

import (
	"context"
	"errors"
	"testing"
	"time"
)

// blockingScript logs each event it runs for; for $BLOCK_EVENT it records
// its pid and waits until $TMP/release exists.
const blockingScript = `echo "$1" >> "$TMP/order"
if [ "$1" = "$BLOCK_EVENT" ]; then
  echo $$ > "$TMP/blocker.pid"
  while [ ! -e "$TMP/release" ]; do sleep 0.02; done
fi`

func TestMonitor_CancelledByAnotherEvent(t *testing.T) {
	h := newHarness(t, nil)
	h.script("10.mon", `case "$1" in
monitor) echo $$ > "$TMP/monitor.pid"; sleep 30 ;;
startup) if kill -0 "$(cat "$TMP/monitor.pid")" 2>/dev/null; then echo overlap; exit 1; fi ;;
esac`)

	mon := h.runAsync(context.Background(), "monitor", 10*time.Second)
	pid := h.waitPID("monitor.pid")

	start := h.mustRun("startup", 5*time.Second)
	m := await(t, mon, 2*time.Second)

	if !errors.Is(m.err, ErrCancelled) || m.res == nil || m.res.Outcome != OutcomeCancelled {
		t.Fatalf("monitor: err %v result %+v, want ErrCancelled/CANCELLED", m.err, m.res)
	}
	if start.Outcome != OutcomeOK {
		t.Errorf("startup = %v %q: it overlapped the monitor", start.Outcome, start.Scripts[0].Output)
	}
	waitGroupGone(t, pid, time.Second)
	if _, ok := h.r.Status("monitor"); ok {
		t.Error("a cancelled monitor was recorded as the monitor status")
	}
}

func TestMonitor_RefusedWhileAnotherEventRuns(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Env = append(c.Env, "BLOCK_EVENT=startup") })
	h.script("10.block", blockingScript)

	startup := h.runAsync(context.Background(), "startup", 10*time.Second)
	h.waitPID("blocker.pid")

	begin := time.Now()
	res, err := h.run("monitor", 5*time.Second)
	if el := time.Since(begin); el > 200*time.Millisecond {
		t.Errorf("refusing the monitor took %v", el)
	}
	if !errors.Is(err, ErrCancelled) || res == nil || res.Outcome != OutcomeCancelled || len(res.Scripts) != 0 {
		t.Fatalf("monitor: %v %+v, want ErrCancelled with no scripts", err, res)
	}
	h.touch("release")
	if s := await(t, startup, 5*time.Second); s.err != nil || s.res.Outcome != OutcomeOK {
		t.Fatalf("startup: %v %v", s.err, s.res)
	}
	if got := h.read("order"); got != "startup\n" {
		t.Errorf("scripts ran for %q, want only startup", got)
	}
	if _, ok := h.r.Status("monitor"); ok {
		t.Error("refused monitor recorded as status")
	}
}

func TestEvents_QueueFIFOAndRefuseMonitorWhileQueued(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Env = append(c.Env, "BLOCK_EVENT=first") })
	h.script("10.block", blockingScript)

	first := h.runAsync(context.Background(), "first", 10*time.Second)
	h.waitPID("blocker.pid")
	second := h.runAsync(context.Background(), "second", 10*time.Second)
	waitFor(t, "second to queue", 2*time.Second, func() bool { return h.r.queueLen() == 1 })
	third := h.runAsync(context.Background(), "third", 10*time.Second)
	waitFor(t, "third to queue", 2*time.Second, func() bool { return h.r.queueLen() == 2 })

	if _, err := h.run("monitor", time.Second); !errors.Is(err, ErrCancelled) {
		t.Errorf("monitor with events queued: err %v, want ErrCancelled", err)
	}
	h.touch("release")
	for _, ch := range []<-chan runReturn{first, second, third} {
		if r := await(t, ch, 5*time.Second); r.err != nil || r.res.Outcome != OutcomeOK {
			t.Errorf("%v %v", r.err, r.res)
		}
	}
	if got, want := h.read("order"), "first\nsecond\nthird\n"; got != want {
		t.Errorf("order %q, want %q", got, want)
	}
}

func TestRun_ContextCancelKillsScript(t *testing.T) {
	h := newHarness(t, nil)
	h.script("10.hang", `echo $$ > "$TMP/pid"; sleep 30`)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := h.runAsync(ctx, "startup", 10*time.Second)
	pid := h.waitPID("pid")
	cancel()
	r := await(t, ch, 2*time.Second)

	if !errors.Is(r.err, context.Canceled) || r.res.Outcome != OutcomeCancelled {
		t.Fatalf("err %v result %+v, want context.Canceled", r.err, r.res)
	}
	waitGroupGone(t, pid, time.Second)
	if _, ok := h.r.Status("startup"); ok {
		t.Error("cancelled run recorded as status")
	}
}

func TestRun_ContextCancelWhileQueued(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Env = append(c.Env, "BLOCK_EVENT=first") })
	h.script("10.block", blockingScript)

	first := h.runAsync(context.Background(), "first", 10*time.Second)
	h.waitPID("blocker.pid")
	ctx, cancel := context.WithCancel(context.Background())
	second := h.runAsync(ctx, "second", 10*time.Second)
	waitFor(t, "second to queue", 2*time.Second, func() bool { return h.r.queueLen() == 1 })
	cancel()

	if r := await(t, second, 2*time.Second); !errors.Is(r.err, context.Canceled) {
		t.Errorf("queued run: err %v, want context.Canceled", r.err)
	}
	if n := h.r.queueLen(); n != 0 {
		t.Errorf("queue length %d after cancel", n)
	}
	h.touch("release")
	await(t, first, 5*time.Second)
	if got := h.read("order"); got != "first\n" {
		t.Errorf("order %q: the cancelled event ran", got)
	}
}

func TestClose_KillsRunningScriptAndRefusesRuns(t *testing.T) {
	h := newHarness(t, nil)
	h.script("10.hang", `echo $$ > "$TMP/pid"; sleep 30`)

	ch := h.runAsync(context.Background(), "startup", 10*time.Second)
	pid := h.waitPID("pid")
	begin := time.Now()
	if err := h.r.Close(); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(begin); el > time.Second {
		t.Errorf("Close took %v", el)
	}
	if r := await(t, ch, time.Second); !errors.Is(r.err, ErrClosed) {
		t.Errorf("running Run: err %v, want ErrClosed", r.err)
	}
	waitGroupGone(t, pid, time.Second)
	if _, err := h.run("startup", time.Second); !errors.Is(err, ErrClosed) {
		t.Errorf("Run after Close: err %v, want ErrClosed", err)
	}
	if err := h.r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
