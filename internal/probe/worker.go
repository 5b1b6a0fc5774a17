package probe

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// workerVerb is the hidden command verb that runs a worker.
const workerVerb = "worker"

// WorkerSpec is what one worker run needs to know.
type WorkerSpec struct {
	StateDir string
	Token    string
	Op       Op
	Path     string
}

// Args is the worker's argv after the program name. The token is a separate
// element so isOurWorker can find it in /proc/PID/cmdline.
func (s WorkerSpec) Args() []string {
	return []string{workerVerb, "-s", s.StateDir, s.Token, string(s.Op), s.Path}
}

// parseWorkerArgs is the inverse of WorkerSpec.Args (without the verb).
func parseWorkerArgs(args []string) (WorkerSpec, error) {
	if len(args) != 5 || args[0] != "-s" {
		return WorkerSpec{}, fmt.Errorf("usage: %s -s STATE_DIR TOKEN OP PATH", workerVerb)
	}
	op, err := ParseOp(args[3])
	if err != nil {
		return WorkerSpec{}, err
	}
	return WorkerSpec{StateDir: args[1], Token: args[2], Op: op, Path: args[4]}, nil
}

// RunWorker is the worker process: it performs the operation (which may block
// for as long as the filesystem hangs), records the result atomically in the
// state directory and returns the process exit code.
func RunWorker(args []string, stderr io.Writer) int {
	spec, err := parseWorkerArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "ctdb_probe: %v\n", err)
		return ExitLocal
	}
	res := Result{Token: spec.Token, Op: spec.Op, Path: spec.Path, Pid: os.Getpid(), Started: time.Now()}
	switch spec.Op {
	case OpStat:
		res.Stat, err = doStat(spec.Path)
	case OpStatfs:
		res.Statfs, err = doStatfs(spec.Path)
	}
	res.Finished = time.Now()
	if err != nil {
		res.ErrText = err.Error()
		var errno syscall.Errno
		if errors.As(err, &errno) {
			res.Errno = errno
		}
	}
	if err := writeJSON(filesFor(spec.StateDir, spec.Op, spec.Path).result, &res); err != nil {
		fmt.Fprintf(stderr, "ctdb_probe: worker: record result: %v\n", err)
		return ExitLocal
	}
	return ExitOK
}

func doStat(path string) (*StatInfo, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return nil, err
	}
	return &StatInfo{
		Type:  fileType(st.Mode),
		Size:  st.Size,
		Inode: st.Ino,
		Mtime: time.Unix(st.Mtim.Unix()).UTC(),
	}, nil
}

func doStatfs(path string) (*StatfsInfo, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return nil, err
	}
	return &StatfsInfo{
		Type: int64(st.Type), Bsize: int64(st.Bsize), Frsize: int64(st.Frsize),
		Blocks: st.Blocks, Bfree: st.Bfree, Bavail: st.Bavail,
		Files: st.Files, Ffree: st.Ffree,
	}, nil
}

func fileType(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return "regular"
	case unix.S_IFDIR:
		return "directory"
	case unix.S_IFLNK:
		return "symlink"
	case unix.S_IFIFO:
		return "fifo"
	case unix.S_IFSOCK:
		return "socket"
	case unix.S_IFCHR:
		return "char-device"
	case unix.S_IFBLK:
		return "block-device"
	}
	return "unknown"
}
