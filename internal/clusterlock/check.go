package clusterlock

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// checkers keeps one Locker per argv for CheckHeldElsewhere, so repeated
// checks against a hung filesystem share one outstanding helper instead of
// leaving one blocked process per call.
var checkers struct {
	mu sync.Mutex
	m  map[string]*Locker
}

func checkerFor(argv []string, log *logrus.Entry) *Locker {
	key := strings.Join(argv, "\x00")
	checkers.mu.Lock()
	defer checkers.mu.Unlock()
	if checkers.m == nil {
		checkers.m = make(map[string]*Locker)
	}
	l, ok := checkers.m[key]
	if !ok {
		l = NewLocker(argv, log)
		checkers.m[key] = l
	}
	return l
}

// CheckHeldElsewhere asks a helper whether someone else holds the lock. It
// is true only on contention ('1'). If the helper could take the lock
// ('0'), it is released at once and the answer is false. A timeout, '2' or
// '3' returns an error: not confirmed. A check helper that did not answer
// in time is kept and its answer serves the next check with the same argv.
func CheckHeldElsewhere(argv []string, timeout time.Duration, log *logrus.Entry) (bool, error) {
	l := checkerFor(argv, log)
	res, err := l.TryLock(timeout)
	switch res {
	case ResultContended:
		return true, nil
	case ResultLocked:
		l.Release()
		return false, nil
	case ResultTimeout:
		if pid, since, ok := l.Pending(); ok {
			return false, fmt.Errorf("cluster lock check: no answer within %v (helper pid %d running since %s)",
				timeout, pid, since.Format(time.RFC3339))
		}
		return false, fmt.Errorf("cluster lock check: no answer within %v", timeout)
	}
	if err == nil {
		err = fmt.Errorf("helper answered %s", res)
	}
	return false, fmt.Errorf("cluster lock check: %w", err)
}
