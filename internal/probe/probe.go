package probe

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// Prober runs probes with one configuration.
type Prober struct {
	cfg Config
	// claimed, if set, is called after a caller has started or joined a
	// worker (a test hook to sequence concurrent callers).
	claimed func()
}

// New validates cfg and creates the state directory.
func New(cfg Config) (*Prober, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("probe state directory: %w", err)
	}
	return &Prober{cfg: cfg}, nil
}

// Timeout is the configured wait for an answer.
func (p *Prober) Timeout() time.Duration { return p.cfg.Timeout }

// waitFor is the worker a caller waits on: one it started, or one it joined.
type waitFor struct {
	rec    Outstanding
	exited <-chan struct{} // nil for a joined worker
}

// Probe performs op on path in a worker and waits up to the timeout.
// Errors: *FSError (the filesystem answered with an error), *TimeoutError
// (no answer in time; the worker keeps running), *BusyError (an earlier
// probe of this key is stuck, so none was started), others for local
// problems (bad path, state directory).
func (p *Prober) Probe(op Op, path string) (*Result, error) {
	if _, err := ParseOp(string(op)); err != nil {
		return nil, err
	}
	clean, err := CleanPath(path)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, path, err)
	}
	path = clean
	files := filesFor(p.cfg.StateDir, op, path)
	var w waitFor
	err = withFlock(files.lock, func() error {
		var err error
		w, err = p.claim(op, path, files)
		return err
	})
	if err != nil {
		return nil, err
	}
	if p.claimed != nil {
		p.claimed()
	}
	return p.await(op, path, files, w, time.Now().Add(p.cfg.Timeout))
}

// claim runs under the key's lock. It returns the worker to wait for:
// an outstanding one still within its first caller's deadline (shared), or a
// newly started one. A worker past that deadline yields *BusyError.
func (p *Prober) claim(op Op, path string, files stateFiles) (waitFor, error) {
	rec, err := p.outstanding(files)
	if err != nil {
		return waitFor{}, err
	}
	now := time.Now()
	if rec != nil {
		if now.Before(rec.Deadline) {
			return waitFor{rec: *rec}, nil
		}
		return waitFor{}, &BusyError{Op: op, Path: path, Pid: rec.Pid, Started: rec.Started, Now: now}
	}
	token, err := newToken()
	if err != nil {
		return waitFor{}, err
	}
	worker, err := p.cfg.Start(WorkerSpec{StateDir: p.cfg.StateDir, Token: token, Op: op, Path: path})
	if err != nil {
		return waitFor{}, fmt.Errorf("start probe worker: %w", err)
	}
	newRec := Outstanding{Pid: worker.Pid, Token: token, Started: now, Deadline: now.Add(p.cfg.Timeout)}
	if err := writeJSON(files.pid, &newRec); err != nil {
		return waitFor{}, fmt.Errorf("record probe worker pid %d: %w", worker.Pid, err)
	}
	return waitFor{rec: newRec, exited: worker.Exited}, nil
}

// outstanding returns the recorded worker if it is still running and has
// not answered yet, else nil.
func (p *Prober) outstanding(files stateFiles) (*Outstanding, error) {
	rec, err := readOutstanding(files.pid)
	if err != nil || rec == nil {
		return nil, err
	}
	if res, err := readResult(files.result); err == nil && res != nil && res.Token == rec.Token {
		return nil, nil
	}
	if !isOurWorker(rec.Pid, rec.Token) {
		return nil, nil
	}
	return rec, nil
}

// await polls the result file until it carries w's token, the worker is
// gone without answering, or the deadline passes. The worker is never
// waited for; polling a local file costs little next to the timeout.
func (p *Prober) await(op Op, path string, files stateFiles, w waitFor, deadline time.Time) (*Result, error) {
	delay := 2 * time.Millisecond
	exited := w.exited
	for {
		res, err := readResult(files.result)
		if err != nil {
			return nil, err
		}
		if res != nil && res.Token == w.rec.Token {
			return res, res.Err()
		}
		gone := exited == nil && !isOurWorker(w.rec.Pid, w.rec.Token)
		if exited != nil {
			select {
			case <-exited:
				gone = true
			default:
			}
		}
		if gone {
			// The worker may have answered just before exiting.
			if res, err := readResult(files.result); err == nil && res != nil && res.Token == w.rec.Token {
				return res, res.Err()
			}
			return nil, fmt.Errorf("%s %s: probe worker pid %d exited without an answer", op, path, w.rec.Pid)
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, &TimeoutError{Op: op, Path: path, Pid: w.rec.Pid, Waited: p.cfg.Timeout}
		}
		time.Sleep(min(delay, left))
		delay = min(2*delay, 50*time.Millisecond)
	}
}

// Status is what the state directory knows about one key.
type Status struct {
	Outstanding *Outstanding // nil when no worker is running
	Last        *Result      // nil when no worker has answered yet
}

// Status reports the outstanding worker and the last recorded answer for
// (op, path) without starting anything.
func (p *Prober) Status(op Op, path string) (Status, error) {
	path, err := CleanPath(path)
	if err != nil {
		return Status{}, err
	}
	files := filesFor(p.cfg.StateDir, op, path)
	var st Status
	err = withFlock(files.lock, func() error {
		var err error
		if st.Outstanding, err = p.outstanding(files); err != nil {
			return err
		}
		st.Last, err = readResult(files.result)
		return err
	})
	return st, err
}

// Stuck returns the worker probing (op, path) under stateDir when it is
// past its first caller's deadline without an answer, i.e. the filesystem
// does not answer there; else nil. It starts nothing and never touches
// path, so other processes can ask it before doing something that would
// block on the same filesystem (the recovery daemon before a lock attempt).
// A missing state directory means no probe ever ran: nil.
func Stuck(stateDir string, op Op, path string, now time.Time) (*Outstanding, error) {
	if _, err := os.Stat(stateDir); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	p := &Prober{cfg: Config{StateDir: stateDir}}
	st, err := p.Status(op, path)
	if err != nil || st.Outstanding == nil || now.Before(st.Outstanding.Deadline) {
		return nil, err
	}
	return st.Outstanding, nil
}
