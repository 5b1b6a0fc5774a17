package eventd

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// Runner runs the events of one script directory, one event at a time.
type Runner struct {
	cfg     Config
	log     *logrus.Entry
	scripts *scriptCache
	hung    *hungSet

	mu      sync.Mutex
	current *job   // the running job
	queue   []*job // waiting jobs, FIFO
	closed  bool
	active  sync.WaitGroup // admitted jobs whose Run has not returned
	last    map[string]*EventResult
}

// New checks cfg, fills in defaults and starts watching cfg.Dir.
func New(cfg Config) (*Runner, error) {
	return newRunner(cfg, true)
}

func newRunner(cfg Config, watch bool) (*Runner, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if err := checkDirs(cfg); err != nil {
		return nil, err
	}
	var extra []string
	if cfg.DataDir != "" {
		extra = append(extra, cfg.DataDir)
	}
	r := &Runner{
		cfg:     cfg,
		log:     cfg.Log,
		scripts: newScriptCache(cfg.layout(), extra, cfg.Log, watch),
		hung:    newHungSet(cfg.Log, cfg.Now),
		last:    make(map[string]*EventResult),
	}
	for _, w := range r.LayoutWarnings() {
		r.log.Warning(w)
	}
	return r, nil
}

// checkDirs makes sure every script directory that exists is a directory.
// Without LegacyDir, Dir must exist (the runner's original contract).
func checkDirs(cfg Config) error {
	for _, d := range cfg.layout().Dirs() {
		fi, err := os.Stat(d.Path)
		if err != nil {
			if os.IsNotExist(err) && cfg.LegacyDir != "" {
				continue
			}
			return fmt.Errorf("eventd: script directory: %w", err)
		}
		if !fi.IsDir() {
			return fmt.Errorf("eventd: script directory %s is not a directory", d.Path)
		}
	}
	return nil
}

// Run runs event with args through every enabled script, waiting first for
// earlier events to finish. timeout bounds the whole event from the moment
// it starts running.
//
// A timed-out event returns its result with OutcomeTimedOut and a nil error.
// A cancelled one returns a result with OutcomeCancelled and ErrCancelled
// (pre-empted monitor), ErrClosed, or the context's error; it is not stored
// as the event's status. Other errors (bad arguments, unreadable directory)
// come with a nil result.
func (r *Runner) Run(ctx context.Context, event string, args []string, timeout time.Duration) (*EventResult, error) {
	if err := checkRequest(event, args, timeout); err != nil {
		return nil, err
	}
	j := newJob(event, args)
	if err := r.enqueue(j); err != nil {
		return r.cancelled(j, nil), err
	}
	defer r.finish(j)
	defer context.AfterFunc(ctx, func() {
		j.cancel(fmt.Errorf("eventd: event %s: %w", event, ctx.Err()))
	})()
	if err := j.waitTurn(); err != nil {
		return r.cancelled(j, nil), err
	}
	res, err := r.runEvent(j, timeout)
	if err == nil {
		r.record(res)
	}
	return res, err
}

// runEvent runs the scripts of the running job j in order, stopping at the
// first one that does not succeed.
func (r *Runner) runEvent(j *job, timeout time.Duration) (*EventResult, error) {
	start := r.cfg.Now()
	scripts, err := r.scripts.get()
	if err != nil {
		return nil, fmt.Errorf("eventd: event %s: %w", j.event, err)
	}
	deadline := time.Now().Add(timeout)
	res := &EventResult{Event: j.event, Args: j.args, Start: start}
	for _, s := range scripts {
		if j.stopped() {
			return r.cancelled(j, res), j.err
		}
		sr := r.runOne(j, s, deadline, res)
		res.Scripts = append(res.Scripts, sr)
		if j.stopped() {
			return r.cancelled(j, res), j.err
		}
		if sr.State != StateOK && sr.State != StateDisabled {
			res.Outcome, res.ExitCode = failureOutcome(sr)
			break
		}
	}
	res.End = r.cfg.Now()
	return res, nil
}

func (r *Runner) runOne(j *job, s scriptEntry, deadline time.Time, partial *EventResult) ScriptResult {
	if !s.Enabled {
		now := r.cfg.Now()
		return ScriptResult{Name: s.Name, State: StateDisabled, Start: now, End: now}
	}
	return r.runScript(j, s, deadline, partial)
}

// recordTimedOut stores the event as timed out in script sr, before the
// debug script runs and before sr is killed, as CTDB does: a debug script
// that calls `ctdb scriptstatus` already sees the script as TIMEDOUT, with
// the output it has written so far. The final result replaces this one.
func (r *Runner) recordTimedOut(partial *EventResult, sr ScriptResult) {
	res := partial.clone()
	res.Scripts = append(res.Scripts, sr)
	res.Outcome, res.ExitCode = OutcomeTimedOut, 0
	res.End = r.cfg.Now()
	r.record(res)
}

// failureOutcome is the event outcome when script sr stopped the event.
func failureOutcome(sr ScriptResult) (Outcome, int) {
	if sr.State == StateTimedOut {
		return OutcomeTimedOut, 0
	}
	return OutcomeError, sr.ExitCode
}

// cancelled completes (or creates) the result of a cancelled job.
func (r *Runner) cancelled(j *job, res *EventResult) *EventResult {
	now := r.cfg.Now()
	if res == nil {
		res = &EventResult{Event: j.event, Args: j.args, Start: now}
	}
	res.Outcome, res.End = OutcomeCancelled, now
	return res
}

func (r *Runner) record(res *EventResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.last[res.Event] = res.clone()
}

// Status returns the last completed (not cancelled) run of event.
// StillRunning is refreshed: it stays true only while that copy is hung.
func (r *Runner) Status(event string) (*EventResult, bool) {
	r.mu.Lock()
	res, ok := r.last[event]
	if ok {
		res = res.clone()
	}
	r.mu.Unlock()
	if !ok {
		return nil, false
	}
	for i := range res.Scripts {
		s := &res.Scripts[i]
		if s.StillRunning {
			h, alive := r.hung.get(s.Name)
			s.StillRunning = alive && h.PID == s.PID
		}
	}
	return res, true
}

// Hung lists the scripts that survived SIGKILL and have not exited yet.
func (r *Runner) Hung() []HungScript {
	return r.hung.list()
}

// Close stops the directory watch, makes queued and future Runs fail with
// ErrClosed, and SIGKILLs the running script's group. It waits for the
// running Run to return, which is bounded by ReapWait: hung scripts are left
// to their reapers.
func (r *Runner) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	jobs := append([]*job(nil), r.queue...)
	if r.current != nil {
		jobs = append(jobs, r.current)
	}
	r.mu.Unlock()
	for _, j := range jobs {
		j.cancel(ErrClosed)
	}
	r.scripts.close()
	r.active.Wait()
	return nil
}
