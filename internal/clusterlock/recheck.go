package clusterlock

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// RecheckVerb is the hidden first argument that makes the helper binary run
// as the holding helper's re-check child: FILE DEV INO.
const RecheckVerb = "__recheck"

// Exit codes of the re-check child.
const (
	recheckOK          = 0 // stdin closed: the holding helper is done with it
	recheckWriteFailed = 1 // stdout closed: the holding helper is gone
	recheckUsage       = 2
)

// recheckFine is the child's answer for a lock file that still leads to the
// locked inode; any other answer line is the reason the lock is lost.
const recheckFine = "ok"

// rechecker runs the holding helper's re-checks of the lock file in one
// child process, because open(2) and fstat(2) can block for as long as the
// cluster filesystem hangs. The child is started at the first re-check and
// answers a line on its stdout for each line on its stdin, so a re-check
// every RecheckInterval costs a pipe round trip, not a process start (a Go
// binary's start costs milliseconds of CPU; that was most of what a
// holding helper cost at idle).
//
// Starting the child can hang too: at exec it closes its inherited copy
// of the lock fd (close-on-exec), and a FUSE filesystem answers every
// close with a FLUSH request, which a frozen one never answers. So the
// child is started and fed by a goroutine of its own (run), never by the
// holding loop, and a start that hangs is a re-check that does not
// answer: the lock is lost after RecheckTimeout, as for a stuck check.
//
// The child's stdout is a pipe to the helper only, its stderr /dev/null:
// a stuck child must not hold the parent's pipes open. A re-check that
// does not answer within RecheckTimeout loses the lock and the helper
// exits (see hold); the stuck child is never asked again and never waited
// for, and init reaps it after the thaw. The child exits when its stdin
// closes: the helper closes it before it releases the lock, and the
// kernel when the helper dies. (No parent-death signal: it follows the
// thread that started the child, and a Go thread can exit while the
// helper lives, which would lose the lock for nothing.)
type rechecker struct {
	self, file string
	id         fileID
	requests   chan struct{} // one per re-check, to run
	answers    chan error    // one per re-check; the reader adds a last one at EOF
	done       chan struct{} // closed by close
	started    bool
}

func newRechecker(self, file string, id fileID) *rechecker {
	return &rechecker{self: self, file: file, id: id,
		requests: make(chan struct{}, 1), answers: make(chan error, 2), done: make(chan struct{})}
}

// check starts one re-check. The returned channel yields nil (still ours)
// or the reason the lock is lost; it yields nothing while the child is
// stuck, or its start is. hold calls it from one goroutine and never
// starts a re-check before the previous one answered.
func (rc *rechecker) check() <-chan error {
	if !rc.started {
		rc.started = true
		go rc.run()
	}
	select {
	case rc.requests <- struct{}{}:
	default: // an earlier request is still queued: its answer answers this one
	}
	return rc.answers
}

// close ends the child (it exits at stdin EOF) unless it is stuck.
func (rc *rechecker) close() { close(rc.done) }

// failed is the outcome of a re-check that could not be asked.
func (rc *rechecker) failed(err error) error {
	return fmt.Errorf("lock lost - re-check of %s failed: %v", rc.file, err)
}

// run starts the child and passes it the requests until close.
func (rc *rechecker) run() {
	in, err := rc.start()
	if err == nil {
		defer in.Close()
	}
	for {
		select {
		case <-rc.done:
			return
		case <-rc.requests:
		}
		if err == nil {
			_, err = in.Write([]byte("check\n"))
			if err == nil {
				continue // the reader passes the answer on
			}
		}
		select {
		case rc.answers <- rc.failed(err):
		default: // a failure is already waiting to be read
		}
	}
}

func (rc *rechecker) start() (io.WriteCloser, error) {
	cmd := exec.Command(rc.self, RecheckVerb, rc.file,
		strconv.FormatUint(rc.id.Dev, 10), strconv.FormatUint(rc.id.Ino, 10))
	cmd.Args[0] = os.Args[0]
	cmd.Dir = "/"
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		in.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		in.Close()
		return nil, err
	}
	go rc.read(cmd, out)
	return in, nil
}

// read turns the child's answer lines into re-check outcomes. At EOF
// (the child exited, or was killed) it sends one last failure: a re-check
// asked of a dead child must not wait out RecheckTimeout.
func (rc *rechecker) read(cmd *exec.Cmd, out io.Reader) {
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line == recheckFine {
			rc.answers <- nil
		} else {
			rc.answers <- errors.New(line)
		}
	}
	err := cmd.Wait()
	if err == nil {
		err = errors.New("re-check process exited")
	}
	select {
	case rc.answers <- rc.failed(err):
	default: // a failure is already waiting to be read
	}
}

// selfExe is how the helper re-executes itself: /proc/self/exe, so that an
// upgrade that replaced or removed the binary does not break the re-check;
// without /proc, the resolved argv[0].
func selfExe() string {
	const procExe = "/proc/self/exe"
	if _, err := os.Stat(procExe); err == nil {
		return procExe
	}
	if p, err := exec.LookPath(os.Args[0]); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
	}
	return os.Args[0]
}

// parseRecheckArgs parses the re-check child's FILE DEV INO.
func parseRecheckArgs(args []string) (string, fileID, error) {
	if len(args) != 3 {
		return "", fileID{}, fmt.Errorf("usage: %s %s FILE DEV INO", HelperName, RecheckVerb)
	}
	dev, err1 := strconv.ParseUint(args[1], 10, 64)
	ino, err2 := strconv.ParseUint(args[2], 10, 64)
	if err1 != nil || err2 != nil {
		return "", fileID{}, fmt.Errorf("%s %s: bad DEV %q or INO %q", HelperName, RecheckVerb, args[1], args[2])
	}
	return args[0], fileID{Dev: dev, Ino: ino}, nil
}

// runRecheck is the re-check child: FILE DEV INO. For each line read from
// in, it checks that FILE (opened, never created) still is the locked
// inode and writes recheckFine or the reason it is not. Closing its own fd
// does not touch the helper's lock: POSIX locks belong to the process.
func runRecheck(args []string, in io.Reader, out io.Writer) int {
	file, id, err := parseRecheckArgs(args)
	if err != nil {
		fmt.Fprintln(out, err)
		return recheckUsage
	}
	return recheckLoop(in, out, func() string { return recheckFile(file, id) })
}

// recheckLoop answers one check per line of in until in ends.
func recheckLoop(in io.Reader, out io.Writer, check func() string) int {
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		msg := check()
		if msg == "" {
			msg = recheckFine
		}
		if _, err := fmt.Fprintln(out, msg); err != nil {
			return recheckWriteFailed
		}
	}
	return recheckOK
}

// recheckFile returns "" if file still is the inode want, else why not.
func recheckFile(file string, want fileID) string {
	fd, err := unix.Open(file, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		return fmt.Sprintf("lock lost - lock file %s open failed: %v", file, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Sprintf("lock lost - lock file %s stat failed: %v", file, err)
	}
	if (fileID{Dev: st.Dev, Ino: st.Ino}) != want {
		return fmt.Sprintf("lock lost - lock file %s inode changed", file)
	}
	return ""
}
