package netns

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Sweep deletes the namespaces that an earlier, crashed run of a test binary
// left behind: those named "<prefix>-<pid>-<rand>-<label>" whose pid no
// longer exists. Namespaces of any other name, and those of a test binary
// that is still running (another package's tests, run concurrently), are
// never touched. Processes still inside a swept namespace are SIGKILLed by
// PID first, since they can only have been started by that crashed run.
// Call it from TestMain before m.Run. It returns the names it deleted.
func Sweep(prefix string) ([]string, error) {
	if !validPrefix.MatchString(prefix) {
		return nil, fmt.Errorf("netns: sweep: bad prefix %q", prefix)
	}
	names, err := listNamespaces()
	if err != nil {
		return nil, err
	}
	var deleted []string
	var errs []error
	for _, name := range names {
		owner, ok := parseName(prefix, name)
		if !ok || processAlive(owner.pid) {
			continue
		}
		killInside(name)
		if _, err := ip("netns", "del", name); err != nil {
			errs = append(errs, err)
			continue
		}
		deleted = append(deleted, name)
	}
	return deleted, errors.Join(errs...)
}

// listNamespaces returns the names `ip netns list` knows about.
func listNamespaces() ([]string, error) {
	out, err := ip("netns", "list")
	if err != nil {
		return nil, err
	}
	var names []string
	for line := range strings.Lines(out) {
		if f := strings.Fields(line); len(f) > 0 {
			names = append(names, f[0])
		}
	}
	return names, nil
}

// processAlive reports whether pid exists. EPERM means it exists but belongs
// to someone else; it counts as alive so that its namespaces are left alone.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// pidsInside returns the processes whose network namespace is ns, except the
// calling process itself (which may have a thread inside through Host.Do).
func pidsInside(ns string) []int {
	out, err := ip("netns", "pids", ns)
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(out) {
		pid, err := strconv.Atoi(f)
		if err == nil && pid > 1 && pid != os.Getpid() {
			pids = append(pids, pid)
		}
	}
	return pids
}

// killInside SIGKILLs, by PID, every process left inside ns. Only processes
// started in our own namespaces can be there.
func killInside(ns string) []int {
	pids := pidsInside(ns)
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	return pids
}
