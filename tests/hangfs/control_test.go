package hangfs

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeControlled records calls; WaitBlocked succeeds when n <= blocked.
type fakeControlled struct {
	frozen   bool
	blocked  int
	lastWait time.Duration
}

func (f *fakeControlled) Freeze()      { f.frozen = true }
func (f *fakeControlled) Thaw()        { f.frozen = false }
func (f *fakeControlled) Frozen() bool { return f.frozen }
func (f *fakeControlled) Blocked() int { return f.blocked }
func (f *fakeControlled) WaitBlocked(n int, timeout time.Duration) error {
	f.lastWait = timeout
	if n > f.blocked {
		return ErrClosed
	}
	return nil
}

func TestHandleControl(t *testing.T) {
	tests := []struct {
		line     string
		blocked  int
		want     string
		frozen   bool
		waitedOn time.Duration
	}{
		{line: "freeze", want: "ok", frozen: true},
		{line: "thaw", want: "ok"},
		{line: "status", blocked: 3, want: "ok frozen=0 blocked=3"},
		{line: "  status  ", want: "ok frozen=0 blocked=0"},
		{line: "wait-blocked 2", blocked: 2, want: "ok blocked=2", waitedOn: DefaultWaitBlockedTimeout},
		{line: "wait-blocked 1 1.5", blocked: 1, want: "ok blocked=1", waitedOn: 1500 * time.Millisecond},
		{line: "wait-blocked 1 200ms", blocked: 1, want: "ok blocked=1", waitedOn: 200 * time.Millisecond},
		{line: "wait-blocked 4 1s", blocked: 1, want: "error filesystem is unmounted", waitedOn: time.Second},
		{line: "wait-blocked x", want: `error wait-blocked: count "x" is not a number >= 0`},
		{line: "wait-blocked -1", want: `error wait-blocked: count "-1" is not a number >= 0`},
		{line: "wait-blocked 1 soon", want: `error wait-blocked: timeout "soon" is neither a duration (1.5s) nor seconds`},
		{line: "wait-blocked 1 -2s", want: `error wait-blocked: timeout "-2s" is negative`},
		{line: "wait-blocked", want: "error usage: wait-blocked N [TIMEOUT]"},
		{line: "freeze now", want: "error freeze takes no arguments"},
		{line: "", want: "error empty request"},
		{line: "melt", want: `error unknown command "melt" (want freeze, thaw, status or wait-blocked)`},
	}
	for _, tc := range tests {
		f := &fakeControlled{blocked: tc.blocked}
		if got := HandleControl(f, tc.line); got != tc.want {
			t.Errorf("%q: reply %q, want %q", tc.line, got, tc.want)
		}
		if f.frozen != tc.frozen || f.lastWait != tc.waitedOn {
			t.Errorf("%q: frozen=%t waited %v, want frozen=%t waited %v", tc.line, f.frozen, f.lastWait, tc.frozen, tc.waitedOn)
		}
	}
}

func TestControlRoundTrip(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "ctl")
	f := &fakeControlled{blocked: 2}
	srv, err := ListenControl(sock, f)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := ControlRequest(sock, "status", testWait); err != nil || out != "frozen=0 blocked=2" {
		t.Fatalf("status: %q, %v", out, err)
	}
	_, err = ControlRequest(sock, "melt", testWait)
	if err == nil || !strings.Contains(err.Error(), `unknown command "melt"`) || !strings.Contains(err.Error(), sock) {
		t.Fatalf("bad verb: %v, want an error naming the socket and the verb", err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ControlRequest(sock, "status", testWait); err == nil || !strings.Contains(err.Error(), "cannot connect") {
		t.Fatalf("after Close: %v, want cannot connect", err)
	}
	// A socket file left behind by a dead server is replaced.
	stale, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()
	srv2, err := ListenControl(sock, f)
	if err != nil {
		t.Fatalf("ListenControl over a stale socket: %v", err)
	}
	srv2.Close()
}
