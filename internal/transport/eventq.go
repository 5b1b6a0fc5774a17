package transport

import "sync"

// eventQueue hands events to a consumer in order without ever blocking the
// producer: events are rare (one per connection change) so the queue is
// unbounded, and a slow consumer cannot stall connection handling.
type eventQueue struct {
	mu     sync.Mutex
	q      []Event
	pushed int // events ever pushed
	wake   chan struct{}
	out    chan Event
}

func newEventQueue() *eventQueue {
	return &eventQueue{wake: make(chan struct{}, 1), out: make(chan Event)}
}

func (e *eventQueue) push(ev Event) {
	e.mu.Lock()
	e.q = append(e.q, ev)
	e.pushed++
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

func (e *eventQueue) pop() (Event, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.q) == 0 {
		return Event{}, false
	}
	ev := e.q[0]
	e.q = e.q[1:]
	return ev, true
}

// run delivers queued events until stop is closed, then closes out.
func (e *eventQueue) run(stop <-chan struct{}) {
	defer close(e.out)
	for {
		ev, ok := e.pop()
		if !ok {
			select {
			case <-e.wake:
				continue
			case <-stop:
				return
			}
		}
		select {
		case e.out <- ev:
		case <-stop:
			return
		}
	}
}
