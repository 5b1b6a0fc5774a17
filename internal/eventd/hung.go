package eventd

import (
	"sort"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// hungSet tracks scripts that survived SIGKILL. An entry is removed by a
// goroutine that waits for the process to be reaped (pitfall: a process in a
// hung filesystem dies only when the filesystem recovers).
type hungSet struct {
	log *logrus.Entry
	now func() time.Time

	mu sync.Mutex
	m  map[string]HungScript
}

func newHungSet(log *logrus.Entry, now func() time.Time) *hungSet {
	return &hungSet{log: log, now: now, m: make(map[string]HungScript)}
}

// add records p as the hung copy of script name, unless it has already
// exited. It reports whether p was recorded.
func (h *hungSet) add(name, event string, p *proc) bool {
	select {
	case <-p.done:
		return false
	default:
	}
	h.mu.Lock()
	h.m[name] = HungScript{Name: name, Event: event, PID: p.pid, Since: p.start}
	h.mu.Unlock()
	h.log.Warningf("%s: pid %d survived SIGKILL (stuck in the kernel?): not starting %s again until it exits", name, p.pid, name)
	go h.awaitExit(name, p)
	return true
}

// awaitExit clears the record once p is finally reaped.
func (h *hungSet) awaitExit(name string, p *proc) {
	<-p.done
	h.mu.Lock()
	if h.m[name].PID == p.pid {
		delete(h.m, name)
	}
	h.mu.Unlock()
	h.log.Infof("%s: hung script pid %d finally exited after %v", name, p.pid, h.now().Sub(p.start).Round(time.Millisecond))
}

func (h *hungSet) get(name string) (HungScript, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.m[name]
	return s, ok
}

// list returns the hung scripts in name order.
func (h *hungSet) list() []HungScript {
	h.mu.Lock()
	out := make([]HungScript, 0, len(h.m))
	for _, s := range h.m {
		out = append(out, s)
	}
	h.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
