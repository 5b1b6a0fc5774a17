package eventd

import "sync"

// job is one call of Run: it waits for its turn, then runs, unless it is
// stopped (pre-empted monitor, Close, or the caller's context).
type job struct {
	event string
	args  []string
	turn  chan struct{} // closed when the job becomes the running one
	stop  chan struct{} // closed by cancel
	once  sync.Once
	err   error // why it was stopped; read only after stop is closed
}

func newJob(event string, args []string) *job {
	return &job{
		event: event,
		args:  append([]string(nil), args...),
		turn:  make(chan struct{}),
		stop:  make(chan struct{}),
	}
}

func (j *job) isMonitor() bool { return j.event == monitorEvent }

// cancel stops the job; the first reason wins.
func (j *job) cancel(err error) {
	j.once.Do(func() {
		j.err = err
		close(j.stop)
	})
}

func (j *job) stopped() bool {
	select {
	case <-j.stop:
		return true
	default:
		return false
	}
}

// waitTurn blocks until the job may run or is stopped.
func (j *job) waitTurn() error {
	select {
	case <-j.turn:
	case <-j.stop:
	}
	if j.stopped() {
		return j.err
	}
	return nil
}

// enqueue admits j, applying CTDB's monitor rules: any new event cancels a
// running or queued monitor; a new monitor is refused (ErrCancelled) while
// any other event is running or queued.
func (r *Runner) enqueue(j *job) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	r.cancelMonitorsLocked()
	if j.isMonitor() && r.busyLocked() {
		return ErrCancelled
	}
	r.active.Add(1)
	if r.current == nil {
		r.current = j
		close(j.turn)
	} else {
		r.queue = append(r.queue, j)
	}
	return nil
}

func (r *Runner) cancelMonitorsLocked() {
	if r.current != nil && r.current.isMonitor() {
		r.current.cancel(ErrCancelled)
	}
	kept := r.queue[:0]
	for _, q := range r.queue {
		if q.isMonitor() {
			q.cancel(ErrCancelled)
		} else {
			kept = append(kept, q)
		}
	}
	r.queue = kept
}

// busyLocked: a non-monitor event is running or queued. Called after
// cancelMonitorsLocked, so the queue holds only non-monitors.
func (r *Runner) busyLocked() bool {
	return (r.current != nil && !r.current.isMonitor()) || len(r.queue) > 0
}

// finish removes j (running or queued) and starts the next queued job.
func (r *Runner) finish(j *job) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.current == j {
		r.current = nil
		if len(r.queue) > 0 {
			r.current = r.queue[0]
			r.queue = r.queue[1:]
			close(r.current.turn)
		}
	} else {
		r.removeQueuedLocked(j)
	}
	r.active.Done()
}

func (r *Runner) removeQueuedLocked(j *job) {
	for i, q := range r.queue {
		if q == j {
			r.queue = append(r.queue[:i], r.queue[i+1:]...)
			return
		}
	}
}
