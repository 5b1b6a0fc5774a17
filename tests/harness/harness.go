package harness

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/tests/harness/poll"
	"github.com/ctdb-go/ctdb/tests/harness/suite"
)

// SkipSuite skips t with the line "SKIP: name: reason" and records it for
// the summary of `make test` (see package suite).
func SkipSuite(t testing.TB, name, reason string) {
	t.Helper()
	suite.Skip(t, name, reason)
}

// Until calls cond every interval until it returns "" and then returns
// nil, or returns an error with cond's last answer once timeout has passed
// (package poll).
func Until(timeout, interval time.Duration, cond func() string) error {
	return poll.Until(timeout, interval, cond)
}

// Eventually is Until every 50 ms that fails t on timeout.
func Eventually(t testing.TB, timeout time.Duration, cond func() string) {
	t.Helper()
	if err := Until(timeout, 50*time.Millisecond, cond); err != nil {
		t.Fatal(err)
	}
}

// FreePort returns a TCP port for a loopback test cluster, whose node i
// listens on 127.0.0.(i+1): a port free now on each of 127.0.0.1 to
// 127.0.0.MaxLoopbackNodes, picked outside the kernel's ephemeral range.
//
// A port that is merely free on 127.0.0.1 is not enough. Every node dials
// its peers from its own address with an ephemeral port (bind before
// connect), so while other clusters run (the test packages run side by
// side) an outgoing connection can hold 127.0.0.2:P for a port P that is
// free on 127.0.0.1, and node 1 of a cluster given P then cannot listen
// ("bind: address already in use") and stays DISCONNECTED. Outside the
// ephemeral range no outgoing connection takes the port between this
// check and the nodes' bind; two test processes picking the same random
// port in that moment is the remaining (1 in ~20,000) chance.
func FreePort() (int, error) {
	lo, hi := portRangeBelowEphemeral()
	for try := 0; try < 200; try++ {
		port := lo + rand.IntN(hi-lo)
		if freeOnLoopbacks(port) {
			return port, nil
		}
	}
	return 0, fmt.Errorf("no port in %d-%d is free on 127.0.0.1 to 127.0.0.%d", lo, hi-1, MaxLoopbackNodes)
}

// MaxLoopbackNodes is the largest loopback cluster FreePort checks for.
const MaxLoopbackNodes = 64

// portRangeBelowEphemeral is [lo, hi): the ports from 10000 (1024 if the
// ephemeral range starts lower) to the start of the kernel's ephemeral
// range (net.ipv4.ip_local_port_range, 32768 when unreadable).
func portRangeBelowEphemeral() (lo, hi int) {
	hi = 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if v, err := strconv.Atoi(f[0]); err == nil && v > 1024 {
				hi = v
			}
		}
	}
	lo = 10000
	if hi-lo < 1000 {
		lo = 1024
	}
	return lo, hi
}

// freeOnLoopbacks: port can be listened on at every loopback node address.
func freeOnLoopbacks(port int) bool {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for i := 1; i <= MaxLoopbackNodes; i++ {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:%d", i, port))
		if err != nil {
			return false
		}
		ls = append(ls, l)
	}
	return true
}

// MustFreePort is FreePort that fails t on error.
func MustFreePort(t testing.TB) int {
	t.Helper()
	p, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// RunTool runs cmd and returns its stdout, stderr and exit code (-1 with
// the reason on stderr when it could not run or died of a signal).
func RunTool(cmd *exec.Cmd) (stdout, stderr string, code int) { return localcluster.RunTool(cmd) }

// CopyFile copies src to dst with mode.
func CopyFile(src, dst string, mode os.FileMode) error { return localcluster.CopyFile(src, dst, mode) }

// Alive reports whether pid runs (a zombie counts as gone).
func Alive(pid int) bool { return localcluster.Alive(pid) }

// PidFromFile returns the PID in a daemon's pid file when that process
// runs, else 0.
func PidFromFile(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if pid <= 0 || !Alive(pid) {
		return 0
	}
	return pid
}

// WaitGone waits up to timeout until none of pids runs and returns those
// still running then.
func WaitGone(pids []int, timeout time.Duration) []int {
	deadline := time.Now().Add(timeout)
	var left []int
	for _, p := range pids {
		if !localcluster.WaitGone(p, time.Until(deadline)) {
			left = append(left, p)
		}
	}
	return left
}

// EnvInt reads a non-negative integer knob from the environment (def when
// unset).
func EnvInt(name string, def int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%q: want a non-negative integer", name, v)
	}
	return n, nil
}

// EnvHold reads a range of seconds, "MIN-MAX" or "N" (def when unset).
func EnvHold(name string, def [2]time.Duration) ([2]time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	lo, hi, found := strings.Cut(v, "-")
	if !found {
		hi = lo
	}
	a, err1 := strconv.ParseFloat(strings.TrimSpace(lo), 64)
	b, err2 := strconv.ParseFloat(strings.TrimSpace(hi), 64)
	if err1 != nil || err2 != nil || a <= 0 || b < a {
		return def, fmt.Errorf("%s=%q: want seconds as MIN-MAX (0 < MIN <= MAX) or N", name, v)
	}
	return [2]time.Duration{time.Duration(a * float64(time.Second)), time.Duration(b * float64(time.Second))}, nil
}

// EnvTunables reads tunables "Name=V,Name=V" (nil when unset).
func EnvTunables(name string) (map[string]uint32, error) {
	v := os.Getenv(name)
	if v == "" {
		return nil, nil
	}
	out := map[string]uint32{}
	for _, kv := range strings.Split(v, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(kv), "=")
		n, err := strconv.ParseUint(val, 10, 32)
		if k == "" || err != nil {
			return nil, fmt.Errorf("%s=%q: %q is not Name=unsigned", name, v, kv)
		}
		out[k] = uint32(n)
	}
	return out, nil
}

// Summary gives count, min, median, mean and max of ds, to the millisecond.
func Summary(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	r := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	return fmt.Sprintf("n=%d min %v median %v mean %v max %v", len(s), r(s[0]), r(s[len(s)/2]),
		r(sum/time.Duration(len(s))), r(s[len(s)-1]))
}

// Seq is 0, 1, ... n-1: the nodes of an n-node cluster.
func Seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// Every calls fn every interval on its own goroutine until stop is called;
// stop returns once fn is no longer running.
func Every(interval time.Duration, fn func()) (stop func()) {
	done, quit := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
				fn()
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(quit) })
		<-done
	}
}

// KeepLogs writes every node's whole log, as logOf gives it, to
// dir/PREFIXnodeI.log, making dir if needed: the logs of a failed or slow
// run, to read after its cluster is gone.
func KeepLogs(dir, prefix string, nodes int, logOf func(int) string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var errs []error
	for i := 0; i < nodes; i++ {
		dst := filepath.Join(dir, fmt.Sprintf("%snode%d.log", prefix, i))
		if err := os.WriteFile(dst, []byte(logOf(i)), 0o644); err != nil {
			errs = append(errs, fmt.Errorf("keeping node %d's log: %w", i, err))
		}
	}
	return errors.Join(errs...)
}
