package tests

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/tests/harness"
	"github.com/ctdb-go/ctdb/tests/netns"
)

// A real Samba cluster: every node runs a real smbd (clustering = no) in its
// network namespace, serving one share on a directory all nodes see, with
// 50.samba (ours or CTDB's) starting, stopping and monitoring it. A client
// namespace reads a file through the public addresses with smbclient.

const (
	sambaPrefix  = "10.97.5."
	sambaFile    = "hello.txt"
	sambaContent = "served by the cluster\n"
)

// sambaServiceStub is service(8) for the test nodes: "smbd" is the real
// smbd of the node whose smb.conf is $SMB_CONF_PATH; it is stopped by the
// PID in its own pid file, never by name.
const sambaServiceStub = `#!/bin/sh
echo "$(date +%s.%N) service $*" >>"$SAMBA_TEST_SVCLOG"
case "$1" in
smbd | smb) ;;
*) echo "service: no service $1 on this test node" >&2; exit 1 ;;
esac
pid=""
[ -r "$SAMBA_TEST_PIDFILE" ] && read -r pid <"$SAMBA_TEST_PIDFILE"
running () { [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }
case "$2" in
start)
	running && exit 0
	exec smbd -D
	;;
stop)
	running || exit 0
	kill "$pid"
	n=0
	while running; do
		n=$((n + 1))
		[ "$n" -lt 100 ] || exit 1
		sleep 0.05
	done
	;;
status) running ;;
restart) "$0" "$1" stop; exec "$0" "$1" start ;;
*) exit 1 ;;
esac
`

// sambaGuardStub stands in for killall, pkill and pidof: CTDB's 50.samba
// calls "killall -9 smbd", which on this shared machine would hit every
// smbd of every node (and of anyone else).
const sambaGuardStub = `#!/bin/sh
echo "$(date +%s.%N) ${0##*/} $*" >>"$SAMBA_TEST_SVCLOG"
exit 1
`

type sambaOptions struct {
	nodes   int
	public  int   // public addresses, sambaPrefix+101...
	standby []int // nodes with no public addresses
	stock   bool  // CTDB's 50.samba instead of ours
	share   string
	// shareExtra is added to the share's section.
	shareExtra string
	// options is every node's script.options. The default probe timeout
	// (5 s) stays unless a test needs a fast one: on this shared machine a
	// 1 s probe of a healthy share has timed out under load and made a
	// node UNHEALTHY.
	options  string
	interval uint32 // MonitorInterval
	tunables map[string]uint32
}

type sambaCluster struct {
	*localcluster.Cluster
	o          sambaOptions
	t          *testing.T
	hosts      []*netns.Host
	client     *netns.Host
	public     []netip.Addr
	share      string
	dir        string
	clientConf string
}

func (s *sambaCluster) nodeDir(i int) string { return filepath.Join(s.dir, fmt.Sprintf("smb%d", i)) }
func (s *sambaCluster) pidFile(i int) string { return filepath.Join(s.nodeDir(i), "pid", "smbd.pid") }
func (s *sambaCluster) svcLog(i int) string  { return filepath.Join(s.nodeDir(i), "service.log") }
func (s *sambaCluster) smbConf(i int) string { return filepath.Join(s.nodeDir(i), "smb.conf") }
func (s *sambaCluster) nodeEnv(i int) []string {
	return []string{
		"PATH=" + filepath.Join(s.dir, "stubs") + ":" + os.Getenv("PATH"),
		"SMB_CONF_PATH=" + s.smbConf(i),
		"SAMBA_TEST_PIDFILE=" + s.pidFile(i),
		"SAMBA_TEST_SVCLOG=" + s.svcLog(i),
	}
}

func sambaSkip(t *testing.T) {
	t.Helper()
	for _, p := range []string{"/usr/sbin/smbd", "/usr/bin/smbclient", "/usr/bin/testparm"} {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s missing (tests/setup/machine.sh installs samba and smbclient)", p)
			}
			t.Skipf("%s missing (tests/setup/machine.sh installs samba and smbclient)", p)
		}
	}
}

func newSambaCluster(t *testing.T, o sambaOptions) *sambaCluster {
	t.Helper()
	sambaSkip(t)
	nw := netns.New(t, o.nodes)
	hosts := nw.Hosts()
	client := nw.AddHost("client")
	client.Run(t, "ip", "addr", "add", sambaPrefix+"200/24", "dev", client.Iface)

	dir := t.TempDir()
	// smbd serves the guest as "nobody", who must reach the share.
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s := &sambaCluster{o: o, t: t, hosts: hosts, client: client, dir: dir, share: o.share}
	if s.share == "" {
		s.share = filepath.Join(dir, "share")
		if err := os.Mkdir(s.share, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFileT(t, filepath.Join(s.share, sambaFile), sambaContent)
	stubs := filepath.Join(dir, "stubs")
	if err := os.Mkdir(stubs, 0o755); err != nil {
		t.Fatal(err)
	}
	writeExec(t, filepath.Join(stubs, "service"), sambaServiceStub)
	for _, g := range []string{"killall", "pkill", "pidof"} {
		writeExec(t, filepath.Join(stubs, g), sambaGuardStub)
	}

	var pub strings.Builder
	for k := 0; k < o.public; k++ {
		a := netip.MustParseAddr(fmt.Sprintf("%s%d", sambaPrefix, 101+k))
		s.public = append(s.public, a)
		fmt.Fprintf(&pub, "%s/24 eth0\n", a)
	}
	tun := map[string]uint32{"KeepaliveInterval": 1, "KeepaliveLimit": 3, "MonitorInterval": o.interval}
	for k, v := range o.tunables {
		tun[k] = v
	}
	var addrs []string
	for _, h := range hosts {
		addrs = append(addrs, h.Addr.String())
	}
	c := cluster(t, localcluster.Options{Nodes: o.nodes, Addrs: addrs, Scripts: []string{"00.ctdb", "10.interface", "50.samba"},
		Tunables: tun, PublicAddresses: pub.String(),
		Wrap: func(i int, argv []string) []string {
			return append(append([]string{"/usr/bin/env"}, s.nodeEnv(i)...), hosts[i].Command(argv[0], argv[1:]...).Args...)
		}})
	s.Cluster = c
	for _, i := range o.standby {
		writeFileT(t, filepath.Join(c.ConfigDir(i), "public_addresses"), "")
	}
	for i := 0; i < o.nodes; i++ {
		s.writeSmbConf(i)
		writeFileT(t, filepath.Join(c.ConfigDir(i), "script.options"), o.options)
		if o.stock {
			ours := filepath.Join(c.ConfigDir(i), "events.d", "50.samba")
			if err := os.Remove(ours); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(stockScriptDir, "50.samba.script"), ours); err != nil {
				t.Fatal(err)
			}
		}
	}
	// smbd detaches from the script that starts it: stop each node's by
	// PID when the test ends, before the namespaces go (runs before the
	// netns cleanup, after the cluster's).
	t.Cleanup(func() {
		for i := 0; i < o.nodes; i++ {
			s.stopSmbd(i)
		}
	})
	cdir := filepath.Join(dir, "client")
	s.clientConf = filepath.Join(cdir, "smb.conf")
	if err := os.MkdirAll(cdir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFileT(t, s.clientConf, fmt.Sprintf("[global]\n\tclient min protocol = SMB2\n\tlock directory = %[1]s\n\tstate directory = %[1]s\n\tcache directory = %[1]s\n\tprivate dir = %[1]s\n\tlog file = %[1]s/log\n", cdir))
	startAll(t, c)
	return s
}

func (s *sambaCluster) writeSmbConf(i int) {
	d := s.nodeDir(i)
	for _, sub := range []string{"lock", "state", "cache", "pid", "private"} {
		if err := os.MkdirAll(filepath.Join(d, sub), 0o755); err != nil {
			s.t.Fatal(err)
		}
	}
	writeFileT(s.t, s.smbConf(i), fmt.Sprintf(`[global]
	clustering = no
	netbios name = CTDBTEST%[2]d
	lock directory = %[1]s/lock
	state directory = %[1]s/state
	cache directory = %[1]s/cache
	pid directory = %[1]s/pid
	private dir = %[1]s/private
	ncalrpc dir = %[1]s/lock/ncalrpc
	binddns dir = %[1]s/lock/binddns
	log file = %[1]s/log.smbd
	bind interfaces only = no
	smb ports = 445
	disable netbios = yes
	map to guest = Bad User
	guest account = nobody
	load printers = no
	printing = bsd
	printcap name = /dev/null
	disable spoolss = yes
[share]
	path = %[3]s
	guest ok = yes
	read only = yes
%[4]s`, d, i, s.share, s.o.shareExtra))
}

// smbdPid is node i's running smbd (0 if none).
func (s *sambaCluster) smbdPid(i int) int { return harness.PidFromFile(s.pidFile(i)) }

func (s *sambaCluster) stopSmbd(i int) {
	pid := s.smbdPid(i)
	if pid == 0 {
		return
	}
	syscall.Kill(pid, syscall.SIGTERM)
	if len(harness.WaitGone([]int{pid}, 5*time.Second)) > 0 {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// startSmbd starts node i's smbd the way the scripts do.
func (s *sambaCluster) startSmbd(i int) {
	s.t.Helper()
	args := append(append([]string{"/usr/bin/env"}, s.nodeEnv(i)...), s.hosts[i].Command("service", "smbd", "start").Args...)
	// smbd -D returns before the daemon checks its pid file: a new smbd
	// exits at once while the helpers of a killed one (smbd-notifyd,
	// cleanupd) still hold it. Start again until one stays.
	for try := 0; try < 10; try++ {
		cmd := exec.Command(args[0], args[1:]...)
		if out, err := cmd.CombinedOutput(); err != nil {
			s.t.Fatalf("service smbd start on node %d: %v\n%s", i, err, out)
		}
		if harness.Until(3*time.Second, 50*time.Millisecond, func() string {
			if pid := s.smbdPid(i); pid != 0 && s.listening(i) {
				return ""
			}
			return "not up"
		}) == nil {
			return
		}
		b, _ := os.ReadFile(filepath.Join(s.nodeDir(i), "log.smbd"))
		s.t.Logf("smbd on node %d did not come up; its log ends:\n%s", i, tail(string(b), 10))
	}
	s.t.Fatalf("smbd on node %d does not start", i)
}

// listening reports whether something listens on port 445 in node i.
func (s *sambaCluster) listening(i int) bool {
	out, err := s.hosts[i].Command("ss", "-tlnH", "sport = :445").CombinedOutput()
	return err == nil && strings.TrimSpace(string(out)) != ""
}

// read fetches the file through address a with a fresh smbclient.
func (s *sambaCluster) read(a netip.Addr, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out := filepath.Join(s.dir, "client", "got-"+a.String())
	os.Remove(out)
	args := s.client.Command("smbclient", "-s", s.clientConf, "-N", "-t", "2", "//"+a.String()+"/share",
		"-c", "get "+sambaFile+" "+out).Args
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	b, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("smbclient //%s/share: %v: %s", a, err, strings.TrimSpace(string(b)))
	}
	got, err := os.ReadFile(out)
	if err != nil || string(got) != sambaContent {
		return fmt.Errorf("smbclient //%s/share: got %q (%v)", a, got, err)
	}
	return nil
}

func (s *sambaCluster) readAll() string {
	for _, a := range s.public {
		if err := s.read(a, 5*time.Second); err != nil {
			return err.Error()
		}
	}
	return ""
}

func (s *sambaCluster) holders() map[netip.Addr][]int { return harness.HoldersOf(s.hosts, sambaPrefix) }

// placement is "ADDR@NODE ..." in address order ("-" for no node, "+"
// between several).
func (s *sambaCluster) placement() string {
	h := s.holders()
	var parts []string
	for _, a := range s.public {
		ns := h[a]
		sort.Ints(ns)
		var txt []string
		for _, n := range ns {
			txt = append(txt, strconv.Itoa(n))
		}
		if len(txt) == 0 {
			txt = []string{"-"}
		}
		parts = append(parts, a.String()+"@"+strings.Join(txt, "+"))
	}
	return strings.Join(parts, " ")
}

// hostedOnceBy says why the addresses are not each on exactly one node of
// ok ("" if they are).
func (s *sambaCluster) hostedOnceBy(ok []int) string {
	h := s.holders()
	for _, a := range s.public {
		if len(h[a]) != 1 {
			return fmt.Sprintf("%s on nodes %v", a, h[a])
		}
		if !contains(ok, h[a][0]) {
			return fmt.Sprintf("%s on node %d, not one of %v", a, h[a][0], ok)
		}
	}
	return ""
}

func contains(s []int, x int) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func (s *sambaCluster) addrsOf(i int) []netip.Addr {
	var out []netip.Addr
	h := s.holders()
	for _, a := range s.public {
		if contains(h[a], i) {
			out = append(out, a)
		}
	}
	return out
}

// waitHealthy waits for every node OK, each address on one node of on,
// and every address serving the file.
func (s *sambaCluster) waitHealthy(on []int, timeout time.Duration) {
	s.t.Helper()
	waitConverged(s.t, s.Cluster, seq(s.Nodes), allOK(s.Nodes), timeout)
	eventually(s.t, timeout, func() string { return s.hostedOnceBy(on) })
	eventually(s.t, timeout, s.readAll)
}

func (s *sambaCluster) serviceCalls(i int) []string {
	b, _ := os.ReadFile(s.svcLog(i))
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if _, rest, ok := strings.Cut(l, " "); ok {
			out = append(out, rest)
		}
	}
	return out
}

// TestSambaCluster: kill smbd on a node that hosts addresses; the node
// becomes UNHEALTHY within two monitor intervals, its addresses move and
// serve the file again; smbd restarted, the node is OK again. Once with our
// 50.samba, once with CTDB's.
func TestSambaCluster(t *testing.T) {
	for _, stock := range []bool{false, true} {
		name := "ours"
		if stock {
			name = "stock"
		}
		t.Run(name, func(t *testing.T) {
			if stock {
				if _, err := os.Stat(filepath.Join(stockScriptDir, "50.samba.script")); err != nil {
					stockSkip(t, "Debian's ctdb package is not installed: "+err.Error())
				}
			}
			const interval = 2
			s := newSambaCluster(t, sambaOptions{nodes: 3, public: 3, stock: stock, interval: interval})
			s.waitHealthy(seq(3), 40*time.Second)
			eventually(t, 20*time.Second, func() string {
				for i := 0; i < 3; i++ {
					if len(s.addrsOf(i)) == 0 {
						return fmt.Sprintf("node %d hosts no address: %s", i, s.placement())
					}
				}
				return ""
			})
			for i := 0; i < 3; i++ {
				if calls := s.serviceCalls(i); !containsString(calls, "service smbd start") {
					t.Fatalf("node %d: smbd not started by 50.samba: %q", i, calls)
				}
			}

			victim := s.hostedOnceByFirst()
			moved := s.addrsOf(victim)
			pid := s.smbdPid(victim)
			if pid == 0 {
				t.Fatalf("node %d runs no smbd", victim)
			}
			t.Logf("%s: killing smbd %d on node %d, which hosts %v", name, pid, victim, moved)
			t0, unhealthy := killUntilUnhealthy(t, s.Cluster, victim, pid, "smbd", interval)
			if st, _, _ := s.Ctdb(victim, "event", "status", "legacy", "monitor"); !strings.Contains(st, "not listening on TCP port 445") {
				t.Errorf("monitor status does not name the port:\n%s", st)
			}
			outage := s.outages(moved, victim, t0, 30*time.Second)
			eventually(t, 15*time.Second, func() string { return s.hostedOnceBy(without(seq(3), victim)) })
			eventually(t, 15*time.Second, s.readAll)
			for _, a := range moved {
				t.Logf("%s: smbd killed on node %d: UNHEALTHY after %.2f s; client outage on %s %.2f s",
					name, victim, unhealthy.Seconds(), a, outage[a].Seconds())
			}

			t1 := time.Now()
			s.startSmbd(victim)
			eventually(t, 4*interval*time.Second, func() string {
				if f := nodeFlags(s.Cluster, victim); f != "OK" {
					st, _, _ := s.Ctdb(victim, "event", "status", "legacy", "monitor")
					return "flags " + f + "; monitor:\n" + st
				}
				return ""
			})
			t.Logf("%s: smbd restarted on node %d: OK after %.2f s", name, victim, time.Since(t1).Seconds())
			s.waitHealthy(seq(3), 30*time.Second)
		})
	}
}

func containsString(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// hostedOnceByFirst is the node hosting the first public address.
func (s *sambaCluster) hostedOnceByFirst() int {
	h := s.holders()[s.public[0]]
	if len(h) != 1 {
		s.t.Fatalf("%s on nodes %v", s.public[0], h)
	}
	return h[0]
}

// outages reads through each address until it serves from a node other
// than victim, and returns how long after t0 that was.
func (s *sambaCluster) outages(addrs []netip.Addr, victim int, t0 time.Time, limit time.Duration) map[netip.Addr]time.Duration {
	s.t.Helper()
	out := map[netip.Addr]time.Duration{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, a := range addrs {
		wg.Add(1)
		go func(a netip.Addr) {
			defer wg.Done()
			harness.Until(time.Until(t0.Add(limit)), 100*time.Millisecond, func() string {
				h := s.holders()[a]
				if len(h) == 1 && h[0] != victim && s.read(a, 3*time.Second) == nil {
					mu.Lock()
					out[a] = time.Since(t0)
					mu.Unlock()
					return ""
				}
				return "not served elsewhere"
			})
		}(a)
	}
	wg.Wait()
	for _, a := range addrs {
		if _, ok := out[a]; !ok {
			s.t.Fatalf("%s did not serve the file from another node within %v (%s)", a, limit, s.placement())
		}
	}
	return out
}

// smbSession is one smbclient process with an open SMB session, fed
// commands on its standard input.
type smbSession struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
	dir  string
	mu   sync.Mutex
	said []string // smbclient's last output lines, for the error of a session that ended
}

func (s *sambaCluster) openSession(a netip.Addr) *smbSession {
	s.t.Helper()
	args := s.client.Command("smbclient", "-s", s.clientConf, "-N", "-t", "5", "//"+a.String()+"/share").Args
	cmd := exec.Command(args[0], args[1:]...)
	in, err := cmd.StdinPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	ss := &smbSession{cmd: cmd, in: in, out: bufio.NewReader(pr), dir: filepath.Join(s.dir, "client")}
	go func() { cmd.Wait(); pw.Close() }()
	s.t.Cleanup(func() { in.Close(); cmd.Process.Kill() })
	go func() {
		for {
			l, err := ss.out.ReadString('\n')
			if l != "" {
				ss.mu.Lock()
				ss.said = append(ss.said[max(0, len(ss.said)-9):], strings.TrimRight(l, "\n"))
				ss.mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}()
	return ss
}

// get fetches the file through the open session into a new local file and
// checks it; k names the local copy.
func (ss *smbSession) get(k int) error {
	local := filepath.Join(ss.dir, fmt.Sprintf("session-%d", k))
	if _, err := fmt.Fprintf(ss.in, "get %s %s\n", sambaFile, local); err != nil {
		return fmt.Errorf("smbclient session gone: %v", err)
	}
	var exited error
	if harness.Until(10*time.Second, 50*time.Millisecond, func() string {
		if b, err := os.ReadFile(local); err == nil && string(b) == sambaContent {
			return ""
		}
		if ss.cmd.ProcessState != nil {
			ss.mu.Lock()
			exited = fmt.Errorf("smbclient exited: %v; it said: %q", ss.cmd.ProcessState, ss.said)
			ss.mu.Unlock()
			return ""
		}
		return "no file"
	}) == nil {
		return exited
	}
	return fmt.Errorf("get %d through the open session: no file after 10 s", k)
}

// TestSambaRestartStorm: a watchdog on the standby node (no public
// addresses) kills ctdbd with SIGKILL and starts it again, 10 times in a
// row. The active node's smbd keeps its PID and is never stopped or
// started, the client's open SMB session keeps working, and no address
// moves. With the default tunables and with NoIPFailback=1.
func TestSambaRestartStorm(t *testing.T) {
	for _, tc := range []struct {
		name     string
		tunables map[string]uint32
	}{{"default", nil}, {"NoIPFailback=1", map[string]uint32{"NoIPFailback": 1}}} {
		t.Run(tc.name, func(t *testing.T) {
			const standby = 2
			s := newSambaCluster(t, sambaOptions{nodes: 3, public: 2, standby: []int{standby}, interval: 1, tunables: tc.tunables})
			s.waitHealthy([]int{0, 1}, 40*time.Second)
			if tc.tunables == nil { // NoIPFailback=1 leaves both where they were first taken
				eventually(t, 20*time.Second, func() string {
					if len(s.addrsOf(0)) != 1 || len(s.addrsOf(1)) != 1 {
						return "not one address on each active node: " + s.placement()
					}
					return ""
				})
			}
			active := s.hostedOnceByFirst()
			pid := s.smbdPid(active)
			calls := s.serviceCalls(active)
			before := s.placement()
			sess := s.openSession(s.public[0])
			if err := sess.get(0); err != nil {
				t.Fatal(err)
			}
			conn := s.clientConns(s.public[0])
			if len(conn) != 1 {
				t.Fatalf("client connections to %s:445: %q, want one", s.public[0], conn)
			}

			var mu sync.Mutex
			var changes []string
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { // sample the placement every 100 ms
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					case <-time.After(100 * time.Millisecond):
					}
					if p := s.placement(); p != before {
						mu.Lock()
						changes = append(changes, time.Now().Format("15:04:05.000")+" "+p)
						mu.Unlock()
					}
				}
			}()

			t0 := time.Now()
			for k := 1; k <= 10; k++ {
				old := s.PID(standby)
				if err := s.Kill(standby, syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				eventually(t, 10*time.Second, func() string {
					if harness.Alive(old) {
						return fmt.Sprintf("ctdbd %d still alive", old)
					}
					return ""
				})
				s.restart(standby, k)
				// The restarted node runs its startup event (50.samba
				// restarts its own smbd) and joins: a recovery and a
				// takeover run every time.
				waitRunning(t, s.Cluster, standby)
				waitConverged(t, s.Cluster, seq(3), allOK(3), 20*time.Second)
			}
			storm := time.Since(t0)
			waitConverged(t, s.Cluster, seq(3), allOK(3), 30*time.Second)
			close(stop)
			wg.Wait()
			t.Logf("%s: 10 restarts of ctdbd on node %d in %.1f s; placement %s; smbd %d on node %d; session %s", tc.name, standby, storm.Seconds(), s.placement(), pid, active, conn[0])

			if len(changes) > 0 {
				t.Errorf("addresses moved during the storm (before: %s):\n%s", before, strings.Join(changes, "\n"))
			}
			if p := s.smbdPid(active); p != pid {
				t.Errorf("smbd on the active node %d: pid %d before the storm, %d after", active, pid, p)
			}
			if after := s.serviceCalls(active); len(after) != len(calls) {
				t.Errorf("the storm ran the service manager on the active node %d: %q", active, after[len(calls):])
			}
			if n := len(s.serviceCalls(standby)); n < 10 {
				t.Errorf("the standby's own startup ran the service manager %d times, want at least 10 (stop and start per restart)", n)
			}
			for k := 1; k <= 3; k++ {
				if err := sess.get(k); err != nil {
					t.Errorf("open session after the storm: %v", err)
				}
			}
			if after := s.clientConns(s.public[0]); len(after) != 1 || after[0] != conn[0] {
				t.Errorf("the session's TCP connection was %q, now %q", conn, after)
			}
			if err := s.readAll(); err != "" {
				t.Error(err)
			}
		})
	}
}

// clientConns lists the client's established TCP connections to a:445 as
// "LOCAL PEER".
func (s *sambaCluster) clientConns(a netip.Addr) []string {
	out, _ := s.client.Command("ss", "-tnH", "state", "established", "dst", a.String()+":445").CombinedOutput()
	var conns []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Fields(l); len(f) >= 4 {
			conns = append(conns, f[len(f)-2]+" "+f[len(f)-1])
		}
	}
	return conns
}

// TestSambaHungShare: the share is on a freezable FUSE filesystem. Frozen,
// 50.samba's check fails by the probe deadline (the node UNHEALTHY within
// two monitor intervals), ctdb status keeps answering, and at most one
// probe per path is stuck; thawed, the node is OK again.
func TestSambaHungShare(t *testing.T) {
	sambaSkip(t)
	fs, mnt := mountHangfs(t)
	share := filepath.Join(mnt, "share")
	if err := os.Mkdir(share, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Dir(mnt), filepath.Dir(filepath.Dir(mnt)), mnt} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	const interval = 2
	// The FUSE mount is the test's (root's) alone: the guest works as root.
	s := newSambaCluster(t, sambaOptions{nodes: 1, public: 1, share: share, interval: interval,
		shareExtra: "\tforce user = root\n", options: "CTDB_PROBE_TIMEOUT=1\n"})
	t.Cleanup(fs.Thaw) // before the cluster stops
	s.waitHealthy(seq(1), 40*time.Second)

	var (
		mu         sync.Mutex
		maxStatus  time.Duration
		maxWorkers int
		statusErrs []string
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // sample every 200 ms while frozen
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			t0 := time.Now()
			out, errOut, code := s.Ctdb(0, "status")
			d := time.Since(t0)
			w := probeWorkers(share)
			mu.Lock()
			maxStatus = max(maxStatus, d)
			maxWorkers = max(maxWorkers, w)
			if code != 0 {
				statusErrs = append(statusErrs, fmt.Sprintf("exit %d: %s %s", code, out, errOut))
			}
			mu.Unlock()
		}
	}()

	fs.Freeze()
	frozenAt := time.Now()
	eventually(t, 4*interval*time.Second, func() string {
		if f := nodeFlags(s.Cluster, 0); f != "UNHEALTHY" {
			st, _, _ := s.Ctdb(0, "event", "status", "legacy", "monitor")
			return "flags " + f + "; monitor:\n" + st
		}
		return ""
	})
	took := time.Since(frozenAt)
	t.Logf("share frozen: UNHEALTHY after %.2f s (MonitorInterval %d s, CTDB_PROBE_TIMEOUT 1 s)", took.Seconds(), interval)
	if took > 2*interval*time.Second {
		t.Errorf("UNHEALTHY after %v, more than two monitor intervals", took)
	}
	// Several more monitor runs while frozen: nothing may pile up.
	stayed := time.Now()
	for time.Since(stayed) < 3*interval*time.Second {
		if f := nodeFlags(s.Cluster, 0); f != "UNHEALTHY" {
			t.Errorf("frozen share, node %s", f)
		}
		time.Sleep(200 * time.Millisecond) // Deliberate pause: sampling period over three monitor intervals while frozen
	}
	st, _, _ := s.Ctdb(0, "event", "status", "legacy", "monitor")
	if !strings.Contains(st, `ERROR: samba directory "`+share+`" not available`) {
		t.Errorf("monitor status while frozen:\n%s", st)
	}
	close(stop)
	wg.Wait()
	t.Logf("while frozen: ctdb status took at most %v; at most %d probe worker(s) on %s", maxStatus, maxWorkers, share)
	if len(statusErrs) > 0 {
		t.Errorf("ctdb status failed while frozen: %v", statusErrs)
	}
	if maxStatus > time.Second {
		t.Errorf("ctdb status took %v while the share was frozen", maxStatus)
	}
	if maxWorkers > 1 {
		t.Errorf("%d probe workers on %s at once, want at most 1", maxWorkers, share)
	}

	fs.Thaw()
	waitFlags(t, s.Cluster, 0, "OK", 4*interval*time.Second)
	eventually(t, 10*time.Second, s.readAll)
}

// restart starts node i again after a kill. A start refused because the
// pid file is still locked is retried (a watchdog such as systemd retries
// too) and logged with the processes that hold the file.
func (s *sambaCluster) restart(i, k int) {
	s.t.Helper()
	var err error
	for try := 0; try < 20; try++ {
		if err = s.Start(i); err == nil {
			return
		}
		s.t.Logf("restart %d of node %d refused: %v; pid file held by: %q", k, i, err, fileHolders(s.PidFile(i)))
		time.Sleep(100 * time.Millisecond) // Deliberate pause: back-off between restarts, as a watchdog retries
	}
	s.t.Fatalf("restart %d of node %d: %v", k, i, err)
}

// fileHolders describes the processes that have path open.
func fileHolders(path string) string {
	ents, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range ents {
		fds, err := os.ReadDir("/proc/" + e.Name() + "/fd")
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if l, _ := os.Readlink("/proc/" + e.Name() + "/fd/" + fd.Name()); l == path {
				cmd, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
				out = append(out, e.Name()+" "+strings.ReplaceAll(string(cmd), "\x00", " "))
			}
		}
	}
	return strings.Join(out, "; ")
}
