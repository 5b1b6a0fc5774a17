package suite

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ctdb-go/ctdb/tests/bench/procfs"
	"github.com/ctdb-go/ctdb/tests/netns"
)

// nsPrefix names the suite's network namespaces, apart from the tests'.
const nsPrefix = "ctdbbench"

// sweepStale removes network namespaces a crashed earlier run of the
// suite left behind (their creator's pid is gone).
func sweepStale(logf func(string, ...any)) {
	if netns.Check() != nil {
		return
	}
	if gone, err := netns.Sweep(nsPrefix); err != nil || len(gone) > 0 {
		logf("removed namespaces of an earlier crashed run: %v %v", gone, err)
	}
}

// onInterrupt cleans up when the suite is interrupted (SIGINT, SIGTERM,
// SIGHUP): it kills, by PID, the processes of its clusters (those with a
// CTDB_BASE under tmp) and everything inside its own network namespaces,
// deletes those namespaces and tmp, and exits 130. The FUSE mount lives
// in the suite's private mount namespace and goes with it. release frees
// what the systems hold (ours: its built binaries).
func onInterrupt(tmp string, logf func(string, ...any), release func()) (stop func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			logf("%v: cleaning up", s)
			for _, p := range procfs.WithEnv("CTDB_BASE=" + tmp + string(os.PathSeparator)) {
				syscall.Kill(p, syscall.SIGKILL)
			}
			ownNamespacesDown(logf)
			os.RemoveAll(tmp)
			release()
			os.Exit(130)
		case <-done:
		}
	}()
	return func() { signal.Stop(sigs); close(done) }
}

// ownNamespacesDown kills what runs in this process's network namespaces
// and deletes them.
func ownNamespacesDown(logf func(string, ...any)) {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return
	}
	mine := fmt.Sprintf("%s-%d-", nsPrefix, os.Getpid())
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], mine) {
			continue
		}
		pids, _ := exec.Command("ip", "netns", "pids", f[0]).Output()
		for _, p := range strings.Fields(string(pids)) {
			var pid int
			if _, err := fmt.Sscan(p, &pid); err == nil && pid > 1 && pid != os.Getpid() {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		if err := exec.Command("ip", "netns", "del", f[0]).Run(); err != nil {
			logf("deleting namespace %s: %v", f[0], err)
		}
	}
}
