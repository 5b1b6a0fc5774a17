package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/hangfs"
)

// fakeFS stands in for a mount behind the control socket.
type fakeFS struct {
	frozen  bool
	blocked int
}

func (f *fakeFS) Freeze()      { f.frozen = true }
func (f *fakeFS) Thaw()        { f.frozen = false }
func (f *fakeFS) Frozen() bool { return f.frozen }
func (f *fakeFS) Blocked() int { return f.blocked }
func (f *fakeFS) WaitBlocked(n int, timeout time.Duration) error {
	if n > f.blocked {
		return hangfs.ErrClosed
	}
	return nil
}

func TestClientVerbs(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "ctl")
	f := &fakeFS{blocked: 3}
	srv, err := hangfs.ListenControl(sock, f)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	tests := []struct {
		args    []string
		out     string
		errPart string
		frozen  bool
	}{
		{args: []string{"freeze", sock}, frozen: true},
		{args: []string{"status", sock}, out: "frozen=1 blocked=3\n", frozen: true},
		{args: []string{"wait-blocked", "3", sock}, out: "blocked=3\n", frozen: true},
		{args: []string{"wait-blocked", "2", "0.5", sock}, out: "blocked=3\n", frozen: true},
		{args: []string{"wait-blocked", "4", "1s", sock}, errPart: "filesystem is unmounted", frozen: true},
		{args: []string{"wait-blocked", "1", "later", sock}, errPart: `timeout "later"`, frozen: true},
		{args: []string{"wait-blocked", sock}, errPart: "want N [TIMEOUT] SOCK", frozen: true},
		{args: []string{"thaw", sock}},
		{args: []string{"thaw", "extra", sock}, errPart: "takes only the control socket"},
		{args: []string{"status"}, errPart: "missing control socket"},
		{args: []string{"status", sock + ".missing"}, errPart: "cannot connect to hangfs"},
		{args: []string{"melt", sock}, errPart: `unknown verb "melt"`},
		{args: nil, errPart: "usage:"},
		{args: []string{"mount", "--mnt", "/x"}, errPart: "--backing, --mnt and --control are required"},
	}
	for _, tc := range tests {
		var out, errOut bytes.Buffer
		err := run(tc.args, &out, &errOut)
		switch {
		case tc.errPart == "" && err != nil:
			t.Errorf("%q: %v", tc.args, err)
		case tc.errPart != "" && (err == nil || !strings.Contains(err.Error(), tc.errPart)):
			t.Errorf("%q: error %v, want one containing %q", tc.args, err, tc.errPart)
		}
		if out.String() != tc.out {
			t.Errorf("%q: printed %q, want %q", tc.args, out.String(), tc.out)
		}
		if f.frozen != tc.frozen {
			t.Errorf("%q: frozen=%t afterwards, want %t", tc.args, f.frozen, tc.frozen)
		}
	}
}
