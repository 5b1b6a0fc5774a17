package tests

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/localcluster"
	"github.com/ctdb-go/ctdb/tests/harness"
	"github.com/ctdb-go/ctdb/tests/netns"
)

// NFS with NFS-Ganesha as the real server: this kernel has no nfsd (and no
// NFS client), but Ganesha runs in user space. It serves NFSv4 only, so it
// needs no rpcbind (which would share /run/rpcbind.sock with the host). The
// client is a minimal NFSv4.0 COMPOUND over TCP written here (PUTROOTFH,
// LOOKUP, LOOKUP, READ), so every read really goes through Ganesha.

const nfsPrefix = "10.97.6."

// ganeshaServiceStub is service(8) for the test nodes: "nfs-ganesha" is the
// node's ganesha.nfsd, stopped by the PID in its pid file.
const ganeshaServiceStub = `#!/bin/sh
echo "$(date +%s.%N) service $*" >>"$GANESHA_TEST_SVCLOG"
[ "$1" = nfs-ganesha ] || { echo "service: no service $1 on this test node" >&2; exit 1; }
pid=""
[ -r "$GANESHA_TEST_PIDFILE" ] && read -r pid <"$GANESHA_TEST_PIDFILE"
running () { [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }
case "$2" in
start)
	running && exit 0
	exec ganesha.nfsd -f "$GANESHA_TEST_CONF" -L "$GANESHA_TEST_LOG" -p "$GANESHA_TEST_PIDFILE" -N NIV_EVENT
	;;
stop)
	running || exit 0
	kill "$pid"
	n=0
	while running; do
		n=$((n + 1))
		if [ "$n" -eq 100 ]; then kill -9 "$pid"; fi
		[ "$n" -lt 150 ] || exit 1
		sleep 0.05
	done
	;;
status) running ;;
*) exit 1 ;;
esac
`

type nfsCluster struct {
	*localcluster.Cluster
	t      *testing.T
	hosts  []*netns.Host
	client *netns.Host
	public []netip.Addr
	dir    string
}

func (n *nfsCluster) nodeDir(i int) string { return filepath.Join(n.dir, fmt.Sprintf("ganesha%d", i)) }
func (n *nfsCluster) pidFile(i int) string { return filepath.Join(n.nodeDir(i), "ganesha.pid") }
func (n *nfsCluster) nodeEnv(i int) []string {
	d := n.nodeDir(i)
	return []string{
		"PATH=" + filepath.Join(n.dir, "stubs") + ":" + os.Getenv("PATH"),
		"GANESHA_TEST_CONF=" + filepath.Join(d, "ganesha.conf"),
		"GANESHA_TEST_PIDFILE=" + n.pidFile(i),
		"GANESHA_TEST_LOG=" + filepath.Join(d, "ganesha.log"),
		"GANESHA_TEST_SVCLOG=" + filepath.Join(d, "service.log"),
	}
}

func (n *nfsCluster) ganeshaPid(i int) int { return harness.PidFromFile(n.pidFile(i)) }

func (n *nfsCluster) stopGanesha(i int) {
	pid := n.ganeshaPid(i)
	if pid == 0 {
		return
	}
	syscall.Kill(pid, syscall.SIGKILL)
	harness.WaitGone([]int{pid}, 5*time.Second)
}

func newNFSCluster(t *testing.T, nodes, public int, interval uint32) *nfsCluster {
	t.Helper()
	for _, p := range []string{"/usr/bin/ganesha.nfsd", "/usr/lib/x86_64-linux-gnu/ganesha/libfsalvfs.so", "/usr/sbin/rpcinfo"} {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s missing (tests/setup/machine.sh installs nfs-ganesha, nfs-ganesha-vfs, rpcbind)", p)
			}
			t.Skipf("%s missing (tests/setup/machine.sh installs nfs-ganesha, nfs-ganesha-vfs, rpcbind)", p)
		}
	}
	nw := netns.New(t, nodes)
	hosts := nw.Hosts()
	client := nw.AddHost("client")
	client.Run(t, "ip", "addr", "add", nfsPrefix+"200/24", "dev", client.Iface)
	dir := t.TempDir()
	n := &nfsCluster{t: t, hosts: hosts, client: client, dir: dir}
	export := filepath.Join(dir, "export")
	for _, d := range []string{export, filepath.Join(dir, "stubs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFileT(t, filepath.Join(export, sambaFile), sambaContent)
	writeExec(t, filepath.Join(dir, "stubs", "service"), ganeshaServiceStub)
	for _, g := range []string{"killall", "pkill", "pidof"} {
		writeExec(t, filepath.Join(dir, "stubs", g), strings.ReplaceAll(sambaGuardStub, "SAMBA_TEST_SVCLOG", "GANESHA_TEST_SVCLOG"))
	}
	var pub strings.Builder
	for k := 0; k < public; k++ {
		a := netip.MustParseAddr(fmt.Sprintf("%s%d", nfsPrefix, 101+k))
		n.public = append(n.public, a)
		fmt.Fprintf(&pub, "%s/24 eth0\n", a)
	}
	var addrs []string
	for _, h := range hosts {
		addrs = append(addrs, h.Addr.String())
	}
	c := cluster(t, localcluster.Options{Nodes: nodes, Addrs: addrs, Scripts: []string{"00.ctdb", "06.nfs", "10.interface", "60.nfs"},
		Tunables:        map[string]uint32{"KeepaliveInterval": 1, "KeepaliveLimit": 3, "MonitorInterval": interval},
		PublicAddresses: pub.String(),
		Wrap: func(i int, argv []string) []string {
			return append(append([]string{"/usr/bin/env"}, n.nodeEnv(i)...), hosts[i].Command(argv[0], argv[1:]...).Args...)
		}})
	n.Cluster = c
	for i := 0; i < nodes; i++ {
		d := n.nodeDir(i)
		if err := os.MkdirAll(filepath.Join(d, "recov"), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFileT(t, filepath.Join(d, "ganesha.conf"), fmt.Sprintf(`NFS_CORE_PARAM { Protocols = 4; NFS_Port = 2049; Enable_NLM = false; Enable_RQUOTA = false; }
NFSV4 { Graceless = true; RecoveryBackend = fs; RecoveryRoot = %s/recov; }
NFS_KRB5 { Active_krb5 = false; }
EXPORT {
	Export_Id = 1;
	Path = "%s";
	Pseudo = /exp;
	Access_Type = RO;
	Squash = No_root_squash;
	SecType = sys;
	FSAL { Name = VFS; }
}
`, d, export))
		etc := c.ConfigDir(i)
		copyTree(t, filepath.Join(srcDir, "etc", "nfs-checks-ganesha.d"), filepath.Join(etc, "nfs-checks-ganesha.d"))
		b, err := os.ReadFile(filepath.Join(srcDir, "etc", "nfs-ganesha-callout"))
		if err != nil {
			t.Fatal(err)
		}
		writeExec(t, filepath.Join(etc, "nfs-ganesha-callout"), string(b))
		writeFileT(t, filepath.Join(etc, "script.options"), fmt.Sprintf(`CTDB_NFS_CALLOUT="$CTDB_BASE/nfs-ganesha-callout"
CTDB_NFS_CHECKS_DIR="$CTDB_BASE/nfs-checks-ganesha.d"
CTDB_NFS_GANESHA_CONF=%s/ganesha.conf
CTDB_NFS_GANESHA_PIDFILE=%s
`, d, n.pidFile(i)))
	}
	t.Cleanup(func() {
		for i := 0; i < nodes; i++ {
			n.stopGanesha(i)
		}
	})
	startAll(t, c)
	return n
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		writeFileT(t, filepath.Join(to, e.Name()), string(b))
	}
}

func (n *nfsCluster) holders() map[netip.Addr][]int { return harness.HoldersOf(n.hosts, nfsPrefix) }

func (n *nfsCluster) read(a netip.Addr, timeout time.Duration) error {
	var data []byte
	err := n.client.Do(func() error {
		var err error
		data, err = nfs4Read(netip.AddrPortFrom(a, 2049).String(), []string{"exp", sambaFile}, timeout)
		return err
	})
	if err != nil {
		return fmt.Errorf("NFS read through %s: %v", a, err)
	}
	if string(data) != sambaContent {
		return fmt.Errorf("NFS read through %s: got %q", a, data)
	}
	return nil
}

func (n *nfsCluster) readAll() string {
	for _, a := range n.public {
		if err := n.read(a, 3*time.Second); err != nil {
			return err.Error()
		}
	}
	return ""
}

// TestNFSGanesha: our 60.nfs and 06.nfs with the NFS-Ganesha callout and
// checks, on real Ganesha servers. Killing Ganesha on the node that hosts
// an address makes that node UNHEALTHY within two monitor intervals and
// moves its address; the file is read through it again; Ganesha restarted,
// the node is OK.
func TestNFSGanesha(t *testing.T) {
	const interval = 2
	n := newNFSCluster(t, 2, 2, interval)
	waitConverged(t, n.Cluster, seq(2), allOK(2), 40*time.Second)
	eventually(t, 20*time.Second, func() string {
		h := n.holders()
		for _, a := range n.public {
			if len(h[a]) != 1 {
				return fmt.Sprintf("%s on nodes %v", a, h[a])
			}
		}
		return ""
	})
	eventually(t, 20*time.Second, n.readAll)

	victim := n.holders()[n.public[0]][0]
	var moved []netip.Addr
	for _, a := range n.public {
		if n.holders()[a][0] == victim {
			moved = append(moved, a)
		}
	}
	pid := n.ganeshaPid(victim)
	if pid == 0 {
		t.Fatalf("node %d runs no ganesha.nfsd", victim)
	}
	t0, unhealthy := killUntilUnhealthy(t, n.Cluster, victim, pid, "Ganesha", interval)
	// Either the callout's monitor-post (the pid is gone) or, when Ganesha
	// was still dying at the first run, the second failed NFS check.
	if st, _, _ := n.Ctdb(victim, "event", "status", "legacy", "monitor"); !strings.Contains(st, "nfs-ganesha is not running") &&
		!strings.Contains(st, `ERROR: monitoring service "nfs" failed`) {
		t.Errorf("monitor status does not say why:\n%s", st)
	}
	for _, a := range moved {
		eventually(t, 30*time.Second, func() string {
			if h := n.holders()[a]; len(h) != 1 || h[0] == victim {
				return fmt.Sprintf("%s on %v", a, h)
			}
			if err := n.read(a, time.Second); err != nil {
				return err.Error()
			}
			return ""
		})
		t.Logf("ganesha.nfsd killed on node %d: UNHEALTHY after %.2f s; NFS outage on %s %.2f s", victim, unhealthy.Seconds(), a, time.Since(t0).Seconds())
	}

	cmd := append(append([]string{"/usr/bin/env"}, n.nodeEnv(victim)...), n.hosts[victim].Command("service", "nfs-ganesha", "start").Args...)
	if out, err := exec.Command(cmd[0], cmd[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("service nfs-ganesha start: %v\n%s", err, out)
	}
	waitFlags(t, n.Cluster, victim, "OK", 4*interval*time.Second)
	waitConverged(t, n.Cluster, seq(2), allOK(2), 20*time.Second)
	eventually(t, 20*time.Second, n.readAll)
}

// TestNFSChecks: 60.nfs's service checks through a stubbed rpcinfo, as
// CTDB's own script tests do: unhealthy_after counts failures in a row,
// restart_every restarts through the commands given, a hanging rpcinfo is
// a failed check within CTDB_NFS_CHECK_TIMEOUT, and a bad setting names the
// file and line.
func TestNFSChecks(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "etc")
	checks := filepath.Join(base, "nfs-checks.d")
	stubs := filepath.Join(dir, "stubs")
	for _, d := range []string{checks, stubs, filepath.Join(dir, "var")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(srcDir, "functions"))
	if err != nil {
		t.Fatal(err)
	}
	writeFileT(t, filepath.Join(base, "functions"), string(b))
	// The stub answers unless $STATE/fail.PROG exists; $STATE/hang.PROG
	// makes it hang.
	writeExec(t, filepath.Join(stubs, "rpcinfo"), `#!/bin/sh
echo "rpcinfo $*" >>"$STATE/calls"
prog="$4"
[ -e "$STATE/hang.$prog" ] && exec sleep 60
if [ -e "$STATE/fail.$prog" ]; then echo "rpcinfo: RPC: Program not registered"; exit 1; fi
echo "program $prog version ${5:-all} ready and waiting"
`)
	writeExec(t, filepath.Join(base, "callout"), `#!/bin/sh
echo "callout $*" >>"$STATE/calls"
case "$1" in register) echo monitor-list-shares; echo stop; echo start ;; monitor-list-shares) echo "$EXPORT" ;; esac
`)
	writeFileT(t, filepath.Join(checks, "10.status.check"), "version=\"1\"\nunhealthy_after=2\n")
	writeFileT(t, filepath.Join(checks, "20.nfs.check"), "version=\"3 4\"\nfamily=\"tcp udp\"\nunhealthy_after=3\nrestart_every=2\n"+
		"service_stop_cmd=\"$CTDB_NFS_CALLOUT stop nfs\"\nservice_start_cmd=\"$CTDB_NFS_CALLOUT start nfs\"\n")
	script := filepath.Join(srcDir, "events.d", "60.nfs")
	monitor := func() (string, int) {
		cmd := exec.Command("sh", script, "monitor")
		cmd.Env = append(os.Environ(), "CTDB_BASE="+base, "CTDB_VARDIR="+filepath.Join(dir, "var"),
			"CTDB_SCRIPT_VARDIR="+filepath.Join(dir, "var", "scripts"), "CTDB_HELPER_BINDIR="+binDir,
			"PATH="+stubs+":"+os.Getenv("PATH"), "STATE="+dir, "EXPORT="+dir, "CTDB_NFS_CALLOUT="+filepath.Join(base, "callout"),
			"CTDB_NFS_CHECK_TIMEOUT=1", "CTDB="+filepath.Join(binDir, "ctdb"), "CTDB_SOCKET="+filepath.Join(dir, "nosocket"))
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(interface{ ExitCode() int }); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	expect := func(step string, wantCode int, want ...string) {
		t.Helper()
		out, code := monitor()
		if code != wantCode {
			t.Fatalf("%s: exit %d, want %d:\n%s", step, code, wantCode, out)
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Fatalf("%s: output lacks %q:\n%s", step, w, out)
			}
		}
	}
	calls := func() string { b, _ := os.ReadFile(filepath.Join(dir, "calls")); return string(b) }

	expect("all answer", 0)
	for _, w := range []string{"rpcinfo -T tcp 127.0.0.1 status 1", "rpcinfo -T udp 127.0.0.1 nfs 4", "callout monitor-list-shares"} {
		if !strings.Contains(calls(), w+"\n") {
			t.Fatalf("no %q among the calls:\n%s", w, calls())
		}
	}
	writeFileT(t, filepath.Join(dir, "fail.status"), "")
	expect("status fails once", 0)
	expect("status fails twice", 1, "ERROR: status failed RPC check:", "Program not registered")
	os.Remove(filepath.Join(dir, "fail.status"))
	expect("status answers again", 0)

	writeFileT(t, filepath.Join(dir, "fail.nfs"), "")
	expect("nfs fails once", 0)
	expect("nfs fails twice: restart", 0, "WARNING: nfs failed RPC check:", `Restarting service "nfs" after 2 failed checks`)
	eventually(t, 5*time.Second, func() string {
		if !strings.Contains(calls(), "callout stop nfs\n") || !strings.Contains(calls(), "callout start nfs\n") {
			return "no restart through the callout:\n" + calls()
		}
		return ""
	})
	expect("nfs fails three times", 1, "ERROR: nfs failed RPC check:")
	os.Remove(filepath.Join(dir, "fail.nfs"))
	expect("nfs answers again", 0)

	writeFileT(t, filepath.Join(dir, "hang.status"), "")
	t0 := time.Now()
	expect("status hangs once", 0)
	expect("status hangs twice", 1, "did not finish within 1s")
	if d := time.Since(t0); d > 5*time.Second {
		t.Errorf("two monitor runs with a hanging rpcinfo took %v (check timeout 1 s)", d)
	}
	os.Remove(filepath.Join(dir, "hang.status"))
	expect("status answers after the hang", 0)

	writeFileT(t, filepath.Join(checks, "30.bad.check"), "# comment\n\nversion=1\nsevrice_check_cmd=true\n")
	expect("bad setting", 1, filepath.Join(checks, "30.bad.check")+`:4: unknown setting "sevrice_check_cmd" for bad`)
}

// nfs4Read reads the file at path (components below the pseudo root) from
// the NFSv4.0 server at addr with one COMPOUND: PUTROOTFH, LOOKUP...,
// READ with the anonymous stateid, AUTH_SYS as root.
func nfs4Read(addr string, path []string, timeout time.Duration) ([]byte, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	var b bytes.Buffer
	u32 := func(v uint32) { binary.Write(&b, binary.BigEndian, v) }
	opaque := func(p []byte) {
		u32(uint32(len(p)))
		b.Write(p)
		b.Write(make([]byte, (4-len(p)%4)%4))
	}
	xid := uint32(time.Now().UnixNano())
	u32(xid)
	u32(0)      // CALL
	u32(2)      // RPC version
	u32(100003) // NFS
	u32(4)      // version 4
	u32(1)      // COMPOUND
	var cred bytes.Buffer
	binary.Write(&cred, binary.BigEndian, []uint32{0, 0, 0, 0, 0}) // stamp, machine name "", uid 0, gid 0, no gids
	u32(1)                                                         // AUTH_SYS
	opaque(cred.Bytes())
	u32(0) // verifier AUTH_NONE
	u32(0)
	opaque(nil) // tag
	u32(0)      // minor version
	u32(uint32(2 + len(path)))
	u32(24) // PUTROOTFH
	for _, p := range path {
		u32(15) // LOOKUP
		opaque([]byte(p))
	}
	u32(25)                   // READ
	b.Write(make([]byte, 16)) // anonymous stateid: seqid 0, other 0
	binary.Write(&b, binary.BigEndian, uint64(0))
	u32(65536)
	msg := b.Bytes()
	hdr := make([]byte, 4)
	binary.BigEndian.PutUint32(hdr, 0x80000000|uint32(len(msg)))
	if _, err := c.Write(append(hdr, msg...)); err != nil {
		return nil, err
	}
	r := bufio.NewReader(c)
	var reply []byte
	for {
		if _, err := io.ReadFull(r, hdr); err != nil {
			return nil, err
		}
		n := binary.BigEndian.Uint32(hdr)
		frag := make([]byte, n&0x7fffffff)
		if _, err := io.ReadFull(r, frag); err != nil {
			return nil, err
		}
		reply = append(reply, frag...)
		if n&0x80000000 != 0 {
			break
		}
	}
	d := &xdrReader{b: reply}
	if d.u32() != xid || d.u32() != 1 {
		return nil, fmt.Errorf("not a reply to our call")
	}
	if st := d.u32(); st != 0 {
		return nil, fmt.Errorf("RPC call denied (%d)", st)
	}
	d.u32() // verifier flavour
	d.opaque()
	if st := d.u32(); st != 0 {
		return nil, fmt.Errorf("RPC accept status %d", st)
	}
	status := d.u32()
	d.opaque() // tag
	n := d.u32()
	for i := uint32(0); i < n && d.err == nil; i++ {
		op, st := d.u32(), d.u32()
		if st != 0 {
			return nil, fmt.Errorf("NFS4 operation %d failed with status %d", op, st)
		}
		if op == 25 {
			d.u32() // eof
			return d.opaque(), d.err
		}
	}
	return nil, fmt.Errorf("COMPOUND status %d without a READ result (%v)", status, d.err)
}

type xdrReader struct {
	b   []byte
	err error
}

func (x *xdrReader) u32() uint32 {
	if len(x.b) < 4 {
		x.err = io.ErrUnexpectedEOF
		return 0
	}
	v := binary.BigEndian.Uint32(x.b)
	x.b = x.b[4:]
	return v
}

func (x *xdrReader) opaque() []byte {
	n := int(x.u32())
	p := n + (4-n%4)%4
	if x.err != nil || len(x.b) < p {
		x.err = io.ErrUnexpectedEOF
		return nil
	}
	v := x.b[:n]
	x.b = x.b[p:]
	return v
}

// TestWinbindScript: 49.winbind with a stubbed wbinfo and service(8) (the
// winbind package is not on this machine): startup restarts winbind
// through the service manager, monitor fails when wbinfo -p fails and,
// within CTDB_WINBIND_PING_TIMEOUT, when it hangs; shutdown stops it.
func TestWinbindScript(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "etc")
	stubs := filepath.Join(dir, "stubs")
	for _, d := range []string{base, stubs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(srcDir, "functions"))
	if err != nil {
		t.Fatal(err)
	}
	writeFileT(t, filepath.Join(base, "functions"), string(b))
	writeFileT(t, filepath.Join(base, "script.options"), "CTDB_WINBIND_PING_TIMEOUT=1\n")
	writeExec(t, filepath.Join(stubs, "service"), "#!/bin/sh\necho \"service $*\" >>\"$STATE/calls\"\n")
	writeExec(t, filepath.Join(stubs, "wbinfo"), `#!/bin/sh
echo "wbinfo $*" >>"$STATE/calls"
[ -e "$STATE/hang" ] && exec sleep 60
[ -e "$STATE/fail" ] && { echo "could not ping winbindd!"; exit 1; }
echo "Ping to winbindd succeeded"
`)
	run := func(event string) (string, int, time.Duration) {
		cmd := exec.Command("sh", filepath.Join(srcDir, "events.d", "49.winbind"), event)
		cmd.Env = append(os.Environ(), "CTDB_BASE="+base, "CTDB_VARDIR="+filepath.Join(dir, "var"),
			"CTDB_SCRIPT_VARDIR="+filepath.Join(dir, "var", "scripts"), "PATH="+stubs+":"+os.Getenv("PATH"), "STATE="+dir)
		t0 := time.Now()
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code, time.Since(t0)
	}
	calls := func() string { b, _ := os.ReadFile(filepath.Join(dir, "calls")); return string(b) }

	if out, code, _ := run("startup"); code != 0 || calls() != "service winbind stop\nservice winbind start\n" {
		t.Fatalf("startup: exit %d: %s; calls:\n%s", code, out, calls())
	}
	if out, code, _ := run("monitor"); code != 0 {
		t.Fatalf("monitor: exit %d: %s", code, out)
	}
	writeFileT(t, filepath.Join(dir, "fail"), "")
	if out, code, _ := run("monitor"); code != 1 || !strings.Contains(out, "ERROR: \"wbinfo -p\" failed:\ncould not ping winbindd!") {
		t.Fatalf("monitor, wbinfo failing: exit %d: %q", code, out)
	}
	os.Remove(filepath.Join(dir, "fail"))
	writeFileT(t, filepath.Join(dir, "hang"), "")
	out, code, took := run("monitor")
	if code != 1 || !strings.Contains(out, `winbindd did not answer "wbinfo -p" within 1s`) || took > 3*time.Second {
		t.Fatalf("monitor, wbinfo hanging: exit %d after %v: %q", code, took, out)
	}
	os.Remove(filepath.Join(dir, "hang"))
	if out, code, _ := run("shutdown"); code != 0 || !strings.HasSuffix(calls(), "service winbind stop\n") {
		t.Fatalf("shutdown: exit %d: %s; calls:\n%s", code, out, calls())
	}
	writeFileT(t, filepath.Join(base, "script.options"), "CTDB_WINBIND_PING_TIMEOUT=soon\n")
	if out, code, _ := run("monitor"); code == 0 || !strings.Contains(out, `CTDB_WINBIND_PING_TIMEOUT="soon" is not a positive integer`) {
		t.Fatalf("bad option: exit %d: %q", code, out)
	}
}
