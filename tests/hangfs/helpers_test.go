package hangfs_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/tests/hangfs"
	"github.com/ctdb-go/ctdb/tests/harness/poll"
	"github.com/ctdb-go/ctdb/tests/harness/suite"
	"golang.org/x/sys/unix"
)

// The test binary doubles as the child processes that touch the mount: the
// test process itself must never touch a frozen mount (its thread would be
// stuck until thaw), and lock tests need distinct processes (lock owners).
const (
	helperEnv     = "HANGFS_TEST_HELPER" // "stat" or "fd"
	helperPathEnv = "HANGFS_TEST_PATH"
)

// runHelperIfAsked runs the helper named by helperEnv and exits; it returns
// only in the normal test process.
func runHelperIfAsked() {
	path := os.Getenv(helperPathEnv)
	switch os.Getenv(helperEnv) {
	case "":
		return
	case "stat":
		os.Exit(statHelper(path))
	case "fd":
		fdHelper(path, os.Stdin, os.Stdout)
		os.Exit(0)
	default:
		fmt.Fprintf(os.Stderr, "unknown %s=%q\n", helperEnv, os.Getenv(helperEnv))
		os.Exit(2)
	}
}

// statHelper stats path once and prints "ok size=N" or the error.
func statHelper(path string) int {
	st, err := os.Stat(path)
	if err != nil {
		fmt.Println("err", err)
		return 1
	}
	fmt.Printf("ok size=%d\n", st.Size())
	return 0
}

// fdHelper holds fds on path and runs one command per stdin line, answering
// each with one line, until EOF:
//
//	open            -> ok fd=I         (I indexes the helper's open fds)
//	close I         -> ok
//	read I          -> ok n=N          (pread of 1 byte at offset 0)
//	setlk I         -> ok | err EAGAIN (F_SETLK F_WRLCK on byte 0)
//	setlkw I        -> ok | err ...    (F_SETLKW, same range)
//	unlock I        -> ok              (F_SETLK F_UNLCK on byte 0)
//	getlk I         -> ok unlck | ok wrlck pid=P | ok rdlck pid=P
//	flock I         -> ok | err EWOULDBLOCK (BSD flock LOCK_EX|LOCK_NB)
func fdHelper(path string, in io.Reader, out io.Writer) {
	var fds []int
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		fmt.Fprintln(out, fdCommand(path, &fds, strings.Fields(sc.Text())))
	}
}

func fdCommand(path string, fds *[]int, f []string) string {
	if len(f) == 1 && f[0] == "open" {
		fd, err := unix.Open(path, unix.O_RDWR, 0)
		if err != nil {
			return "err " + errName(err)
		}
		*fds = append(*fds, fd)
		return fmt.Sprintf("ok fd=%d", len(*fds)-1)
	}
	var i int
	if len(f) != 2 {
		return "err usage"
	}
	if _, err := fmt.Sscan(f[1], &i); err != nil || i < 0 || i >= len(*fds) {
		return "err bad fd index"
	}
	fd := (*fds)[i]
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 1}
	var err error
	switch f[0] {
	case "close":
		err = unix.Close(fd)
	case "read":
		buf := make([]byte, 1)
		n, rerr := unix.Pread(fd, buf, 0)
		if rerr == nil {
			return fmt.Sprintf("ok n=%d", n)
		}
		err = rerr
	case "setlk":
		err = unix.FcntlFlock(uintptr(fd), unix.F_SETLK, &lk)
	case "setlkw":
		err = unix.FcntlFlock(uintptr(fd), unix.F_SETLKW, &lk)
	case "unlock":
		lk.Type = unix.F_UNLCK
		err = unix.FcntlFlock(uintptr(fd), unix.F_SETLK, &lk)
	case "flock":
		err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
	case "getlk":
		if err = unix.FcntlFlock(uintptr(fd), unix.F_GETLK, &lk); err == nil {
			return describeLock(lk)
		}
	default:
		return "err unknown command " + f[0]
	}
	if err != nil {
		return "err " + errName(err)
	}
	return "ok"
}

func describeLock(lk unix.Flock_t) string {
	switch lk.Type {
	case unix.F_UNLCK:
		return "ok unlck"
	case unix.F_WRLCK:
		return fmt.Sprintf("ok wrlck pid=%d", lk.Pid)
	}
	return fmt.Sprintf("ok rdlck pid=%d", lk.Pid)
}

func errName(err error) string {
	if errno, ok := err.(unix.Errno); ok {
		if name := unix.ErrnoName(errno); name != "" {
			return name
		}
	}
	return err.Error()
}

// mounted is one hangfs over fresh temp dirs, torn down by t.Cleanup.
type mounted struct {
	fs      *hangfs.FS
	backing string
	mnt     string
}

// mount skips the test where hangfs cannot run, writes file "file" with
// "hello" into a new backing dir and mounts it.
func mount(t *testing.T, o hangfs.Options) *mounted {
	t.Helper()
	if ok, why := hangfs.Available(); !ok {
		suite.Skip(t, suite.FUSE, why)
	}
	m := &mounted{backing: t.TempDir(), mnt: t.TempDir()}
	if err := os.WriteFile(filepath.Join(m.backing, "file"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	o.Backing, o.Mountpoint = m.backing, m.mnt
	f, err := hangfs.Mount(o)
	if err != nil {
		t.Fatalf("Mount: %v", err)
	}
	m.fs = f
	t.Cleanup(func() {
		f.Thaw()
		if err := f.Unmount(); err != nil {
			t.Errorf("Unmount: %v", err)
		}
		if isMounted(t, m.mnt) {
			t.Errorf("%s still in /proc/self/mounts after Unmount", m.mnt)
		}
	})
	return m
}

func (m *mounted) file() string { return filepath.Join(m.mnt, "file") }

// isMounted reads the mount table; that never touches the mount itself.
func isMounted(t *testing.T, mnt string) bool {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[1] == mnt {
			return true
		}
	}
	return false
}

// child is a helper process. Its cleanup thaws the mount first: a child
// blocked in the frozen mount cannot be killed or reaped before thaw.
type child struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string   // stdout lines
	done  chan struct{} // closed once reaped
	err   error         // Wait result, valid after done
}

const (
	eventually = 10 * time.Second       // deadline for things that must happen
	stillWait  = 300 * time.Millisecond // window in which a blocked call must stay blocked
)

func startChild(t *testing.T, m *mounted, mode string) *child {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, helperPathEnv+"="+m.file())
	cmd.Dir = "/"
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{t: t, cmd: cmd, stdin: stdin, lines: make(chan string, 16), done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		c.err = cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		m.fs.Thaw()
		stdin.Close()
		cmd.Process.Kill()
		select {
		case <-c.done:
		case <-time.After(eventually):
			t.Errorf("helper pid %d not reaped %v after thaw and SIGKILL", cmd.Process.Pid, eventually)
		}
	})
	return c
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// send writes one command line without waiting for the answer.
func (c *child) send(cmd string) {
	c.t.Helper()
	if _, err := fmt.Fprintln(c.stdin, cmd); err != nil {
		c.t.Fatalf("helper %d: send %q: %v", c.pid(), cmd, err)
	}
}

// reply waits for the next output line.
func (c *child) reply() string {
	c.t.Helper()
	select {
	case l := <-c.lines:
		return l
	case <-time.After(eventually):
		c.t.Fatalf("helper %d: no reply within %v", c.pid(), eventually)
	}
	return ""
}

// do sends a command and returns its answer.
func (c *child) do(cmd string) string {
	c.t.Helper()
	c.send(cmd)
	return c.reply()
}

// expect runs cmd and fails the test unless the answer is want.
func (c *child) expect(cmd, want string) {
	c.t.Helper()
	if got := c.do(cmd); got != want {
		c.t.Fatalf("helper %d: %q answered %q, want %q", c.pid(), cmd, got, want)
	}
}

// assertStuck checks that no answer comes within stillWait and the process
// is alive and sleeping in the kernel.
func (c *child) assertStuck(what string) {
	c.t.Helper()
	select {
	case l := <-c.lines:
		c.t.Fatalf("helper %d: %s returned %q, want it blocked", c.pid(), what, l)
	case <-c.done:
		c.t.Fatalf("helper %d: exited during %s (%v), want it blocked", c.pid(), what, c.err)
	case <-time.After(stillWait):
	}
	if st := procState(c.t, c.pid()); st != "S" && st != "D" {
		c.t.Fatalf("helper %d: state %q during %s, want S or D", c.pid(), st, what)
	}
}

// waitExit waits until the helper is reaped.
func (c *child) waitExit() error {
	c.t.Helper()
	select {
	case <-c.done:
		return c.err
	case <-time.After(eventually):
		c.t.Fatalf("helper %d did not exit within %v", c.pid(), eventually)
	}
	return nil
}

// procState is the state letter from /proc/PID/stat.
func procState(t *testing.T, pid int) string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatalf("read state of %d: %v", pid, err)
	}
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) == 0 {
		t.Fatalf("malformed /proc/%d/stat: %q", pid, s)
	}
	return f[0]
}

// waitWchan polls until pid sleeps in the kernel function fn.
func waitWchan(t *testing.T, pid int, fn string) {
	t.Helper()
	var data []byte
	if !poll.True(eventually, 5*time.Millisecond, func() bool {
		data, _ = os.ReadFile(fmt.Sprintf("/proc/%d/wchan", pid))
		return string(data) == fn
	}) {
		t.Fatalf("pid %d: wchan %q after %v, want %q", pid, data, eventually, fn)
	}
}
