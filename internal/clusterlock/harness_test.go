package clusterlock

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/logging/logtest"
	"github.com/ctdb-go/ctdb/tests/harness/poll"
	"github.com/sirupsen/logrus"
)

// testExe is this test binary, which runs as the helper (see TestMain).
func testExe(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// lockDir returns a temp dir whose name marks every process of this test
// (lock file and scripts live there, so it appears in their argv) and
// registers a cleanup that fails the test if any such process is left.
func lockDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Cleanup(func() { checkNoLeftovers(t, dir) })
	return dir
}

// checkNoLeftovers waits briefly for processes whose argv mentions dir, or
// whose process group is one of ours, to go away; leftovers are SIGKILLed
// by PID and fail the test. Blocked re-check children are released first.
func checkNoLeftovers(t *testing.T, dir string) {
	t.Helper()
	_ = os.Remove(filepath.Join(dir, blockedName))
	var left []int
	if poll.True(5*time.Second, 20*time.Millisecond, func() bool { left = processesOf(dir); return len(left) == 0 }) {
		return
	}
	for _, pid := range left {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	t.Errorf("leftover processes for %s: %v", dir, left)
}

// processesOf lists live (non-zombie) processes other than ourselves whose
// argv mentions dir or whose process group is led by such a process.
func processesOf(dir string) []int {
	entries, _ := os.ReadDir("/proc")
	groups := map[int]bool{}
	type proc struct{ pid, pgid int }
	var all []proc
	var found []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		state, pgid, ok := procStat(pid)
		if !ok || state == 'Z' {
			continue
		}
		cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if bytes.Contains(cmdline, []byte(dir)) {
			found = append(found, pid)
			groups[pid] = true
			continue
		}
		all = append(all, proc{pid, pgid})
	}
	for _, p := range all {
		if groups[p.pgid] {
			found = append(found, p.pid)
		}
	}
	return found
}

// procStat returns the state letter and process group of pid.
func procStat(pid int) (state byte, pgid int, ok bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(string(data[i+1:])) // state ppid pgrp ...
	if len(f) < 3 {
		return 0, 0, false
	}
	pgid, _ = strconv.Atoi(f[2])
	return f[0][0], pgid, true
}

// groupAlive reports whether a non-zombie process is in process group pgid.
func groupAlive(pgid int) bool {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if state, pg, ok := procStat(pid); ok && pg == pgid && state != 'Z' {
			return true
		}
	}
	return false
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	state, _, ok := procStat(pid)
	return ok && state != 'Z'
}

// rawHelper is a helper process driven directly by a test: the test holds
// its stdin, reads its stdout and collects its stderr.
type rawHelper struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  *os.File
	stdout *os.File
	stderr *syncBuffer
	exited chan struct{}
}

// startRaw starts the test binary as a helper with args.
func startRaw(t *testing.T, args ...string) *rawHelper {
	t.Helper()
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	h := &rawHelper{t: t, stdin: inW, stdout: outR, stderr: &syncBuffer{}, exited: make(chan struct{})}
	h.cmd = exec.Command(testExe(t), args...)
	h.cmd.Stdin, h.cmd.Stdout, h.cmd.Stderr = inR, outW, h.stderr
	h.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	inR.Close()
	outW.Close()
	go func() {
		_ = h.cmd.Wait()
		close(h.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-h.exited:
		default:
			_ = h.cmd.Process.Kill()
			<-h.exited
		}
		inW.Close()
		outR.Close()
	})
	return h
}

// answer reads the helper's answer byte.
func (h *rawHelper) answer() Result {
	h.t.Helper()
	_ = h.stdout.SetReadDeadline(time.Now().Add(10 * time.Second))
	var b [1]byte
	if _, err := io.ReadFull(h.stdout, b[:]); err != nil {
		h.t.Fatalf("reading helper answer: %v (stderr: %q)", err, h.stderr.String())
	}
	return Result(b[0])
}

// waitEOF waits up to max for EOF on the helper's stdout (lock released)
// and returns how long that took.
func (h *rawHelper) waitEOF(max time.Duration) time.Duration {
	h.t.Helper()
	start := time.Now()
	_ = h.stdout.SetReadDeadline(start.Add(max))
	n, err := io.Copy(io.Discard, h.stdout)
	if err != nil {
		h.t.Fatalf("helper stdout not closed within %v: %v (stderr: %q)", max, err, h.stderr.String())
	}
	if n != 0 {
		h.t.Fatalf("helper wrote %d more bytes after its answer", n)
	}
	return time.Since(start)
}

// stillHolding fails the test if the helper's stdout has reached EOF.
func (h *rawHelper) stillHolding(within time.Duration) {
	h.t.Helper()
	_ = h.stdout.SetReadDeadline(time.Now().Add(within))
	var b [1]byte
	n, err := h.stdout.Read(b[:])
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		h.t.Fatalf("helper released the lock (read %d bytes, %v); stderr: %q", n, err, h.stderr.String())
	}
}

func (h *rawHelper) waitExit(max time.Duration) {
	h.t.Helper()
	select {
	case <-h.exited:
	case <-time.After(max):
		h.t.Fatalf("helper pid %d did not exit within %v", h.cmd.Process.Pid, max)
	}
}

// expectAnswer starts a fresh helper on file and checks its answer; a
// helper that took the lock is released again (stdin EOF).
func expectAnswer(t *testing.T, file string, want Result) {
	t.Helper()
	h := startRaw(t, file, "0", "0", "0")
	if got := h.answer(); got != want {
		t.Fatalf("helper on %s answered %s, want %s (stderr: %q)", file, got, want, h.stderr.String())
	}
	h.stdin.Close()
	h.waitExit(10 * time.Second)
}

// eventuallyAnswer retries expectAnswer's check until the answer is want
// (a released lock becomes free a moment after EOF: the helper then closes
// the fd).
func eventuallyAnswer(t *testing.T, file string, want Result, max time.Duration) {
	t.Helper()
	var got Result
	if poll.True(max, 20*time.Millisecond, func() bool {
		h := startRaw(t, file, "0", "0", "0")
		got = h.answer()
		h.stdin.Close()
		h.waitExit(10 * time.Second)
		return got == want
	}) {
		return
	}
	t.Fatalf("helper on %s kept answering %s, want %s", file, got, want)
}

// syncBuffer is a goroutine-safe bytes.Buffer.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// recorder is a logrus hook that keeps the messages, on top of logtest's
// t.Log output.
type recorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *recorder) Levels() []logrus.Level { return logrus.AllLevels }

func (r *recorder) Fire(e *logrus.Entry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, e.Message)
	return nil
}

// has reports whether a recorded message contains sub.
func (r *recorder) has(sub string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.msgs {
		if strings.Contains(m, sub) {
			return true
		}
	}
	return false
}

// testLog returns a logger entry for a Locker and its message recorder.
func testLog(t *testing.T) (*logrus.Entry, *recorder) {
	l := logtest.New(t, "clusterlock-test")
	r := &recorder{}
	l.AddHook(r)
	return logrus.NewEntry(l.Logger), r
}

// eventually polls cond until it holds or max passes.
func eventually(t *testing.T, max time.Duration, what string, cond func() bool) {
	t.Helper()
	if !poll.True(max, 10*time.Millisecond, cond) {
		t.Fatalf("timed out after %v waiting for %s", max, what)
	}
}

// lockFile returns the path of a lock file in a fresh test dir.
func lockFile(t *testing.T) string {
	return filepath.Join(lockDir(t), "reclock")
}

// newCmd is exec.Command in its own process group.
func newCmd(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}
