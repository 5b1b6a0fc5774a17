// Package logtest gives tests a logging.Logger whose lines go to t.Log, so
// they show only for failing tests (or with -v).
package logtest

import (
	"strings"
	"sync"
	"testing"

	"github.com/ctdb-go/ctdb/internal/logging"
	"github.com/sirupsen/logrus"
)

// New returns a DEBUG-level Logger with the given tag writing through
// t.Log. Lines logged after the test's cleanup has started are dropped, so
// goroutines that outlive the test cannot make t.Log panic.
func New(t testing.TB, tag string) *logging.Logger {
	w := &tWriter{t: t}
	t.Cleanup(w.stop)
	l, err := logging.New(logging.Options{Output: w, Tag: tag, Hostname: "test", PID: 1})
	if err != nil {
		t.Fatalf("logtest: %v", err)
	}
	l.SetLevel(logrus.TraceLevel)
	return l
}

type tWriter struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *tWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Helper()
		w.t.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

func (w *tWriter) stop() {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
}
