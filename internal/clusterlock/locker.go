package clusterlock

import (
	"fmt"
	"io"
	"sync"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
)

// Locker takes and holds one cluster lock through helper processes. It
// keeps at most ONE helper process at any time: a helper stuck on a hung
// filesystem cannot be killed, so a new attempt waits for (or on) the
// existing one instead of starting another. All methods are safe for
// concurrent use and none blocks beyond TryLock's timeout.
type Locker struct {
	argv []string
	log  *logrus.Entry

	mu      sync.Mutex
	cur     *helperProc   // the helper process, until it is reaped
	holder  *helperProc   // cur, while it holds the lock for us
	lost    chan struct{} // closed when holder's lock is lost
	waiters int           // TryLock calls waiting for cur's answer
}

// NewLocker returns a Locker that runs argv (see ParseSpec) as its helper.
func NewLocker(argv []string, log *logrus.Entry) *Locker {
	return &Locker{argv: append([]string(nil), argv...), log: log, lost: make(chan struct{})}
}

// TryLock tries to take the lock, waiting up to timeout for the helper's
// answer. It starts a helper unless one is already outstanding:
//   - a helper from an earlier attempt that has not answered yet is waited
//     on (its answer is this call's answer);
//   - a helper that was released, lost its lock or answered, but has not
//     exited yet, must exit first (a new one would block on the same hung
//     filesystem).
//
// ResultLocked: Held() is true and Lost() is armed; the caller must Ping
// at least every PING_TIMEOUT and Release when done. ResultTimeout (err
// nil): no answer in time (or the helper answered '2'); the helper is
// kept, and if it takes the lock while no TryLock is waiting, the lock is
// released at once. ResultError always comes with an error, and only it
// does. Holding the lock already returns ResultLocked at once.
func (l *Locker) TryLock(timeout time.Duration) (Result, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		l.mu.Lock()
		if l.holder != nil {
			l.mu.Unlock()
			return ResultLocked, nil
		}
		p := l.cur
		if p != nil && (p.terminated || isClosed(p.decided)) {
			l.mu.Unlock()
			select {
			case <-p.exited:
				continue
			case <-timer.C:
				l.log.WithField("helper_pid", p.pid).Warning("Previous cluster lock helper has not exited yet")
				return ResultTimeout, nil
			}
		}
		if p == nil {
			p = l.startLocked()
		}
		l.waiters++
		l.mu.Unlock()
		return l.await(p, timer.C)
	}
}

// await waits for p's answer or the timer.
func (l *Locker) await(p *helperProc, expired <-chan time.Time) (Result, error) {
	select {
	case <-p.decided:
	case <-expired:
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.waiters--
	if !isClosed(p.decided) {
		return ResultTimeout, nil
	}
	if p.outcome == ResultLocked && l.holder != p {
		return ResultError, ErrReleased
	}
	return p.outcome, p.err
}

// startLocked creates the helper record and starts the process in the
// background (exec itself can block if the binary is on a hung filesystem).
func (l *Locker) startLocked() *helperProc {
	p := newHelperProc(l.argv)
	l.cur = p
	l.log.WithField("argv", l.argv).Debug("Starting cluster lock helper")
	go l.run(p)
	return p
}

// run drives one helper process from start to exit.
func (l *Locker) run(p *helperProc) {
	cmd, pipes, err := spawn(p.argv)
	if err != nil {
		l.mu.Lock()
		l.decideLocked(p, ResultError, err)
		close(p.exited)
		if l.cur == p {
			l.cur = nil
		}
		l.mu.Unlock()
		return
	}
	l.mu.Lock()
	p.cmd, p.pid, p.stdin = cmd, cmd.Process.Pid, pipes.stdin
	if p.terminated { // Release came while we were starting
		l.terminateLocked(p)
	}
	l.mu.Unlock()
	log := l.log.WithField("helper_pid", p.pid)
	go logLines(pipes.stderr, func(line string) { log.Error(line) })
	go l.reap(p, log)

	res, token, err := readAnswer(pipes.stdout)
	l.mu.Lock()
	p.token = token
	l.mu.Unlock()
	l.onAnswer(p, res, err, log)
	_, _ = io.Copy(io.Discard, pipes.stdout) // after the answer: wait for EOF
	_ = pipes.stdout.Close()
	l.onGone(p, log, "Cluster lock helper terminated - cluster lock lost")
}

// reap waits for the helper in the background: a helper blocked on a hung
// filesystem exits only after the thaw. Once reaped, its pid is no longer
// ours, so exited is closed before anything else (terminateLocked then
// signals nobody).
func (l *Locker) reap(p *helperProc, log *logrus.Entry) {
	err := p.cmd.Wait()
	l.mu.Lock()
	close(p.exited)
	if l.cur == p {
		l.cur = nil
	}
	l.mu.Unlock()
	log.WithField("status", exitStatus(err)).Debug("Cluster lock helper exited")
	l.onGone(p, log, "Cluster lock helper exited - cluster lock lost")
}

// onAnswer records the helper's answer and wakes the waiting TryLocks.
func (l *Locker) onAnswer(p *helperProc, res Result, err error, log *logrus.Entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case p.released:
		res, err = ResultError, ErrReleased
	case res == ResultLocked && l.waiters == 0:
		log.Warning("Cluster lock helper took the lock after the caller gave up - releasing it")
		p.released = true
		l.terminateLocked(p)
	case res == ResultLocked:
		l.holder = p
		l.lost = make(chan struct{})
	default:
		l.terminateLocked(p) // it should exit by itself; make sure
		if res == ResultError && err == nil {
			err = errHelperFailed
		}
	}
	l.decideLocked(p, res, err)
}

// onGone handles the helper's stdout EOF or exit: if it held the lock for
// us, the lock is lost. Either way the helper (and its process group) is
// told to go.
func (l *Locker) onGone(p *helperProc, log *logrus.Entry, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.holder == p {
		l.holder = nil
		close(l.lost)
		log.Error(msg)
	}
	l.terminateLocked(p)
}

func (l *Locker) decideLocked(p *helperProc, res Result, err error) {
	if !isClosed(p.decided) {
		p.outcome, p.err = res, err
		close(p.decided)
	}
}

// terminateLocked tells p to release: close its stdin and SIGTERM its
// process group. It never waits; reap collects the process whenever it
// exits. Called with l.mu held; idempotent.
func (l *Locker) terminateLocked(p *helperProc) {
	p.terminated = true
	if p.stdin != nil {
		_ = p.stdin.Close()
		p.stdin = nil
	}
	// The pid (= pgid) stays ours until reap's Wait returns, which closes
	// exited right after; signalling only before that avoids hitting a
	// reused pid (the remaining window is a few instructions).
	if p.pid > 0 && !isClosed(p.exited) {
		_ = syscall.Kill(-p.pid, syscall.SIGTERM)
	}
}

// Held reports whether the lock is held (and not known to be lost).
func (l *Locker) Held() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.holder != nil
}

// Token is the fencing token the holding helper sent with its '0' answer
// (see TokenPrefix); ok is false when the lock is not held or the helper
// sent none.
func (l *Locker) Token() (token int64, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.holder == nil || l.holder.token == 0 {
		return 0, false
	}
	return l.holder.token, true
}

// Lost returns a channel closed when the lock taken by the last successful
// TryLock is lost (the helper closed stdout or exited). Release does not
// close it. Take it after TryLock returned ResultLocked.
func (l *Locker) Lost() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost
}

// Ping writes one byte to the holding helper's stdin, without ever
// blocking. ErrNotHeld if the lock is not held.
func (l *Locker) Ping() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.holder
	if p == nil || p.stdin == nil {
		return ErrNotHeld
	}
	if err := writeNonBlocking(p.stdin, []byte{'.'}); err != nil {
		return fmt.Errorf("ping cluster lock helper pid %d: %w", p.pid, err)
	}
	return nil
}

// Release gives up the lock, or an attempt still in progress: it closes
// the helper's stdin and SIGTERMs it, and returns at once. The process is
// reaped in the background; until then it counts as outstanding (see
// TryLock).
func (l *Locker) Release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cur == nil {
		return
	}
	if l.holder == l.cur {
		l.holder = nil
		l.log.WithField("helper_pid", l.cur.pid).Info("Releasing cluster lock")
	}
	l.cur.released = true
	l.terminateLocked(l.cur)
}

// Pending reports a helper process that exists but does not hold the lock
// for us: one that has not answered yet, or one that was released or lost
// its lock and has not exited yet (typically blocked on a hung
// filesystem). pid is 0 while the process is being started.
func (l *Locker) Pending() (pid int, since time.Time, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cur == nil || l.cur == l.holder {
		return 0, time.Time{}, false
	}
	return l.cur.pid, l.cur.started, true
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// exitStatus renders Wait's result for the log.
func exitStatus(err error) string {
	if err == nil {
		return "exit 0"
	}
	return err.Error()
}
