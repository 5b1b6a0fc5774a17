package logging

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// lineRE matches a CTDB line and captures time, host, tag, pid, message.
var lineRE = regexp.MustCompile(`^(\S+) (\S+) ([^\s[]+)\[(\d+)\]: (.*)$`)

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func newFileLogger(t *testing.T, path string) *Logger {
	t.Helper()
	l, err := New(Options{Location: "file:" + path, Tag: "ctdbd", Hostname: "node1", PID: 4242})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func TestFileOutputAppendsCTDBLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.ctdb")
	if err := os.WriteFile(path, []byte("old line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := newFileLogger(t, path)
	before := time.Now()
	l.Info("Recovery has started")
	l.WithTag("ctdb-eventd").Info("01.reclock: hello")
	l.WithField("pnn", 2).Warn("node disconnected")

	lines := readLines(t, path)
	if len(lines) != 4 || lines[0] != "old line" {
		t.Fatalf("file lines = %q, want the old line then 3 new ones", lines)
	}
	want := []struct{ tag, msg string }{
		{"ctdbd", "Recovery has started"},
		{"ctdb-eventd", "01.reclock: hello"},
		{"ctdbd", "node disconnected pnn=2"},
	}
	for i, w := range want {
		m := lineRE.FindStringSubmatch(lines[i+1])
		if m == nil {
			t.Fatalf("line %q is not a CTDB line", lines[i+1])
		}
		ts, err := time.Parse(TimeFormat, m[1])
		if err != nil {
			t.Errorf("time stamp %q: %v", m[1], err)
		} else if d := ts.Sub(before); d < -time.Millisecond || d > time.Minute {
			t.Errorf("time stamp %v is not about now (%v)", ts, before)
		}
		if m[2] != "node1" || m[3] != w.tag || m[4] != "4242" || m[5] != w.msg {
			t.Errorf("line %q: want host node1, tag %s, pid 4242, message %q", lines[i+1], w.tag, w.msg)
		}
	}
}

func TestFileCreatedWithMode0644(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "log.ctdb")
	newFileLogger(t, path)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want 0644", fi.Mode().Perm())
	}
}

// CTDB's default location is in /var/log/ctdb, which a fresh system lacks.
func TestFileLoggerCreatesDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "var", "log", "ctdb", "log.ctdb")
	l := newFileLogger(t, path)
	l.Info("first line")
	if got := readLines(t, path); len(got) != 1 || !strings.HasSuffix(got[0], ": first line") {
		t.Errorf("log file = %q", got)
	}
}

func TestReopenAfterRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "log.ctdb")
	l := newFileLogger(t, path)
	l.Info("before rotation")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	l.Info("still to the old file")
	if err := l.Reopen(); err != nil {
		t.Fatal(err)
	}
	l.Info("after rotation")

	old, cur := readLines(t, path+".1"), readLines(t, path)
	if len(old) != 2 || !strings.HasSuffix(old[1], ": still to the old file") {
		t.Errorf("rotated file = %q", old)
	}
	if len(cur) != 1 || !strings.HasSuffix(cur[0], ": after rotation") {
		t.Errorf("new file = %q", cur)
	}
}

func TestReopenFailureKeepsOldFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "log.ctdb")
	l := newFileLogger(t, path)
	if err := os.Rename(dir, dir+".gone"); err != nil {
		t.Fatal(err)
	}
	if err := l.Reopen(); err == nil {
		t.Fatal("Reopen into a missing directory succeeded")
	}
	l.Info("kept")
	if got := readLines(t, filepath.Join(dir+".gone", "log.ctdb")); len(got) != 1 {
		t.Errorf("old file = %q, want the line logged after the failed reopen", got)
	}
}

func TestCloseDiscardsLaterEntries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.ctdb")
	l := newFileLogger(t, path)
	l.Info("one")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l.Info("two")
	if err := l.Reopen(); err != nil {
		t.Fatal(err)
	}
	l.Info("three")
	if got := readLines(t, path); len(got) != 1 {
		t.Errorf("lines = %q, want only the one before Close", got)
	}
}

func TestLevelFiltering(t *testing.T) {
	var buf bytes.Buffer
	l, err := New(Options{Output: &buf, Tag: "ctdbd", Hostname: "h", PID: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := l.LevelName(); got != "NOTICE" {
		t.Errorf("default level = %s, want NOTICE", got)
	}
	l.Debug("info-level line") // CTDB INFO: below NOTICE
	l.Info("notice-level line")
	if err := l.SetLevelName("debug"); err != nil {
		t.Fatal(err)
	}
	l.Trace("debug-level line")
	if err := l.SetLevelName("LOUD"); err == nil {
		t.Error("SetLevelName(LOUD) succeeded")
	}
	if got := l.LevelName(); got != "DEBUG" {
		t.Errorf("level after a bad SetLevelName = %s, want DEBUG", got)
	}
	out := buf.String()
	if strings.Contains(out, "info-level") || !strings.Contains(out, "notice-level") ||
		!strings.Contains(out, "debug-level") {
		t.Errorf("output:\n%s", out)
	}
}

func TestNewDefaults(t *testing.T) {
	var buf bytes.Buffer
	l, err := New(Options{Output: &buf})
	if err != nil {
		t.Fatal(err)
	}
	l.Info("x")
	m := lineRE.FindStringSubmatch(strings.TrimSuffix(buf.String(), "\n"))
	if m == nil {
		t.Fatalf("not a CTDB line: %q", buf.String())
	}
	if m[4] != fmt.Sprint(os.Getpid()) {
		t.Errorf("pid = %s, want %d", m[4], os.Getpid())
	}
	if m[2] == "" || strings.Contains(m[2], ".") {
		t.Errorf("host = %q, want a short host name", m[2])
	}
	if l.Tag() != filepath.Base(os.Args[0]) {
		t.Errorf("tag = %q, want the executable name %q", l.Tag(), filepath.Base(os.Args[0]))
	}
}

func TestNewErrors(t *testing.T) {
	// The log file's directory cannot be created under a regular file.
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(notDir, "dir", "log.ctdb")
	tests := []struct {
		o    Options
		want string
	}{
		{Options{Location: "syslog:tcp"}, `invalid log location "syslog:tcp"`},
		{Options{Level: "chatty"}, `invalid debug level "chatty"`},
		{Options{Location: "file:" + missing}, missing},
	}
	for _, tt := range tests {
		l, err := New(tt.o)
		if err == nil {
			l.Close()
			t.Errorf("New(%+v) succeeded", tt.o)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) error %q does not contain %q", tt.o, err, tt.want)
		}
	}
}
