package clusterlock

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// helperProc is one helper process as the parent sees it. The fields below
// the channels are guarded by the owning Locker's mu.
type helperProc struct {
	argv    []string
	started time.Time

	decided chan struct{} // closed once the Locker has handled the answer
	exited  chan struct{} // closed once the process is reaped (or failed to start)

	cmd        *exec.Cmd // nil until started
	pid        int       // 0 until started
	stdin      *os.File  // write end of the helper's stdin; nil once closed
	released   bool      // Release was called (or its late lock was unwanted): its answer is void
	terminated bool      // told to go (stdin closed, SIGTERM); it may still be exiting
	outcome    Result    // valid once decided is closed
	token      int64     // fencing token sent with '0', or 0
	err        error     // with outcome
}

func newHelperProc(argv []string) *helperProc {
	return &helperProc{
		argv:    argv,
		started: time.Now(),
		decided: make(chan struct{}),
		exited:  make(chan struct{}),
	}
}

// helperPipes are the parent's ends of a started helper's stdio.
type helperPipes struct {
	stdin  *os.File // write end, kept open: closing it tells the helper to release
	stdout *os.File
	stderr *os.File
}

// spawn starts argv in its own process group, in "/", with pipes on stdin,
// stdout and stderr. The child's pipe ends are real files, so exec.Cmd
// starts no copying goroutines and Wait never waits for pipe EOF.
func spawn(argv []string) (*exec.Cmd, helperPipes, error) {
	if len(argv) == 0 || argv[0] == "" {
		return nil, helperPipes{}, errors.New("cluster lock helper: empty command")
	}
	var ends [6]*os.File // stdin r,w; stdout r,w; stderr r,w
	for i := 0; i < 6; i += 2 {
		r, w, err := os.Pipe()
		if err != nil {
			closeAll(ends[:i])
			return nil, helperPipes{}, fmt.Errorf("cluster lock helper: pipe: %w", err)
		}
		ends[i], ends[i+1] = r, w
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = ends[0], ends[3], ends[5]
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err := startPinned(cmd)
	closeAll([]*os.File{ends[0], ends[3], ends[5]})
	if err != nil {
		closeAll([]*os.File{ends[1], ends[2], ends[4]})
		return nil, helperPipes{}, fmt.Errorf("cluster lock helper %s: %w", argv[0], err)
	}
	return cmd, helperPipes{stdin: ends[1], stdout: ends[2], stderr: ends[4]}, nil
}

func closeAll(files []*os.File) {
	for _, f := range files {
		if f != nil {
			_ = f.Close()
		}
	}
}

// readAnswer reads the helper's first byte, and the fencing-token line if
// one came in the same write (see TokenPrefix); token is 0 without one.
func readAnswer(r io.Reader) (res Result, token int64, err error) {
	var b [128]byte
	n, err := r.Read(b[:])
	for n == 0 && err == nil { // a zero-byte read without error: try again
		n, err = r.Read(b[:])
	}
	if n == 0 {
		if errors.Is(err, io.EOF) {
			return ResultError, 0, ErrNoAnswer
		}
		return ResultError, 0, fmt.Errorf("cluster lock helper: read answer: %w", err)
	}
	res, perr := parseResult(b[0])
	if perr != nil {
		return res, 0, perr
	}
	if res == ResultLocked {
		token, _ = ParseToken(b[1:n])
	}
	return res, token, nil
}

// logLines passes each line of r to logf until EOF.
func logLines(r io.ReadCloser, logf func(string)) {
	defer r.Close()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if line := sc.Text(); line != "" {
			logf(line)
		}
	}
}

// writeNonBlocking writes b to the pipe f without ever waiting: a full pipe
// yields EAGAIN instead.
func writeNonBlocking(f *os.File, b []byte) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var werr error
	err = rc.Write(func(fd uintptr) bool {
		_, werr = unix.Write(int(fd), b)
		return true // done, whatever happened: never wait for writability
	})
	if err != nil {
		return err
	}
	return werr
}
