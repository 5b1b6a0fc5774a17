package logtest

import (
	"strings"
	"testing"
)

// fakeTB records Log calls and cleanups; other testing.TB methods are not
// used by New and would panic on the nil embedded interface.
type fakeTB struct {
	testing.TB
	logs     []string
	cleanups []func()
}

func (f *fakeTB) Helper()               {}
func (f *fakeTB) Log(args ...any)       { f.logs = append(f.logs, args[0].(string)) }
func (f *fakeTB) Cleanup(fn func())     { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Fatalf(string, ...any) { panic("Fatalf") }
func (f *fakeTB) runCleanups() {
	for _, fn := range f.cleanups {
		fn()
	}
}

func TestLinesGoToTLogUntilCleanup(t *testing.T) {
	tb := &fakeTB{}
	l := New(tb, "ctdb-recoverd")
	l.Info("hello")
	l.Trace("debug detail") // CTDB DEBUG: New logs everything
	l.WithTag("ctdb-eventd").Info("01.reclock: a\n01.reclock: b")
	tb.runCleanups()
	l.Info("after the test")

	want := []string{
		" test ctdb-recoverd[1]: hello",
		" test ctdb-recoverd[1]: debug detail",
		" test ctdb-eventd[1]: 01.reclock: a\n",
	}
	if len(tb.logs) != len(want) {
		t.Fatalf("t.Log calls = %q, want %d", tb.logs, len(want))
	}
	for i, w := range want {
		if !strings.Contains(tb.logs[i], w) {
			t.Errorf("t.Log call %d = %q, want it to contain %q", i, tb.logs[i], w)
		}
	}
	if !strings.HasSuffix(tb.logs[2], " test ctdb-eventd[1]: 01.reclock: b") {
		t.Errorf("multi-line entry = %q", tb.logs[2])
	}
}
