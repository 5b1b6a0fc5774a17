package netns

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Environment of the re-exec'd listener helper (see runListener).
const (
	helperEnv   = "NETNS_TEST_HELPER"
	listenEnv   = "NETNS_TEST_LISTEN"
	greetEnv    = "NETNS_TEST_GREETING"
	markFileEnv = "NETNS_TEST_MARKFILE"
	testPort    = 7999
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "listen" {
		os.Exit(runListener())
	}
	if Check() == nil {
		if gone, err := Sweep(DefaultPrefix); err != nil {
			fmt.Fprintf(os.Stderr, "netns sweep: %v\n", err)
		} else if len(gone) > 0 {
			fmt.Fprintf(os.Stderr, "netns sweep: removed leftovers %v\n", gone)
		}
	}
	os.Exit(m.Run())
}

// runListener is the body of the helper process: it writes the mark file
// (to show it sees the test's files), listens, says "ready", then greets
// every connection with its greeting and closes it.
func runListener() int {
	if err := os.WriteFile(os.Getenv(markFileEnv), []byte("here\n"), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ln, err := net.Listen("tcp", os.Getenv(listenEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("ready")
	for {
		c, err := ln.Accept()
		if err != nil {
			return 1
		}
		fmt.Fprintln(c, os.Getenv(greetEnv))
		c.Close()
	}
}

// startListener runs the helper inside h and waits until it listens on
// 0.0.0.0:testPort. It checks the helper wrote a file under the test's temp
// dir, i.e. it shares the test's filesystem.
func startListener(t *testing.T, h *Host) *Proc {
	t.Helper()
	mark := filepath.Join(t.TempDir(), "mark")
	cmd := h.Command(os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"=listen",
		fmt.Sprintf("%s=0.0.0.0:%d", listenEnv, testPort),
		greetEnv+"=hello from "+h.Label, markFileEnv+"="+mark)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := h.Start(t, cmd)
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- line
		io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-ready:
		if strings.TrimSpace(line) != "ready" {
			t.Fatalf("listener on %s: got %q, want ready", h.Label, line)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("listener on %s did not become ready", h.Label)
	}
	if b, err := os.ReadFile(mark); err != nil || string(b) != "here\n" {
		t.Fatalf("listener on %s does not share the test's files: %q, %v", h.Label, b, err)
	}
	return p
}

// greeting dials to from inside from and returns what the peer said.
func greeting(from *Host, to netip.Addr, timeout time.Duration) (string, error) {
	var conn net.Conn
	err := from.Do(func() error {
		var err error
		conn, err = net.DialTimeout("tcp", netip.AddrPortFrom(to, testPort).String(), timeout)
		return err
	})
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	line, err := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSpace(line), err
}

// checkReach dials every ordered pair of hosts at once and fails the test
// for every pair whose reachability differs from want(i, j). Expected cuts
// use a short timeout: a dropped SYN just times out.
func checkReach(t *testing.T, nw *Net, stage string, want func(i, j int) bool) {
	t.Helper()
	hosts := nw.Hosts()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var bad []string
	for _, from := range hosts {
		for _, to := range hosts {
			if from == to {
				continue
			}
			wg.Go(func() {
				ok := want(from.Index, to.Index)
				timeout := 400 * time.Millisecond
				if ok {
					timeout = 5 * time.Second
				}
				got, err := greeting(from, to.Addr, timeout)
				reached := err == nil && got == "hello from "+to.Label
				if reached != ok {
					mu.Lock()
					bad = append(bad, fmt.Sprintf("%s->%s: reached=%v want %v (got %q, err %v)",
						from.Label, to.Label, reached, ok, got, err))
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	for _, b := range bad {
		t.Errorf("%s: %s", stage, b)
	}
	if len(bad) > 0 {
		t.FailNow()
	}
}

func all(i, j int) bool { return true }

// groupsOf returns a reachability function for hosts in the given groups;
// a host in no group is with every other host in no group.
func groupsOf(groups ...[]int) func(i, j int) bool {
	g := map[int]int{}
	for k, grp := range groups {
		for _, h := range grp {
			g[h] = k + 1
		}
	}
	return func(i, j int) bool { return g[i] == g[j] }
}

func TestConnectivityPartitionHeal(t *testing.T) {
	nw := New(t, 3)
	client := nw.AddHost("client")
	if client.Index != 3 || client.Addr != netip.MustParseAddr("10.97.0.4") {
		t.Fatalf("client = index %d addr %s, want 3 10.97.0.4", client.Index, client.Addr)
	}
	for _, h := range nw.Hosts() {
		startListener(t, h)
	}
	checkReach(t, nw, "initial", all)

	if err := nw.Isolate(0); err != nil {
		t.Fatal(err)
	}
	checkReach(t, nw, "isolate 0", groupsOf([]int{0}))

	if err := nw.Heal(); err != nil {
		t.Fatal(err)
	}
	checkReach(t, nw, "heal after isolate", all)

	if err := nw.Partition([]int{0}, []int{1, 2}); err != nil {
		t.Fatal(err)
	}
	// The client is in no group: alone with the other unnamed hosts (none).
	checkReach(t, nw, "partition {0},{1,2}", groupsOf([]int{0}, []int{1, 2}))

	if err := nw.Partition([]int{0, 3}, []int{1}); err != nil {
		t.Fatal(err)
	}
	checkReach(t, nw, "partition {0,3},{1}", groupsOf([]int{0, 3}, []int{1}))

	if err := nw.Heal(); err != nil {
		t.Fatal(err)
	}
	checkReach(t, nw, "heal", all)
}

func TestPartitionBadInput(t *testing.T) {
	nw := New(t, 2)
	for name, groups := range map[string][][]int{
		"out of range": {{0}, {2}},
		"negative":     {{-1}},
		"twice":        {{0, 1}, {1}},
	} {
		if err := nw.Partition(groups...); err == nil {
			t.Errorf("%s: Partition(%v) succeeded", name, groups)
		}
	}
	if err := nw.Isolate(5); err == nil {
		t.Error("Isolate(5) succeeded")
	}
}

// An established connection sees a partition as silence (no reset, no
// error) and delivers its data once healed.
func TestEstablishedConnectionSurvivesHeal(t *testing.T) {
	nw := New(t, 2)
	var ln net.Listener
	if err := nw.Host(0).Do(func() (err error) {
		ln, err = net.Listen("tcp", netip.AddrPortFrom(nw.Host(0).Addr, testPort).String())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()
	var conn net.Conn
	if err := nw.Host(1).Do(func() (err error) {
		conn, err = net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	srv := <-accepted
	if srv == nil {
		t.Fatal("accept failed")
	}
	defer srv.Close()

	if err := nw.Partition([]int{0}, []int{1}); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte("x")); err != nil {
		t.Fatalf("write during partition: %v", err)
	}
	buf := make([]byte, 1)
	srv.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	if n, err := srv.Read(buf); n != 0 || !isTimeout(err) {
		t.Fatalf("read during partition: n=%d err=%v, want a timeout", n, err)
	}
	if err := nw.Heal(); err != nil {
		t.Fatal(err)
	}
	srv.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := srv.Read(buf); n != 1 || buf[0] != 'x' {
		t.Fatalf("read after heal: n=%d err=%v", n, err)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func TestAddrs(t *testing.T) {
	nw := New(t, 2)
	h0, h1 := nw.Host(0), nw.Host(1)
	got, err := h0.Addrs("eth0")
	if err != nil {
		t.Fatal(err)
	}
	if !containsPrefix(got, h0.Prefix) {
		t.Fatalf("h0 eth0 addrs %v lack %s", got, h0.Prefix)
	}
	public := netip.MustParsePrefix("10.97.0.200/24")
	h0.Run(t, "ip", "addr", "add", public.String(), "dev", "eth0")
	if got, _ := h0.Addrs("eth0"); !containsPrefix(got, public) {
		t.Fatalf("after add, h0 eth0 addrs %v lack %s", got, public)
	}
	if has, err := h1.HasAddr("eth0", public.Addr()); err != nil || has {
		t.Fatalf("h1 has %s: %v, %v; want false", public, has, err)
	}
	// The address lives only inside the namespace, never on the machine's
	// own interfaces.
	own, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range own {
		if p, ok := toPrefix(a); ok && p.Addr() == public.Addr() {
			t.Fatalf("%s leaked to the host's own interfaces", public)
		}
	}
	h0.Run(t, "ip", "addr", "del", public.String(), "dev", "eth0")
	if has, err := h0.HasAddr("eth0", public.Addr()); err != nil || has {
		t.Fatalf("after del, h0 has %s: %v, %v", public, has, err)
	}
	if _, err := h0.Addrs("nosuch0"); err == nil {
		t.Fatal("Addrs of a missing interface succeeded")
	}
}

// The namespaces and every process inside them are gone once the test that
// made them ends, including processes not started through Start.
func TestCleanup(t *testing.T) {
	var names []string
	var started, stray *exec.Cmd
	inner := t.Run("inner", func(t *testing.T) {
		nw := New(t, 2)
		names = append(names, nw.Switch)
		for _, h := range nw.Hosts() {
			names = append(names, h.Name)
		}
		started = nw.Host(0).Command("sleep", "60")
		nw.Host(0).Start(t, started)
		stray = nw.Host(1).Command("sleep", "60")
		if err := stray.Start(); err != nil {
			t.Fatal(err)
		}
		live, err := listNamespaces()
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if !contains(live, n) {
				t.Fatalf("namespace %s missing while in use (have %v)", n, live)
			}
		}
	})
	if !inner {
		t.FailNow()
	}
	live, err := listNamespaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if contains(live, n) {
			t.Errorf("namespace %s still exists after cleanup", n)
		}
	}
	if started.ProcessState == nil {
		t.Error("started process was not reaped by cleanup")
	}
	strayDone := make(chan error, 1)
	go func() { strayDone <- stray.Wait() }()
	select {
	case err := <-strayDone:
		if err == nil {
			t.Error("stray process exited 0; want killed")
		}
	case <-time.After(5 * time.Second):
		stray.Process.Kill()
		t.Error("stray process inside a namespace survived cleanup")
	}
}

func TestSweep(t *testing.T) {
	if err := Check(); err != nil {
		t.Skipf("skipping: %v", err)
	}
	// A prefix of its own, so that concurrent runs of this test (or their
	// sweeps) never see each other's namespaces.
	ns, err := newNameSet(DefaultPrefix, 1)
	if err != nil {
		t.Fatal(err)
	}
	prefix := "sw" + strings.Split(ns.base, "-")[2]
	dead := deadPID(t)
	create := func(name string) {
		if _, err := ip("netns", "add", name); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ip("netns", "del", name) })
	}
	leftover := fmt.Sprintf("%s-%d-0badc0de-n0", prefix, dead)
	alive := fmt.Sprintf("%s-%d-0badc0de-n0", prefix, os.Getpid())
	otherPrefix := fmt.Sprintf("%sx-%d-0badc0de-n0", prefix, dead)
	odd := fmt.Sprintf("%s-%d-zz-n0", prefix, dead)
	for _, n := range []string{leftover, alive, otherPrefix, odd} {
		create(n)
	}
	// A process left running inside the crashed run's namespace.
	orphan := exec.Command("nsenter", "--net=/run/netns/"+leftover, "--", "sleep", "60")
	if err := orphan.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { orphan.Process.Kill() })
	orphanDone := make(chan struct{})
	go func() { orphan.Wait(); close(orphanDone) }()

	gone, err := Sweep(prefix)
	if err != nil {
		t.Fatal(err)
	}
	if !contains(gone, leftover) {
		t.Errorf("Sweep removed %v, want %s among them", gone, leftover)
	}
	live, err := listNamespaces()
	if err != nil {
		t.Fatal(err)
	}
	if contains(live, leftover) {
		t.Errorf("%s survived Sweep", leftover)
	}
	for _, n := range []string{alive, otherPrefix, odd} {
		if !contains(live, n) {
			t.Errorf("Sweep deleted %s, which is not a dead run's", n)
		}
	}
	select {
	case <-orphanDone:
	case <-time.After(5 * time.Second):
		t.Error("process inside a swept namespace was not killed")
	}
	if _, err := Sweep("Bad-Prefix"); err == nil {
		t.Error("Sweep accepted a bad prefix")
	}
}

// deadPID returns a pid no process can have: one above the kernel's maximum.
func deadPID(t *testing.T) int {
	b, err := os.ReadFile("/proc/sys/kernel/pid_max")
	if err != nil {
		t.Fatal(err)
	}
	var max int
	if _, err := fmt.Sscan(string(b), &max); err != nil {
		t.Fatal(err)
	}
	return max + 1
}

func TestParseName(t *testing.T) {
	for _, tc := range []struct {
		name string
		pid  int
		ok   bool
	}{
		{"ctdbt-42-0011aabb-n0", 42, true},
		{"ctdbt-42-0011aabb-client", 42, true},
		{"ctdbt-42-0011aabb-sw", 42, true},
		{"ctdbtx-42-0011aabb-n0", 0, false},
		{"ctdbt-042-0011aabb-n0", 0, false},
		{"ctdbt-0-0011aabb-n0", 0, false},
		{"ctdbt-42-0011aab-n0", 0, false},
		{"ctdbt-42-0011aabz-n0", 0, false},
		{"ctdbt-42-0011aabb", 0, false},
		{"ctdbt-42-0011aabb-n0-x", 0, false},
		{"ctdbt-42-0011aabb-N0", 0, false},
		{"other", 0, false},
	} {
		got, ok := parseName("ctdbt", tc.name)
		if ok != tc.ok || got.pid != tc.pid {
			t.Errorf("parseName(%q) = %d, %v; want %d, %v", tc.name, got.pid, ok, tc.pid, tc.ok)
		}
	}
	s, err := newNameSet("ctdbt", 77)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := parseName("ctdbt", s.name("n3")); !ok || got.pid != 77 {
		t.Errorf("generated name %q does not parse back: %v %v", s.name("n3"), got, ok)
	}
}

func TestHostAddr(t *testing.T) {
	sub := netip.MustParsePrefix("10.1.2.0/29")
	for i, want := range []string{"10.1.2.1", "10.1.2.2", "10.1.2.3", "10.1.2.4", "10.1.2.5", "10.1.2.6"} {
		got, err := hostAddr(sub, i)
		if err != nil || got.String() != want {
			t.Errorf("hostAddr(%s, %d) = %s, %v; want %s", sub, i, got, err, want)
		}
	}
	if got, err := hostAddr(sub, 6); err == nil {
		t.Errorf("hostAddr(%s, 6) = %s, want an error (broadcast)", sub, got)
	}
	if _, err := newConfig([]Option{WithPrefix("Bad")}); err == nil {
		t.Error("bad prefix accepted")
	}
}

func containsPrefix(ps []netip.Prefix, p netip.Prefix) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Create works without a testing.TB: errors come back as errors, and the
// cleanup it returns stops the processes and deletes every namespace.
func TestCreateReturnsErrorsAndCleanup(t *testing.T) {
	if err := Check(); err != nil {
		if _, _, cerr := Create(1); !errors.Is(cerr, ErrUnavailable) {
			t.Fatalf("Create without network namespaces: %v, want ErrUnavailable", cerr)
		}
		t.Skipf("skipping: %v", err)
	}
	if _, _, err := Create(-1); err == nil {
		t.Fatal("Create(-1) succeeded")
	}
	nw, cleanup, err := Create(1)
	if err != nil {
		t.Fatal(err)
	}
	h := nw.Hosts()[0]
	if _, err := nw.NewHost("bad label!"); err == nil {
		t.Error("NewHost accepted a bad label")
	}
	if _, err := h.Output("false"); err == nil {
		t.Error("Output of a failing command returned no error")
	}
	p, err := h.StartProc(h.Command("sleep", "60"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.StartProc(exec.Command("true")); err == nil {
		t.Error("StartProc took a command not made by the host")
	}
	if err := cleanup(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Done():
	default:
		t.Error("the started process outlived the cleanup")
	}
	names, err := listNamespaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if n == h.Name || n == nw.Switch {
			t.Errorf("namespace %s survived the cleanup", n)
		}
	}
}
