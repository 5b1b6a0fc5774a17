package tests

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/tests/harness"
	"github.com/ctdb-go/ctdb/tests/harness/poll"
	"github.com/ctdb-go/ctdb/tests/netns"
)

// CTDB's own scripts and companions, from Debian's ctdb package. They are
// test input only: linked into the node's configuration, never copied into
// this repository.
const (
	stockScriptDir = "/usr/share/ctdb/events/legacy"
	stockEtcDir    = "/etc/ctdb"
)

// stockScripts are the scripts run, enabled as CTDB 4.x enables them:
// events/legacy/NAME.script -> the packaged NAME.script.
var stockScripts = []string{"00.ctdb", "01.reclock", "05.system", "06.nfs", "10.interface", "49.winbind", "50.samba", "60.nfs"}

// Stubs for the services only (smbd, winbindd, the NFS server and its RPC
// services), first on the scripts' PATH. Each records its call in
// $STUB_LOG; the service manager stubs leave NAME.running in $STUB_STATE
// while a service is started. killall, pkill and pidof are stubbed so that
// the scripts can never signal or inspect the host's own daemons.
var stockStubs = map[string]string{
	"service": `echo "service $*" >>"$STUB_LOG"
case "$2" in
start|restart) : >"$STUB_STATE/$1.running" ;;
stop) rm -f "$STUB_STATE/$1.running" ;;
esac
exit 0
`,
	"systemctl": `echo "systemctl $*" >>"$STUB_LOG"
case "$1" in
start|restart) : >"$STUB_STATE/$2.running" ;;
stop) rm -f "$STUB_STATE/$2.running" ;;
esac
exit 0
`,
	"killall": `echo "killall $*" >>"$STUB_LOG"; exit 1
`,
	"pkill": `echo "pkill $*" >>"$STUB_LOG"; exit 1
`,
	"pidof": `echo "pidof $*" >>"$STUB_LOG"; exit 1
`,
	// winbindd answers unless the test made it fail.
	"wbinfo": `echo "wbinfo $*" >>"$STUB_LOG"
if [ -e "$STUB_STATE/winbindd.fail" ]; then echo "could not ping winbindd"; exit 1; fi
echo "Ping to winbindd succeeded"
`,
	// The NFS server's RPC services are registered unless the test made
	// them fail.
	"rpcinfo": `echo "rpcinfo $*" >>"$STUB_LOG"
if [ -e "$STUB_STATE/rpc.fail" ]; then echo "rpcinfo: RPC: Program not registered"; exit 1; fi
echo "program $4 version ${5:-any} ready and waiting"
`,
	"exportfs": `echo "exportfs $*" >>"$STUB_LOG"
printf '%s\t\t<world>(rw,sync,wdelay,root_squash,no_subtree_check)\n' "$STUB_EXPORT"
`,
	// smnotify (in CTDB_HELPER_BINDIR) would send SM_NOTIFY to the client.
	"smnotify": `echo "smnotify $*" >>"$STUB_LOG"
`,
	"nfsconf": `echo "nfsconf $*" >>"$STUB_LOG"
case "$*" in
"--get statd name") echo stocktest ;;
*) exit 1 ;;
esac
`,
}

// stockSkip fails under CI, else prints one SKIP line and skips.
func stockSkip(t *testing.T, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("stock script test cannot run: %s", reason)
	}
	fmt.Printf("SKIP: %s\n", reason)
	t.Skip(reason)
}

type stockNode struct {
	t      *testing.T
	c      *localcluster.Cluster
	h      *netns.Host
	stubs  string
	state  string
	stubLg string
	share  string
	export string
	vardir string
	helper string       // CTDB_HELPER_BINDIR: the built binaries and the smnotify stub
	logOff int          // log offset of the current step
	ln     net.Listener // the "smbd" listening on port 445
}

func TestStockScripts(t *testing.T) {
	t.Parallel() // independent: own namespaces, temp dirs and ports (see README, Tests)
	for _, f := range []string{filepath.Join(stockScriptDir, "00.ctdb.script"), filepath.Join(stockEtcDir, "nfs-linux-kernel-callout"), filepath.Join(stockEtcDir, "statd-callout")} {
		if _, err := os.Stat(f); err != nil {
			stockSkip(t, "Debian's ctdb package is not installed ("+f+" missing; tests/setup/machine.sh installs it)")
		}
	}
	if _, err := exec.LookPath("iptables"); err != nil {
		stockSkip(t, "iptables is not installed (10.interface's releaseip needs it; tests/setup/machine.sh installs it)")
	}
	if err := netns.Check(); err != nil {
		stockSkip(t, "no network namespaces: "+err.Error())
	}
	hostNFS := snapshotTree(t, hostNFSDir)
	n := setupStockNode(t)

	// init and setup ran before ctdbd answered (their failure stops it);
	// the daemon then runs startup (retried until it succeeds).
	n.waitStub("service smbd start", "startup: samba started by 50.samba's service_start")
	for _, svc := range []string{"smbd", "winbind", "nfs-kernel-server", "rpc-statd"} {
		n.waitRunning(svc)
	}

	// The daemon's own cycle: after startup it takes its public addresses
	// through 06.nfs, 10.interface and 60.nfs takeip.
	eventually(t, 30*time.Second, func() string {
		for _, a := range []struct{ iface, addr string }{{"eth0", "10.97.0.200/24"}, {"eth1", "10.98.0.5/24"}} {
			if out := n.h.Run(t, "ip", "-o", "addr", "show", "dev", a.iface); !strings.Contains(out, " "+a.addr+" ") {
				return fmt.Sprintf("%s not taken on %s:\n%s", a.addr, a.iface, out)
			}
		}
		return ""
	})

	// Every event each script handles, through ctdb event run.
	n.run("init")
	n.run("setup")
	n.run("startup")
	n.run("startrecovery")
	n.run("recovered")
	n.run("monitor")

	// takeip: the address goes on eth0, no firewall rule stays behind, and
	// 60.nfs asks for a reconfigure at the next ipreallocated.
	n.run("takeip", "eth0", "10.97.0.210", "24")
	n.expectAddr("eth0", "10.97.0.210/24", true)
	n.expectNoDropRule("10.97.0.210")
	flag := filepath.Join(n.vardir, "scripts", "service", "nfs-kernel-server", "need_reconfigure")
	if _, err := os.Stat(flag); err != nil {
		t.Errorf("60.nfs takeip did not set the reconfigure flag: %v", err)
	}
	n.run("ipreallocated")
	n.expectLog(`Reconfiguring service "nfs-kernel-server"...`)
	if _, err := os.Stat(flag); err == nil {
		t.Errorf("ipreallocated left the reconfigure flag %s", flag)
	}

	n.run("updateip", "eth0", "eth1", "10.97.0.210", "24")
	n.expectAddr("eth0", "10.97.0.210/24", false)
	n.expectAddr("eth1", "10.97.0.210/24", true)
	n.run("releaseip", "eth1", "10.97.0.210", "24")
	n.expectAddr("eth1", "10.97.0.210/24", false)
	n.expectNoDropRule("10.97.0.210")
	n.run("ipreallocated")

	// statd-callout, as rpc.statd and 60.nfs call it, storing through
	// ctdb ptrans into the persistent ctdb.tdb.
	n.statdCallout()

	// monitor catches what each script checks.
	n.failMonitor("50.samba", "samba not listening on TCP port 445", func() { n.closeListener() }, func() { n.listen() })
	n.failMonitor("50.samba", fmt.Sprintf(`ERROR: samba directory "%s" not available`, n.share),
		func() { mustRename(t, n.share, n.share+".gone") }, func() { mustRename(t, n.share+".gone", n.share) })
	n.failMonitor("60.nfs", fmt.Sprintf(`ERROR: nfs-kernel-server directory "%s" not available`, n.export),
		func() { mustRename(t, n.export, n.export+".gone") }, func() { mustRename(t, n.export+".gone", n.export) })
	n.failMonitor("49.winbind", "ERROR: wbinfo -p returned error", n.stubFlag("winbindd.fail", true), n.stubFlag("winbindd.fail", false))
	n.failMonitor("60.nfs", "ERROR: portmapper failed RPC check", n.stubFlag("rpc.fail", true), n.stubFlag("rpc.fail", false))
	n.failMonitor("10.interface", "ERROR: No link on the public network interface eth1",
		func() { n.h.Run(t, "ip", "link", "set", "dev", "eth1p", "down") }, func() { n.h.Run(t, "ip", "link", "set", "dev", "eth1p", "up") })
	n.run("monitor")

	// The commands the scripts use that this build may lack.
	n.probeCommands()

	// shutdown: the services are stopped, the public addresses dropped.
	n.logOff = len(n.c.Log(0))
	if out, errOut, code := n.c.Ctdb(0, "shutdown"); code != 0 {
		t.Errorf("ctdb shutdown: exit %d: %s%s", code, out, errOut)
	}
	eventually(t, 30*time.Second, func() string {
		if n.c.PID(0) != 0 && harness.Alive(n.c.PID(0)) {
			return "ctdbd still running"
		}
		return ""
	})
	for _, svc := range []string{"smbd", "winbind", "nfs-kernel-server"} {
		if _, err := os.Stat(filepath.Join(n.state, svc+".running")); err == nil {
			t.Errorf("shutdown left %s running (stub state)", svc)
		}
	}
	n.expectAddr("eth0", "10.97.0.200/24", false)

	if d := os.Getenv("CTDB_STOCK_LOG_COPY"); d != "" {
		_ = os.WriteFile(d, []byte(n.c.Log(0)), 0o644)
	}
	for _, b := range n.badLogLines() {
		t.Errorf("log: %s", b)
	}
	n.waitStatdCallouts()
	if after := snapshotTree(t, hostNFSDir); after != hostNFS {
		t.Errorf("the host's %s changed:\nbefore:\n%s\nafter:\n%s", hostNFSDir, hostNFS, after)
	}
}

func mustRename(t *testing.T, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

func setupStockNode(t *testing.T) *stockNode {
	t.Helper()
	nw := netns.New(t, 1)
	h := nw.Host(0)
	h.Run(t, "ip", "link", "add", "eth1", "type", "veth", "peer", "name", "eth1p")
	h.Run(t, "ip", "link", "set", "dev", "eth1p", "up")
	h.Run(t, "ip", "link", "set", "dev", "eth1", "up")

	dir := t.TempDir()
	n := &stockNode{t: t, h: h,
		stubs: filepath.Join(dir, "stubs"), state: filepath.Join(dir, "stubstate"), stubLg: filepath.Join(dir, "stub.log"),
		share: filepath.Join(dir, "share1"), export: filepath.Join(dir, "export1")}
	for _, d := range []string{n.stubs, n.state, n.share, n.export, filepath.Join(dir, "proc"), filepath.Join(dir, "helpers")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range stockStubs {
		writeExec(t, filepath.Join(n.stubs, name), "#!/bin/sh\n"+body)
	}
	smbConf := filepath.Join(dir, "smb.conf")
	writeFileT(t, smbConf, fmt.Sprintf("[global]\n\tsmb ports = 445\n[share1]\n\tpath = %s\n[macro]\n\tpath = /no/such/%%U\n", n.share))
	helpers := n.helperDir(t, filepath.Join(dir, "helpers"))
	n.helper = helpers
	_ = os.Remove(filepath.Join(helpers, "smnotify"))
	writeExec(t, filepath.Join(helpers, "smnotify"), "#!/bin/sh\n"+stockStubs["smnotify"])

	env := []string{"/usr/bin/env",
		"PATH=" + n.stubs + ":" + os.Getenv("PATH"),
		"CTDB_HELPER_BINDIR=" + helpers,
		"SMB_CONF_PATH=" + smbConf,
		"CTDB_NFS_EXPORTS_FILE=" + filepath.Join(dir, "etab-none"),
		"PROCFS_PATH=" + filepath.Join(dir, "proc"),
		"CTDB_PROBE_TIMEOUT=5",
		"STUB_LOG=" + n.stubLg, "STUB_STATE=" + n.state, "STUB_EXPORT=" + n.export,
	}
	// ctdbd, its event daemon and every script run in a private mount
	// namespace with a tmpfs over the host's NFS state directory, which
	// statd-callout's notify empties.
	private := privateNFSWrap()
	c := cluster(t, localcluster.Options{Nodes: 1, Addrs: []string{h.Addr.String()},
		PublicAddresses: "10.97.0.200/24 eth0\n10.98.0.5/24 eth1\n",
		Tunables:        map[string]uint32{"MonitorInterval": 3600},
		ExtraConf:       "[database]\n\tvolatile database directory = VAR/volatile\n\tpersistent database directory = VAR/persistent\n\tstate database directory = VAR/state\n",
		Wrap: func(i int, argv []string) []string {
			return append(append([]string(nil), env...), h.Command(private[0], append(private[1:], argv...)...).Args...)
		}})
	n.c = c
	n.vardir = c.VarDir(0)
	conf := filepath.Join(c.ConfigDir(0), "ctdb.conf")
	b, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	writeFileT(t, conf, strings.ReplaceAll(string(b), "VAR/", n.vardir+"/"))
	// As with CTDB, configured database directories must exist.
	for _, d := range []string{"volatile", "persistent", "state"} {
		if err := os.MkdirAll(filepath.Join(n.vardir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}

	// The node's scripts: only CTDB's, unmodified (symlinks).
	ev := filepath.Join(c.ConfigDir(0), "events.d")
	ents, _ := os.ReadDir(ev)
	for _, e := range ents {
		if err := os.Remove(filepath.Join(ev, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	legacy := filepath.Join(c.ConfigDir(0), "events", "legacy")
	if err := os.MkdirAll(legacy, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range stockScripts {
		if err := os.Symlink(filepath.Join(stockScriptDir, s+".script"), filepath.Join(legacy, s+".script")); err != nil {
			t.Fatal(err)
		}
	}
	// 60.nfs's companions, where it looks for them. statd-callout's
	// "notify" empties /var/lib/nfs/statd/sm: the daemon's private tmpfs.
	for _, f := range []string{"nfs-linux-kernel-callout", "nfs-checks.d", "statd-callout"} {
		if err := os.Symlink(filepath.Join(stockEtcDir, f), filepath.Join(c.ConfigDir(0), f)); err != nil {
			t.Fatal(err)
		}
	}
	n.listen()
	t.Cleanup(n.closeListener)
	start(t, c, 0)
	t.Cleanup(n.waitStatdCallouts)
	return n
}

// helperDir links the built binaries, ctdb-config among them, into dir.
func (n *stockNode) helperDir(t *testing.T, dir string) string {
	ents, err := os.ReadDir(binDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if err := os.Symlink(filepath.Join(binDir, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "ctdb-config")); err != nil {
		t.Fatalf("the build has no ctdb-config: %v", err)
	}
	return dir
}

func (n *stockNode) listen() {
	n.t.Helper()
	if err := n.h.Do(func() error {
		l, err := net.Listen("tcp", "0.0.0.0:445")
		n.ln = l
		return err
	}); err != nil {
		n.t.Fatalf("listen on 445 in the namespace: %v", err)
	}
	go func(l net.Listener) {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}(n.ln)
}

func (n *stockNode) closeListener() {
	if n.ln != nil {
		n.ln.Close()
		n.ln = nil
	}
}

func (n *stockNode) stubFlag(name string, on bool) func() {
	return func() {
		p := filepath.Join(n.state, name)
		if on {
			writeFileT(n.t, p, "")
		} else if err := os.Remove(p); err != nil {
			n.t.Fatal(err)
		}
	}
}

// run runs EVENT ARGS with ctdb event run; it must succeed.
func (n *stockNode) run(event string, args ...string) {
	n.t.Helper()
	n.logOff = len(n.c.Log(0))
	out, code := n.runRetried(event, args...)
	if code != 0 {
		st, _, _ := n.c.Ctdb(0, "event", "status", "legacy", event)
		n.t.Errorf("ctdb event run %s %s: exit %d: %s\nevent status:\n%s\nlog:\n%s", event, strings.Join(args, " "), code, out, st,
			n.c.Log(0)[n.logOff:])
	}
}

// exitCancelled is ctdb event run's exit code for a cancelled event.
const exitCancelled = 125

// runRetried runs EVENT ARGS with ctdb event run again while it gets
// cancelled: a takeover run of the daemon's own (after a monitor changed
// the node's health) cancels a running monitor, as in CTDB, and one run's
// takeip, releaseip and ipreallocated events can cancel several tries in a
// row. It tries every 100 ms for up to 30 s.
func (n *stockNode) runRetried(event string, args ...string) (string, int) {
	n.t.Helper()
	argv := append([]string{"event", "run", "60", "legacy", event}, args...)
	var out string
	code := exitCancelled
	poll.True(30*time.Second, 100*time.Millisecond, func() bool {
		o, errOut, c := n.c.Ctdb(0, argv...)
		out, code = o+errOut, c
		return code != exitCancelled
	})
	return out, code
}

// failMonitor breaks something, expects monitor to fail with want from
// script, and repairs it.
func (n *stockNode) failMonitor(script, want string, breakIt, repair func()) {
	n.t.Helper()
	breakIt()
	n.logOff = len(n.c.Log(0))
	out, code := n.runRetried("monitor")
	st, _, _ := n.c.Ctdb(0, "event", "status", "legacy", "monitor")
	repair()
	if code != 8 {
		n.t.Errorf("monitor: exit %d (%s), want 8 (failed), as %s should fail with %q\nevent status:\n%s", code, out, script, want, st)
		return
	}
	if !regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(script)+`\s+ERROR`).MatchString(st) || !strings.Contains(st, want) {
		n.t.Errorf("monitor: want %s ERROR with %q; event status:\n%s", script, want, st)
	}
}

func (n *stockNode) waitStub(line, what string) {
	n.t.Helper()
	eventually(n.t, 30*time.Second, func() string {
		b, _ := os.ReadFile(n.stubLg)
		if strings.Contains(string(b), line+"\n") {
			return ""
		}
		return fmt.Sprintf("%s: no %q in the stub log:\n%s\nctdbd log:\n%s", what, line, b, tail(n.c.Log(0), 40))
	})
}

func (n *stockNode) waitRunning(svc string) {
	n.t.Helper()
	eventually(n.t, 30*time.Second, func() string {
		if _, err := os.Stat(filepath.Join(n.state, svc+".running")); err != nil {
			return svc + " not started by the startup event"
		}
		return ""
	})
}

func (n *stockNode) expectAddr(iface, addr string, present bool) {
	n.t.Helper()
	out := n.h.Run(n.t, "ip", "-o", "addr", "show", "dev", iface)
	if strings.Contains(out, " "+addr+" ") != present {
		n.t.Errorf("%s on %s: present=%v, want %v:\n%s", addr, iface, !present, present, out)
	}
}

func (n *stockNode) expectNoDropRule(ip string) {
	n.t.Helper()
	out := n.h.Run(n.t, "iptables", "-S", "INPUT")
	if strings.Contains(out, ip) {
		n.t.Errorf("a firewall rule for %s stayed:\n%s", ip, out)
	}
}

// expectLog wants s in the log written since the current step began.
func (n *stockNode) expectLog(s string) {
	n.t.Helper()
	if l := n.c.Log(0); !strings.Contains(l[n.logOff:], s) {
		n.t.Errorf("log lacks %q; since the step began:\n%s", s, l[n.logOff:])
	}
}

// probeCommands runs each ctdb command the stock scripts and functions use,
// the way they use it, and fails the test for any this build does not know.
func (n *stockNode) probeCommands() {
	for _, argv := range [][]string{
		{"pnn"}, {"-X", "nodestatus"}, {"-X", "ifaces"}, {"ip"}, {"ip", "all"}, {"ip", "-X"}, {"-X", "ip"},
		{"gratarp", "10.97.0.1", "eth0"}, {"setifacelink", "eth0", "up"}, {"checktcpport", "445"},
		{"-X", "gettickles", "10.97.0.200", "2049"}, {"addtickle"}, {"deltickle"}, {"tickle"},
		{"process-exists", "1"}, {"attach", "ctdb.tdb", "persistent"}, {"ptrans", "ctdb.tdb"}, {"catdb", "ctdb.tdb"},
	} {
		// Inside the namespace, as the scripts run them (gratarp sends,
		// checktcpport binds).
		cmd := n.h.Command(filepath.Join(binDir, "ctdb"), argv...)
		cmd.Env = n.c.Env(0)
		b, err := cmd.CombinedOutput()
		all, code := string(b), cmd.ProcessState.ExitCode()
		if err != nil && cmd.ProcessState == nil {
			n.t.Fatalf("ctdb %v: %v", argv, err)
		}
		if strings.Contains(all, "Unknown command") || strings.Contains(all, "Usage") || strings.Contains(all, "usage") {
			first, _, _ := strings.Cut(strings.TrimSpace(all), "\n")
			n.t.Errorf("ctdb %s: exit %d: %s", strings.Join(argv, " "), code, first)
		}
	}
}

// badLogLines are the log lines that show a script calling something
// missing or misusing a command.
func (n *stockNode) badLogLines() []string {
	var bad []string
	seen := map[string]bool{}
	re := regexp.MustCompile(`not found|Unknown command|[Uu]sage`)
	stamp := regexp.MustCompile(`^\S+ \S+ (\S+?)\[\d+\]: `)
	// The tool's usage text after "Unknown command 'X'" belongs to that
	// line and is not reported again.
	afterUnknown := map[string]bool{}
	for _, l := range strings.Split(n.c.Log(0), "\n") {
		k := stamp.ReplaceAllString(l, "$1: ")
		script, msg, _ := strings.Cut(strings.TrimPrefix(k, "ctdb-eventd: "), ": ")
		if afterUnknown[script] && strings.HasPrefix(msg, "Usage: ctdb ") {
			afterUnknown[script] = false
			continue
		}
		afterUnknown[script] = strings.HasPrefix(msg, "Unknown command ")
		if !re.MatchString(l) {
			continue
		}
		if !seen[k] {
			seen[k] = true
			bad = append(bad, k)
		}
	}
	return bad
}

func writeExec(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
}

func writeFileT(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ctdb_check_directories on a frozen cluster filesystem: the share check
// fails after the probe timeout instead of blocking, and passes again
// after the thaw.
func TestCheckDirectoriesHungFilesystem(t *testing.T) {
	fs, mnt := mountHangfs(t)
	share := filepath.Join(mnt, "share")
	if err := os.Mkdir(share, 0o755); err != nil {
		t.Fatal(err)
	}
	vardir := t.TempDir()
	check := func() (string, error, time.Duration) {
		cmd := exec.Command("sh", "-c", `. "$CTDB_BASE/functions"; echo "$1" | ctdb_check_directories`, "50.samba", share)
		cmd.Env = append(os.Environ(), "CTDB_BASE="+srcDir, "CTDB_VARDIR="+vardir, "CTDB_HELPER_BINDIR="+binDir,
			"CTDB_PROBE_TIMEOUT=1")
		began := time.Now()
		out, err := cmd.CombinedOutput()
		return string(out), err, time.Since(began)
	}
	if out, err, _ := check(); err != nil {
		t.Fatalf("before the freeze: %v: %s", err, out)
	}
	fs.Freeze()
	t.Cleanup(fs.Thaw)
	for i := 0; i < 3; i++ {
		out, err, took := check()
		if err == nil || !strings.Contains(out, `ERROR: samba directory "`+share+`" not available`) {
			t.Fatalf("frozen, check %d: %v: %q", i, err, out)
		}
		if took > 4*time.Second {
			t.Fatalf("frozen, check %d took %v (probe timeout 1 s)", i, took)
		}
	}
	// One worker is stuck in the kernel on the frozen mount; later checks
	// did not start another.
	if n := probeWorkers(share); n != 1 {
		t.Fatalf("%d probe workers stuck on %s, want exactly 1", n, share)
	}
	fs.Thaw()
	eventually(t, 10*time.Second, func() string {
		if out, err, _ := check(); err != nil {
			return fmt.Sprintf("after the thaw: %v: %s", err, out)
		}
		return ""
	})
}

// Scripts get CTDB's environment, with $CTDB our own tool, and functions'
// node helpers answer through it.
func TestScriptEnvironment(t *testing.T) {
	t.Parallel() // independent: own namespaces, temp dirs and ports (see README, Tests)
	c := cluster(t, localcluster.Options{Scripts: []string{"00.ctdb"}, Tunables: map[string]uint32{"MonitorInterval": 3600}})
	out := filepath.Join(c.Base, "env.out")
	// The leader's own takeover run after the node turns RUNNING also
	// runs ipreallocated, possibly just after ours: the file is replaced
	// whole, so that a read never sees it truncated by the next run.
	addScript(t, c, 0, "90.env", fmt.Sprintf(`. "$CTDB_BASE/functions"
[ "$1" = ipreallocated ] || exit 0
{
	env | grep '^CTDB' | sort
	echo "pnn=$(ctdb_get_pnn) ip=$(ctdb_get_ip_address) tool=$($CTDB pnn)"
} >%[1]s.tmp && mv %[1]s.tmp %[1]s
`, out), 0o755)
	start(t, c, 0)
	waitRunning(t, c, 0)
	ctdb(t, c, 0, "event", "run", "legacy", "ipreallocated")
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{
		"CTDB=" + filepath.Join(binDir, "ctdb") + "\n",
		"CTDB_BASE=" + c.ConfigDir(0) + "\n",
		"CTDB_HELPER_BINDIR=" + binDir + "\n",
		"CTDB_LOGGING=file:" + c.LogFile(0) + "\n",
		"CTDB_PNN=0\n",
		"CTDB_SCRIPT_VARDIR=" + filepath.Join(c.VarDir(0), "scripts") + "\n",
		"CTDB_SOCKET=" + c.Socket(0) + "\n",
		"CTDB_VARDIR=" + c.VarDir(0) + "\n",
		"pnn=0 ip=127.0.0.1 tool=0\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("script environment lacks %q:\n%s", want, got)
		}
	}
}
