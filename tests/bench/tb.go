package main

import (
	"fmt"
	"sync"
	"testing"
)

// tb lets the suite use tests/netns, which takes a testing.TB, outside a
// test. Fatal and Skip panic with a tbAbort that withTB turns back into an
// error; Cleanup functions run, last first, when withTB returns. The
// embedded testing.TB is nil: netns calls only the methods defined here.
type tb struct {
	testing.TB
	name string
	logf func(format string, args ...any)

	mu       sync.Mutex
	cleanups []func()
	failed   bool
	errs     []string
}

type tbAbort struct {
	msg  string
	skip bool
}

func (t *tb) Helper()      {}
func (t *tb) Name() string { return t.name }
func (t *tb) Cleanup(f func()) {
	t.mu.Lock()
	t.cleanups = append(t.cleanups, f)
	t.mu.Unlock()
}
func (t *tb) Log(args ...any)                 { t.logf("%s", fmt.Sprint(args...)) }
func (t *tb) Logf(format string, args ...any) { t.logf(format, args...) }
func (t *tb) Error(args ...any)               { t.fail(fmt.Sprint(args...)) }
func (t *tb) Errorf(format string, args ...any) {
	t.fail(fmt.Sprintf(format, args...))
}
func (t *tb) Fatal(args ...any) {
	t.fail(fmt.Sprint(args...))
	panic(tbAbort{msg: fmt.Sprint(args...)})
}
func (t *tb) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	t.fail(msg)
	panic(tbAbort{msg: msg})
}
func (t *tb) FailNow()         { panic(tbAbort{msg: "FailNow"}) }
func (t *tb) Skip(args ...any) { panic(tbAbort{msg: fmt.Sprint(args...), skip: true}) }
func (t *tb) Skipf(format string, args ...any) {
	panic(tbAbort{msg: fmt.Sprintf(format, args...), skip: true})
}
func (t *tb) SkipNow() { panic(tbAbort{msg: "skipped", skip: true}) }
func (t *tb) Failed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.failed
}

func (t *tb) fail(msg string) {
	t.mu.Lock()
	t.failed = true
	t.errs = append(t.errs, msg)
	t.mu.Unlock()
	t.logf("%s", msg)
}

// runCleanups runs the registered functions, last first, each guarded.
func (t *tb) runCleanups() {
	for {
		t.mu.Lock()
		n := len(t.cleanups)
		if n == 0 {
			t.mu.Unlock()
			return
		}
		f := t.cleanups[n-1]
		t.cleanups = t.cleanups[:n-1]
		t.mu.Unlock()
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.logf("cleanup panicked: %v", p)
				}
			}()
			f()
		}()
	}
}

// withTB runs fn with a fresh tb and its cleanups. A Fatal becomes an
// error, a Skip an errNotAvailable.
func withTB(name string, logf func(string, ...any), fn func(t *tb) error) (err error) {
	t := &tb{name: name, logf: logf}
	defer t.runCleanups()
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		if a, ok := p.(tbAbort); ok {
			if a.skip {
				err = errNotAvailable{a.msg}
			} else {
				err = fmt.Errorf("%s", a.msg)
			}
			return
		}
		panic(p)
	}()
	return fn(t)
}
