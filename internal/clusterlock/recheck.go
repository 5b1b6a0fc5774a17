package clusterlock

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// RecheckVerb is the hidden first argument that makes the helper binary run
// one re-check of the lock file (as a child of the holding helper).
const RecheckVerb = "__recheck"

// Exit codes of the re-check child.
const (
	recheckOK    = 0 // the path still leads to the locked inode
	recheckLost  = 1 // it does not; the reason is on stdout
	recheckUsage = 2
)

// startRecheck runs the re-check in a child process, because open(2) and
// fstat(2) can block for as long as the cluster filesystem hangs. The
// returned channel yields nil (still ours) or the reason the lock is lost;
// it yields nothing while the child is stuck. The child is never waited for
// synchronously; if the helper exits first, init reaps it after the thaw.
//
// self is the helper binary (see selfExe). Only stdout (a pipe to us) is
// connected: a stuck child must not hold the parent's pipes open.
func startRecheck(self, file string, id fileID) <-chan error {
	cmd := exec.Command(self, RecheckVerb, file,
		strconv.FormatUint(id.Dev, 10), strconv.FormatUint(id.Ino, 10))
	cmd.Args[0] = os.Args[0]
	cmd.Dir = "/"
	done := make(chan error, 1)
	go func() {
		out, err := cmd.Output()
		done <- recheckOutcome(file, out, err)
	}()
	return done
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

// recheckOutcome interprets the child's exit and output.
func recheckOutcome(file string, out []byte, err error) error {
	if err == nil {
		return nil
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == recheckLost {
		if msg := bytes.TrimSpace(out); len(msg) > 0 {
			return errors.New(string(msg))
		}
	}
	return fmt.Errorf("lock lost - re-check of %s failed: %v", file, err)
}

// runRecheck is the re-check child: FILE DEV INO. It opens FILE (never
// creating it) and compares the inode with the locked one. Closing its own
// fd does not touch the helper's lock: POSIX locks belong to the process.
func runRecheck(args []string, stdout io.Writer) int {
	if len(args) != 3 {
		fmt.Fprintf(stdout, "usage: %s %s FILE DEV INO\n", HelperName, RecheckVerb)
		return recheckUsage
	}
	dev, err1 := strconv.ParseUint(args[1], 10, 64)
	ino, err2 := strconv.ParseUint(args[2], 10, 64)
	if err1 != nil || err2 != nil {
		fmt.Fprintf(stdout, "%s %s: bad DEV %q or INO %q\n", HelperName, RecheckVerb, args[1], args[2])
		return recheckUsage
	}
	if msg := recheckFile(args[0], fileID{Dev: dev, Ino: ino}); msg != "" {
		fmt.Fprintln(stdout, msg)
		return recheckLost
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
