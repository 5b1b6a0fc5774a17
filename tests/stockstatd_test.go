package tests

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ctdb-go/ctdb/tests/harness"
)

// hostNFSDir is the host's NFS state directory. statd-callout's notify
// empties statd/sm and statd/sm.bak under it; the stock node's daemon and
// scripts see a private tmpfs there instead.
const hostNFSDir = "/var/lib/nfs"

// privateNFSWrap is a command prefix that runs its arguments in a new
// mount namespace (propagation private: nothing mounted leaks to the
// host) with a tmpfs over hostNFSDir, or over its parent when the host has
// no hostNFSDir (so that nothing is created on the host's disk).
func privateNFSWrap() []string {
	target, mk := hostNFSDir, ""
	if _, err := os.Stat(hostNFSDir); err != nil {
		target, mk = filepath.Dir(hostNFSDir), hostNFSDir+" "
	}
	script := fmt.Sprintf(`mount -t tmpfs -o mode=0755 ctdb-stocktest %s &&
mkdir -p %s%s/statd/sm %s/statd/sm.bak && exec "$@"`, target, mk, hostNFSDir, hostNFSDir)
	return []string{"unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"}
}

// snapshotTree lists dir's entries with mode, size and modification time.
// The ganesha directory is left out: NFS-Ganesha tests of others own it.
func snapshotTree(t interface{ Fatal(...any) }, dir string) string {
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p == filepath.Join(dir, "ganesha") {
			return filepath.SkipDir
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		lines = append(lines, fmt.Sprintf("%s %v %d %d", p, fi.Mode(), fi.Size(), fi.ModTime().UnixNano()))
		return nil
	})
	if os.IsNotExist(err) {
		return "absent"
	}
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// statdRunning lists the PIDs of this node's statd-callout processes (60.nfs
// runs "notify" in the background).
func (n *stockNode) statdRunning() []int {
	self := filepath.Join(n.c.ConfigDir(0), "statd-callout")
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), self+"\x00") {
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitStatdCallouts waits until no statd-callout of this node runs; one
// still running after 15 s is killed by PID and reported.
func (n *stockNode) waitStatdCallouts() {
	var pids []int
	if harness.Until(15*time.Second, 50*time.Millisecond, func() string {
		if pids = n.statdRunning(); len(pids) > 0 {
			return fmt.Sprint(pids)
		}
		return ""
	}) == nil {
		return
	}
	for _, p := range pids {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
	n.t.Errorf("statd-callout still running after 15 s (PIDs %v), killed", pids)
}

// inDaemonNS runs argv in the daemon's network and mount namespaces: the
// private NFS state directory the scripts see.
func (n *stockNode) inDaemonNS(env []string, argv ...string) (string, int) {
	n.t.Helper()
	pid := n.c.PID(0)
	if pid == 0 {
		n.t.Fatal("ctdbd has no PID file")
	}
	cmd := exec.Command("nsenter", append([]string{"-t", strconv.Itoa(pid), "--mount", "--net", "--"}, argv...)...)
	cmd.Env = env
	b, err := cmd.CombinedOutput()
	if cmd.ProcessState == nil {
		n.t.Fatalf("%v: %v", argv, err)
	}
	return string(b), cmd.ProcessState.ExitCode()
}

// statd runs the stock statd-callout with ARGS as rpc.statd runs its HA
// callout, with the node's CTDB variables (a relocated state directory,
// our ctdb tool and socket); it must succeed and print no error.
func (n *stockNode) statd(args ...string) string {
	n.t.Helper()
	env := append(n.c.Env(0),
		"PATH="+n.stubs+":"+os.Getenv("PATH"),
		"CTDB="+filepath.Join(binDir, "ctdb"),
		"CTDB_HELPER_BINDIR="+n.helper,
		"CTDB_VARDIR="+n.vardir,
		"CTDB_SCRIPT_VARDIR="+filepath.Join(n.vardir, "scripts"),
		"STUB_LOG="+n.stubLg, "STUB_STATE="+n.state, "STUB_EXPORT="+n.export)
	out, code := n.inDaemonNS(env, append([]string{filepath.Join(n.c.ConfigDir(0), "statd-callout")}, args...)...)
	if code != 0 || regexp.MustCompile(`not found|Unknown command|[Uu]sage|rror`).MatchString(out) {
		n.t.Errorf("statd-callout %s: exit %d:\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

func (n *stockNode) ctdbOut(args ...string) string {
	n.t.Helper()
	out, errOut, code := n.c.Ctdb(0, args...)
	if code != 0 || errOut != "" {
		n.t.Errorf("ctdb %s: exit %d: %s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// statdCallout drives CTDB's statd-callout through add-client, del-client,
// update and notify against the running daemon and checks what lands in
// the persistent ctdb.tdb, what it notifies and what it deletes.
func (n *stockNode) statdCallout() {
	t := n.t
	// The daemon's own ipreallocated runs notify in the background.
	n.waitStatdCallouts()
	// The scripts' NFS state directory is the private tmpfs, which the
	// host does not see.
	if out, _ := n.inDaemonNS(nil, "findmnt", "-n", "-o", "SOURCE,FSTYPE", "-T", hostNFSDir); strings.TrimSpace(out) != "ctdb-stocktest tmpfs" {
		t.Fatalf("the daemon's %s is not its private tmpfs: %q", hostNFSDir, out)
	}
	if b, err := os.ReadFile("/proc/self/mountinfo"); err != nil || strings.Contains(string(b), "ctdb-stocktest") {
		t.Fatalf("the private tmpfs shows in the host's mount table (%v):\n%s", err, b)
	}
	state := filepath.Join(n.vardir, "scripts", "service", "nfs", "statd-callout")
	hosted := []string{"10.97.0.200", "10.98.0.5"}
	key := func(sip, cip string) string { return "statd-state@" + sip + "@" + cip }

	// add-client: one pending record per hosted address, kept in files
	// until the next update.
	before := time.Now().Unix()
	n.statd("add-client", "10.97.0.50", "stocktest")
	n.statd("add-client", "10.97.0.51", "stocktest")
	for _, sip := range hosted {
		for _, cip := range []string{"10.97.0.50", "10.97.0.51"} {
			b, err := os.ReadFile(filepath.Join(state, key(sip, cip)))
			if err != nil || !strings.HasPrefix(string(b), `"`+key(sip, cip)+`" "`) {
				t.Errorf("add-client %s: pending record for %s: %q, %v", cip, sip, b, err)
			}
		}
	}
	if out := n.ctdbOut("catdb", "ctdb.tdb"); strings.Contains(out, "statd-state@") {
		t.Errorf("records stored before update:\n%s", out)
	}

	// update (60.nfs's monitor): ctdb ptrans stores them and the files go.
	n.statd("update")
	if left, _ := filepath.Glob(filepath.Join(state, "statd-state@*")); len(left) != 0 {
		t.Errorf("update left pending records: %v", left)
	}
	for _, sip := range hosted {
		for _, cip := range []string{"10.97.0.50", "10.97.0.51"} {
			v := strings.TrimSpace(n.ctdbOut("pfetch", "ctdb.tdb", key(sip, cip)))
			if ts, err := strconv.ParseInt(v, 10, 64); err != nil || ts < before || ts > time.Now().Unix() {
				t.Errorf("pfetch ctdb.tdb %s: %q, want the add-client time", key(sip, cip), v)
			}
		}
	}
	cat := n.ctdbOut("catdb", "ctdb.tdb")
	for _, sip := range hosted {
		if !strings.Contains(cat, `key(`+strconv.Itoa(len(key(sip, "10.97.0.50")))+`) = "`+key(sip, "10.97.0.50")+`"`) {
			t.Errorf("catdb ctdb.tdb lacks %s:\n%s", key(sip, "10.97.0.50"), cat)
		}
	}

	// del-client, and the update from 60.nfs's monitor in the daemon's
	// event cycle: the record is emptied (deleted).
	n.statd("del-client", "10.97.0.51", "stocktest")
	n.run("monitor")
	if left, _ := filepath.Glob(filepath.Join(state, "statd-state@*")); len(left) != 0 {
		t.Errorf("60.nfs monitor did not run statd-callout update: pending %v", left)
	}
	for _, sip := range hosted {
		if v := strings.TrimSpace(n.ctdbOut("pfetch", "ctdb.tdb", key(sip, "10.97.0.51"))); v != "" {
			t.Errorf("pfetch ctdb.tdb %s after del-client: %q, want empty", key(sip, "10.97.0.51"), v)
		}
	}
	if cat := n.ctdbOut("catdb", "ctdb.tdb"); strings.Contains(cat, "@10.97.0.51") {
		t.Errorf("catdb ctdb.tdb still lists the deleted client:\n%s", cat)
	}

	// notify (60.nfs's reconfigure): statd's monitor lists are emptied in
	// the private state directory, the lock manager restarted, each
	// stored client notified for each hosted address, and its records
	// deleted.
	if out, code := n.inDaemonNS(nil, "sh", "-c", "touch /var/lib/nfs/statd/sm/10.97.0.50 /var/lib/nfs/statd/sm.bak/10.97.0.50"); code != 0 {
		t.Fatalf("seed the private statd directory: %s", out)
	}
	off := 0
	if b, err := os.ReadFile(n.stubLg); err == nil {
		off = len(b)
	}
	n.statd("notify")
	b, _ := os.ReadFile(n.stubLg)
	log := string(b[off:])
	for _, want := range []string{"service rpc-statd stop\n", "service rpc-statd start\n"} {
		if !strings.Contains(log, want) {
			t.Errorf("notify did not restart the lock manager (%q); stub log:\n%s", want, log)
		}
	}
	re := regexp.MustCompile(`(?m)^smnotify --client=(\S+) --ip=(\S+) --server=(\S+) --stateval=(\d+)$`)
	var got []string
	for _, m := range re.FindAllStringSubmatch(log, -1) {
		v, _ := strconv.Atoi(m[4])
		got = append(got, fmt.Sprintf("%s %s %s %s", m[1], m[2], m[3], map[bool]string{true: "down", false: "up"}[v%2 == 0]))
	}
	var want []string
	for _, sip := range hosted {
		for _, ph := range []string{"down", "up"} {
			for _, srv := range []string{sip, "stocktest"} {
				want = append(want, fmt.Sprintf("10.97.0.50 %s %s %s", sip, srv, ph))
			}
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("notify's SM_NOTIFYs:\n%s\nwant:\n%s\nstub log:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), log)
	}
	if cat := n.ctdbOut("catdb", "ctdb.tdb"); strings.Contains(cat, "statd-state@") {
		t.Errorf("notify left records in ctdb.tdb:\n%s", cat)
	}
	if out, _ := n.inDaemonNS(nil, "ls", "-A", "/var/lib/nfs/statd/sm", "/var/lib/nfs/statd/sm.bak"); strings.Contains(out, "10.97.0.50") {
		t.Errorf("notify left statd's monitor list in the private directory:\n%s", out)
	}

	// The same through the daemon: 60.nfs's ipreallocated, asked to
	// reconfigure (as after takeip), runs notify in the background.
	n.statd("add-client", "10.97.0.52", "stocktest")
	n.statd("update")
	if v := strings.TrimSpace(n.ctdbOut("pfetch", "ctdb.tdb", key(hosted[0], "10.97.0.52"))); v == "" {
		t.Errorf("pfetch ctdb.tdb %s: empty after update", key(hosted[0], "10.97.0.52"))
	}
	writeFileT(t, filepath.Join(n.vardir, "scripts", "service", "nfs-kernel-server", "need_reconfigure"), "")
	n.run("ipreallocated")
	n.expectLog(`Reconfiguring service "nfs-kernel-server"...`)
	eventually(t, 15*time.Second, func() string {
		if cat := n.ctdbOut("catdb", "ctdb.tdb"); strings.Contains(cat, "statd-state@") {
			return "60.nfs's notify left records in ctdb.tdb:\n" + cat
		}
		return ""
	})
	n.waitStatdCallouts()
	if b, _ := os.ReadFile(n.stubLg); !strings.Contains(string(b), "smnotify --client=10.97.0.52 --ip="+hosted[0]+" --server=stocktest --stateval=") {
		t.Errorf("60.nfs's notify sent no SM_NOTIFY to 10.97.0.52; stub log:\n%s", b)
	}
}
