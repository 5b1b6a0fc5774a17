package hangfs

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// PrivateNSEnv marks a process that ReexecInPrivateMountNS already moved into
// a private mount namespace.
const PrivateNSEnv = "HANGFS_PRIVATE_NS"

// reexecProblem says why ReexecInPrivateMountNS could not re-exec; Available
// reports it.
var reexecProblem string

// ReexecInPrivateMountNS makes the test binary run in its own mount namespace
// with private propagation (like `unshare -m --propagation private`), so its
// FUSE mounts never leak into namespaces created by other processes (see
// pitfall 9 of hung-filesystem.md). Call it first thing in TestMain:
//
//	func TestMain(m *testing.M) {
//		hangfs.ReexecInPrivateMountNS(m)
//		os.Exit(m.Run())
//	}
//
// In the original process it re-runs the binary with the same arguments in
// the new namespace and exits with the child's status; m is not run there.
// In the child (PrivateNSEnv=1) it returns at once. When /dev/fuse is missing
// or the namespace cannot be created (not root), it returns normally and
// Available then tells the tests why to skip.
func ReexecInPrivateMountNS(m *testing.M) {
	_ = m // taken so the call site reads as TestMain plumbing; never run here
	if os.Getenv(PrivateNSEnv) == "1" {
		return
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		reexecProblem = fmt.Sprintf("/dev/fuse is not available (%v)", err)
		return
	}
	code, err := runInPrivateMountNS()
	if err != nil {
		reexecProblem = fmt.Sprintf("cannot re-exec the test binary in a private mount namespace: %v", err)
		return
	}
	os.Exit(code)
}

// runInPrivateMountNS runs this binary again in a new mount namespace and
// returns its exit code. Go's exec remounts / as MS_REC|MS_PRIVATE after
// unshare(CLONE_NEWNS), exactly what `unshare --propagation private` does.
func runInPrivateMountNS() (int, error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), PrivateNSEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Unshareflags: syscall.CLONE_NEWNS,
		// If we die, the child (and with it its namespace and mounts) goes
		// too. Pdeathsig follows the starting thread, hence LockOSThread.
		Pdeathsig: syscall.SIGKILL,
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	go func() {
		for s := range sigs {
			cmd.Process.Signal(s)
		}
	}()
	err = cmd.Wait()
	signal.Stop(sigs)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return exit.ExitCode(), nil
	default:
		return 1, nil // started but could not be waited for: fail loudly
	}
}

// requestTimeoutSysctls make the kernel abort a whole FUSE connection whose
// request waits too long (kernel 6.14+); a freeze would then turn into
// ECONNABORTED/ENOTCONN after ~15 s.
var requestTimeoutSysctls = []string{
	"/proc/sys/fs/fuse/default_request_timeout",
	"/proc/sys/fs/fuse/max_request_timeout",
}

// Available reports whether hangfs can be mounted here and behave as
// documented, and if not, why. It needs /dev/fuse (openable), fusermount3 or
// root, FUSE request timeouts of 0 (a missing sysctl is fine) and, in tests,
// a private mount namespace from ReexecInPrivateMountNS.
func Available() (ok bool, why string) {
	if os.Getenv(PrivateNSEnv) != "1" {
		if reexecProblem != "" {
			return false, "hangfs: " + reexecProblem
		}
		return false, "hangfs: not in a private mount namespace; call hangfs.ReexecInPrivateMountNS(m) from TestMain"
	}
	f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		return false, fmt.Sprintf("hangfs: cannot open /dev/fuse: %v", err)
	}
	f.Close()
	if _, ok := fusermountPath(); !ok && os.Geteuid() != 0 {
		return false, "hangfs: neither fusermount3 nor fusermount is in PATH, and not running as root"
	}
	for _, p := range requestTimeoutSysctls {
		data, err := os.ReadFile(p)
		if err != nil {
			continue // older kernel without the knob: never times out
		}
		if v := strings.TrimSpace(string(data)); v != "0" {
			name := strings.ReplaceAll(strings.TrimPrefix(p, "/proc/sys/"), "/", ".")
			return false, fmt.Sprintf("hangfs: sysctl %s=%s; the kernel would abort frozen mounts, set it to 0", name, v)
		}
	}
	return true, ""
}
