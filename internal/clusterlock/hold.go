package clusterlock

import (
	"fmt"
	"os"
	"time"
)

// holdConfig is everything the holding loop reacts to. Zero durations
// disable that check.
type holdConfig struct {
	PingTimeout     time.Duration
	RecheckInterval time.Duration
	RecheckTimeout  time.Duration
	ParentPoll      time.Duration
	Ppid            int        // the parent at start
	Getppid         func() int // polled every ParentPoll
	Terms           <-chan os.Signal
	Pings           <-chan struct{} // one per ping read from stdin
	StdinEOF        <-chan struct{} // closed when the parent closed stdin or died
	// Recheck starts one re-check of the lock file. Its channel yields the
	// outcome once (nil: still ours) or never, if the check is stuck.
	Recheck func() <-chan error
	File    string // for messages
	// Lost, if not nil, yields the reason when the lock backend says the
	// lock is lost (the etcd helper's lease watch); nil never fires.
	Lost <-chan string
}

// hold keeps the lock until it must be released and says why: "" for an
// ordinary release (SIGTERM or stdin EOF from a live parent), otherwise the
// message for stderr. Re-checks never overlap: the next one is scheduled
// RecheckInterval after the previous one finished, and one that does not
// finish within RecheckTimeout counts as a lost lock (it is not waited for).
func hold(c holdConfig) string {
	ping := newOptionalTimer(c.PingTimeout)
	defer ping.stop()
	recheckDue := newOptionalTimer(c.RecheckInterval)
	defer recheckDue.stop()
	recheckDeadline := newOptionalTimer(0)
	defer recheckDeadline.stop()
	var recheck <-chan error // the running re-check, if any
	var pollC <-chan time.Time
	if c.ParentPoll > 0 {
		poll := time.NewTicker(c.ParentPoll)
		defer poll.Stop()
		pollC = poll.C
	}

	for {
		select {
		case <-c.Terms:
			return c.parentGoneOr("")
		case <-c.StdinEOF:
			return c.parentGoneOr("")
		case <-pollC:
			if msg := c.parentGoneOr(""); msg != "" {
				return msg
			}
		case <-c.Pings:
			ping.reset(c.PingTimeout)
		case <-ping.c():
			return "ping timeout from parent: releasing lock"
		case <-recheckDue.c():
			recheck = c.Recheck()
			recheckDeadline.reset(c.RecheckTimeout)
		case err := <-recheck:
			if err != nil {
				return err.Error()
			}
			recheck = nil
			recheckDeadline.stop()
			recheckDue.reset(c.RecheckInterval)
		case reason := <-c.Lost:
			return reason
		case <-recheckDeadline.c():
			return fmt.Sprintf("lock lost - re-check of %s did not complete in %v", c.File, c.RecheckTimeout)
		}
	}
}

// parentGoneOr reports a changed parent, else msg.
func (c holdConfig) parentGoneOr(msg string) string {
	if now := c.Getppid(); now != c.Ppid {
		return fmt.Sprintf("parent process %d gone (parent is now %d): releasing lock", c.Ppid, now)
	}
	return msg
}

// optionalTimer is a timer that may be off; an off timer's channel is nil,
// so it never fires in a select.
type optionalTimer struct{ t *time.Timer }

func newOptionalTimer(d time.Duration) *optionalTimer {
	o := &optionalTimer{}
	o.reset(d)
	return o
}

// reset (re)arms the timer for d; d <= 0 turns it off.
func (o *optionalTimer) reset(d time.Duration) {
	if d <= 0 {
		o.stop()
		return
	}
	if o.t == nil {
		o.t = time.NewTimer(d)
		return
	}
	o.t.Reset(d) // Go >= 1.23: no stale value survives Reset
}

func (o *optionalTimer) stop() {
	if o.t != nil {
		o.t.Stop()
		o.t = nil
	}
}

func (o *optionalTimer) c() <-chan time.Time {
	if o.t == nil {
		return nil
	}
	return o.t.C
}
