package etcdlock

import "time"

// Liveness is the holder's own view of its lease, on the monotonic clock
// (time.Time values from time.Now carry it). A keep-alive that succeeds
// resets the lease at etcd to the full TTL at some moment AFTER it was
// sent, so the lease lives at least until sent + TTL. The holder gives up
// at lastSent + GiveUpAfter, a fraction of the TTL: strictly before any
// lease it has seen renewed can expire, whatever the client library
// believes (its own keep-alive may stay silent forever while etcd is
// unreachable).
type Liveness struct {
	giveUp time.Duration
	last   time.Time // send time of the newest successful keep-alive (or grant)
}

// NewLiveness starts with the grant request sent at granted.
func NewLiveness(giveUp time.Duration, granted time.Time) *Liveness {
	return &Liveness{giveUp: giveUp, last: granted}
}

// OK records a successful keep-alive that was sent at sent. Answers that
// arrive out of order never move the deadline back.
func (l *Liveness) OK(sent time.Time) {
	if sent.After(l.last) {
		l.last = sent
	}
}

// Deadline is when the holder must have let go.
func (l *Liveness) Deadline() time.Time { return l.last.Add(l.giveUp) }

// Lapsed reports whether the holder must give up at now.
func (l *Liveness) Lapsed(now time.Time) bool { return !now.Before(l.Deadline()) }

// Last is the send time of the newest successful keep-alive.
func (l *Liveness) Last() time.Time { return l.last }
