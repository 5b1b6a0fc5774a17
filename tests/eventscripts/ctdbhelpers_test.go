package eventscripts_test

// The helpers that CTDB 4.17's functions defines: same names, arguments,
// output and exit status as there, checked here one by one.

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

	"github.com/ctdb-go/ctdb/tests/harness/poll"
)

// ctdbHelpers are the 54 helpers of CTDB 4.17's functions (all but its
// mktemp, which it defines only where the system has none, as we do).
var ctdbHelpers = strings.Fields(`load_system_config load_script_options die script_log
background_with_logging ctdb_check_args detect_init_style service nice_service ctdb_get_pnn
ctdb_get_ip_address ctdb_get_db_options ctdb_translate_option set_proc set_proc_maybe get_proc
program_stack_traces assert_service_name ctdb_check_directories_probe ctdb_check_directories
ctdb_check_tcp_ports ctdb_check_unix_socket kill_tcp_connections kill_tcp_connections_local_only
tickle_tcp_connections get_tcp_connections_for_ip add_ip_to_iface delete_ip_from_iface
ip_maskbits_iface drop_ip drop_all_public_ips flush_route_cache interface_get_real
interface_monitor ctdb_counter_init ctdb_counter_incr ctdb_counter_get ctdb_setup_state_dir
ctdb_service_needs_reconfigure ctdb_service_set_reconfigure ctdb_service_unset_reconfigure
ctdb_service_reconfigure service_reconfigure service_start service_stop
ctdb_standard_event_handler iptables_wrapper nfs_callout_init nfs_callout_register nfs_callout
update_tickles _service _ctdb_counter_common _ctdb_service_reconfigure_common`)

func TestEveryCTDBHelperIsAFunction(t *testing.T) {
	if len(ctdbHelpers) != 54 {
		t.Fatalf("list has %d helpers, want 54", len(ctdbHelpers))
	}
	for _, sh := range shells(t) {
		n := newNode(t)
		n.shell = sh
		var snippet strings.Builder
		for _, h := range ctdbHelpers {
			// "command -V" says "... is a (shell) function" for functions.
			fmt.Fprintf(&snippet, "command -V %s | grep -q function || echo \"missing: %s\"; ", h, h)
		}
		expectEmpty(t, sh+": helpers", n.fn("42.demo", snippet.String()))
	}
}

// After ctdb_setup_state_dir the counters are CTDB's: failcount or
// NAME.failcount in the state directory, one newline per failure.
func TestCounterInStateDir(t *testing.T) {
	n := newNode(t)
	dir := filepath.Join(n.vardir, "scripts", "service", "demo")
	got := n.fn("42.demo", `ctdb_setup_state_dir service demo; echo "$script_state_dir"
ctdb_counter_incr; ctdb_counter_incr; ctdb_counter_get
ctdb_counter_incr rpc; ctdb_counter_get rpc
ctdb_check_counter_limit 3; echo "rc=$?"
ctdb_counter_init; ctdb_counter_get; ctdb_counter_get rpc`)
	expect(t, "counters", got, 0, dir+"\n2\n1\nWARNING: 2 consecutive failures for demo\nrc=0\n0\n1\n")
	data, err := os.ReadFile(filepath.Join(dir, "rpc.failcount"))
	if err != nil || string(data) != "\n" {
		t.Fatalf("rpc.failcount = %q, %v; want one newline", data, err)
	}
	if n.counterSize("demo") != -1 {
		t.Fatalf("the legacy counter failcount/demo was written too")
	}
	expect(t, "bad state dir args", n.fn("42.demo", "ctdb_setup_state_dir service"), 1, "ctdb_setup_state_dir needs TYPE and NAME")
}

func TestReconfigureFlag(t *testing.T) {
	n := newNode(t)
	flag := filepath.Join(n.vardir, "scripts", "service", "demo", "need_reconfigure")
	got := n.fn("42.demo", `ctdb_setup_state_dir service demo
ctdb_service_needs_reconfigure; echo "needs=$?"
ctdb_service_set_reconfigure
ctdb_service_needs_reconfigure; echo "needs=$?"
ctdb_counter_incr
service_reconfigure () { echo "reconfigured"; }
ctdb_service_reconfigure; echo "rc=$?"
ctdb_service_needs_reconfigure; echo "needs=$?"
ctdb_counter_get`)
	expect(t, "reconfigure", got, 0,
		"needs=1\nneeds=0\nReconfiguring service \"demo\"...\nreconfigured\nrc=0\nneeds=1\n0\n")
	if _, err := os.Stat(flag); !os.IsNotExist(err) {
		t.Fatalf("flag %s still there: %v", flag, err)
	}

	// A failing service_reconfigure: its status, the flag cleared, the
	// counter kept.
	got = n.fn("42.demo", `ctdb_setup_state_dir service demo
ctdb_service_set_reconfigure; ctdb_counter_incr
service_reconfigure () { return 3; }
ctdb_service_reconfigure; echo "rc=$?"; ctdb_counter_get`)
	expect(t, "reconfigure fails", got, 0, "rc=3\n1\n")

	// Without ctdb_setup_state_dir the flag goes to service/$service_name.
	expectEmpty(t, "no state dir", n.fn("42.demo", "ctdb_service_set_reconfigure"))
	if _, err := os.Stat(flag); err != nil {
		t.Fatalf("flag without ctdb_setup_state_dir: %v", err)
	}
}

// ctdb_check_tcp_ports against a real listening socket on loopback.
func TestCheckTCPPorts(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	open := l.Addr().(*net.TCPAddr).Port
	l2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l2.Addr().(*net.TCPAddr).Port
	l2.Close()

	n := newNode(t)
	expectEmpty(t, "listening", n.fn("50.samba", fmt.Sprintf("ctdb_check_tcp_ports %d", open)))
	expect(t, "one closed", n.fn("50.samba", fmt.Sprintf("ctdb_check_tcp_ports %d %d; echo rc=$?", open, closed)), 0,
		fmt.Sprintf("samba not listening on TCP port %d\nrc=1\n", closed))
	expect(t, "no ports", n.fn("50.samba", "ctdb_check_tcp_ports; echo not reached"), 1,
		"INTERNAL ERROR: ctdb_check_tcp_ports: no ports given\n")
	// A port number that only ends like an open one does not count (unless
	// the host really listens on it).
	suffix := open % 1000
	if out, _ := exec.Command("ss", "-tlnH", fmt.Sprintf("sport = :%d", suffix)).Output(); len(out) == 0 {
		expect(t, "suffix", n.fn("50.samba", fmt.Sprintf("ctdb_check_tcp_ports %d; echo rc=$?", suffix)), 0, "rc=1\n")
	}
}

func TestCheckUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	n := newNode(t)
	expectEmpty(t, "listening", n.fn("50.samba", "ctdb_check_unix_socket "+sock))
	expect(t, "missing", n.fn("50.samba", "ctdb_check_unix_socket "+sock+".no; echo rc=$?"), 0,
		"ERROR: samba not listening on "+sock+".no\nrc=1\n")
	expect(t, "no path", n.fn("50.samba", "ctdb_check_unix_socket; echo rc=$?"), 0, "rc=1\n")
}

func TestCheckDirectories(t *testing.T) {
	n := newNode(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	n.writeFile(file, "", 0o644)
	got := n.fn("50.samba", fmt.Sprintf(`printf '%%s\n' %s /no/such/%%U | ctdb_check_directories_probe; echo "rc=$?"`, dir))
	expect(t, "present, macro skipped", got, 0, "rc=0\n")
	got = n.fn("50.samba", fmt.Sprintf("ctdb_check_directories_probe <<EOF\n%s\n%s/missing\n%s\nEOF\necho \"rc=$? d=$d\"", dir, dir, dir))
	expect(t, "missing", got, 0, fmt.Sprintf("rc=1 d=%s/missing\n", dir))
	// In a pipeline, as the scripts use it: the exit ends the pipeline.
	got = n.fn("50.samba", fmt.Sprintf(`echo %s | ctdb_check_directories || echo "rc=$?"`, file))
	expect(t, "a file", got, 0, fmt.Sprintf("ERROR: samba directory \"%s\" not available\nrc=1\n", file))
	got = n.fn("50.samba", fmt.Sprintf("ctdb_check_directories <<EOF\n%s\nEOF\necho not reached", file))
	expect(t, "exits", got, 1, "not available")
	if strings.Contains(got.out, "not reached") {
		t.Fatal("ctdb_check_directories returned instead of exiting")
	}
	// No ctdb_probe: the check fails and says why.
	n.env["CTDB_HELPER_BINDIR"] = ""
	n.env["PATH"] = n.stubs + ":/usr/bin:/bin"
	got = n.fn("50.samba", fmt.Sprintf("echo %s | ctdb_check_directories", dir))
	expect(t, "no probe", got, 1, "ERROR: ctdb_probe not found", fmt.Sprintf(`ERROR: samba directory "%s" not available`, dir))
}

func TestDetectInitStyle(t *testing.T) {
	n := newNode(t)
	want := "redhat"
	switch {
	case fileExists("/sbin/startproc"):
		want = "suse"
	case fileExists("/sbin/start-stop-daemon"):
		want = "debian"
	}
	expect(t, "detected", n.fn("50.samba", `detect_init_style; echo "$CTDB_INIT_STYLE"`), 0, want+"\n")
	n.env["CTDB_INIT_STYLE"] = "suse"
	expect(t, "kept", n.fn("50.samba", `detect_init_style; echo "$CTDB_INIT_STYLE"`), 0, "suse\n")
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func TestServiceFunction(t *testing.T) {
	n := newNode(t)
	n.writeFile(filepath.Join(n.stubs, "service"), stubRecorder, 0o755)
	expectEmpty(t, "service", n.fn("49.winbind", "service winbind start"))
	expectEmpty(t, "nice_service", n.fn("50.samba", "nice_service smbd start"))
	expectEmpty(t, "empty name", n.fn("50.samba", `service "" start`))
	expectEmpty(t, "default start", n.fn("49.winbind", "service_start"))
	expectEmpty(t, "default stop", n.fn("49.winbind", `service_name=winbind; service_stop`))
	want := []string{"service winbind start", "service smbd start", "service winbind start", "service winbind stop"}
	if got := n.calls(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("calls %q, want %q", got, want)
	}
	// An init script when there is neither service(8) nor systemctl.
	etc := t.TempDir()
	n.writeFile(filepath.Join(etc, "init.d", "demo"), "#!/bin/sh\necho \"init.d/demo $*\" >>\"$STUB_CTDB_LOG\"\n", 0o755)
	n.env["CTDB_SYS_ETCDIR"] = etc
	n.env["CTDB_INIT_STYLE"] = "sysv"
	expectEmpty(t, "init.d", n.fn("42.demo", "service demo restart"))
	if got := n.calls(); got[len(got)-1] != "init.d/demo restart" {
		t.Fatalf("last call %q, want init.d/demo restart", got[len(got)-1])
	}
}

func TestLoadSystemConfig(t *testing.T) {
	n := newNode(t)
	etc := t.TempDir()
	n.env["CTDB_SYS_ETCDIR"] = etc
	n.writeFile(filepath.Join(etc, "default", "nfs-common"), "FROM=default-common\n", 0o644)
	n.writeFile(filepath.Join(etc, "sysconfig", "nfs"), "FROM=sysconfig-nfs\n", 0o644)
	expect(t, "first found", n.fn("60.nfs", `load_system_config nfs-kernel-server nfs-common nfs; echo "$FROM"`), 0, "default-common\n")
	expect(t, "sysconfig first", n.fn("60.nfs", `load_system_config nfs; echo "$FROM"`), 0, "sysconfig-nfs\n")
	expect(t, "none", n.fn("60.nfs", `load_system_config nothing; echo "[$FROM]"`), 0, "[]\n")
}

func TestLoadScriptOptionsCTDBForms(t *testing.T) {
	n := newNode(t)
	n.writeFile(filepath.Join(n.base, "events", "legacy", "60.nfs.options"), "X=legacy\n", 0o644)
	n.writeFile(filepath.Join(n.base, "events.d", "61.other.options"), "X=eventsd\n", 0o644)
	expect(t, "other script, legacy", n.fn("06.nfs", `load_script_options service 60.nfs; echo "$X"`), 0, "legacy\n")
	expect(t, "other script, events.d", n.fn("06.nfs", `load_script_options service 61.other; echo "$X"`), 0, "eventsd\n")
	expect(t, "bad use", n.fn("06.nfs", `load_script_options one`), 1, "load_script_options takes no arguments or COMPONENT SCRIPT")
	// Run as NN.name.script, the options file drops ".script".
	n.writeFile(filepath.Join(n.base, "events", "legacy", "50.samba.options"), "X=samba\n", 0o644)
	got := n.exec("-c", `. "$CTDB_BASE/functions"; load_script_options; echo "$X $service_name"`,
		filepath.Join(n.base, "events", "legacy", "50.samba.script"))
	expect(t, "own options", got, 0, "samba samba\n")
}

func TestGetIPAddressAndDBOptions(t *testing.T) {
	n := newNode(t)
	n.writeFile(filepath.Join(n.stubs, "ctdb"), `#!/bin/sh
echo "$*" >>"$STUB_CTDB_LOG"
[ "$*" = "-X nodestatus" ] || exit 1
echo "|Node|IP|Disconnected|Unknown|Banned|Disabled|Unhealthy|Stopped|Inactive|PartiallyOnline|ThisNode|"
echo "|0|10.0.0.7|0|0|0|0|0|0|0|0|Y|"
`, 0o755)
	for i := 0; i < 2; i++ {
		expect(t, "ip address", n.fn("42.demo", "ctdb_get_ip_address"), 0, "10.0.0.7\n")
	}
	if calls := n.calls(); len(calls) != 1 {
		t.Fatalf("ctdb calls %q, want one (cached)", calls)
	}

	helpers := t.TempDir()
	n.env["CTDB_HELPER_BINDIR"] = helpers
	n.writeFile(filepath.Join(helpers, "ctdb-config"), `#!/bin/sh
[ "$1 $2" = "get database" ] || exit 1
case "$3" in
"volatile database directory") echo /db/volatile ;;
"persistent database directory") echo /db/persistent ;;
"state database directory") echo /db/state ;;
*) exit 2 ;;
esac
`, 0o755)
	expect(t, "translate", n.fn("00.ctdb", `ctdb_translate_option database "state database directory" V`), 0, "V=\"/db/state\"\n")
	expect(t, "translate fails", n.fn("00.ctdb", `ctdb_translate_option database nothing V; echo not reached`), 2)
	got := n.fn("00.ctdb", `ctdb_get_db_options; echo "$CTDB_DBDIR $CTDB_DBDIR_PERSISTENT $CTDB_DBDIR_STATE"`)
	expect(t, "db options", got, 0, "/db/volatile /db/persistent /db/state\n")
	if _, err := os.Stat(filepath.Join(n.vardir, "scripts", "db_options.cache")); err != nil {
		t.Fatalf("no cache: %v", err)
	}
	n.writeFile(filepath.Join(helpers, "ctdb-config"), "#!/bin/sh\nexit 9\n", 0o755)
	expect(t, "from the cache", n.fn("00.ctdb", `ctdb_get_db_options; echo "$CTDB_DBDIR"`), 0, "/db/volatile\n")
	os.Remove(filepath.Join(n.vardir, "scripts", "db_options.cache"))
	expect(t, "ctdb-config fails", n.fn("00.ctdb", `ctdb_get_db_options; echo not reached`), 9)
	if _, err := os.Stat(filepath.Join(n.vardir, "scripts", "db_options.cache")); !os.IsNotExist(err) {
		t.Fatalf("a failed lookup left a cache: %v", err)
	}
}

func TestInterfaceGetReal(t *testing.T) {
	n := newNode(t)
	for info, want := range map[string]string{
		"2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500":         "eth0",
		"3: eth0.5@eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500":  "eth0",
		"4: bond0.100: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500":    "bond0",
		"5: veth1@if9: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500\nx": "if9",
	} {
		expect(t, info, n.fn("10.interface", fmt.Sprintf("interface_get_real '%s'", info)), 0, want+"\n")
	}
}

func TestNFSCallout(t *testing.T) {
	n := newNode(t)
	callout := filepath.Join(n.base, "callout")
	n.writeFile(callout, `#!/bin/sh
echo "callout $*" >>"$STUB_CTDB_LOG"
[ "$1" = register ] && printf 'startup\nmonitor-list-shares\n'
exit 0
`, 0o755)
	n.env["CTDB_NFS_CALLOUT"] = callout
	state := filepath.Join(n.vardir, "nfsstate")
	got := n.fn("60.nfs", `nfs_callout_init `+state+`; echo "$CTDB_NFS_CALLOUT_STATE_DIR"
nfs_callout startup; nfs_callout takeip eth0 10.0.0.1 24; nfs_callout monitor-list-shares; nfs_callout startup`)
	expect(t, "callout", got, 0, state+"/callout-state\n")
	want := []string{"callout register", "callout startup", "callout monitor-list-shares", "callout startup"}
	if got := n.calls(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("calls %q, want %q (registered once, takeip not registered)", got, want)
	}
	// A callout that registers nothing gets every operation.
	all := filepath.Join(n.base, "callout-all")
	n.writeFile(all, "#!/bin/sh\necho \"all $*\" >>\"$STUB_CTDB_LOG\"\n", 0o755)
	n.env["CTDB_NFS_CALLOUT"] = all
	expectEmpty(t, "changed callout", n.fn("60.nfs", "nfs_callout_init "+state+"; nfs_callout takeip eth0 10.0.0.1 24"))
	calls := n.calls()
	if strings.Join(calls[len(calls)-2:], "|") != "all register|all takeip eth0 10.0.0.1 24" {
		t.Fatalf("calls %q: want a new registration, then takeip", calls)
	}
}

func TestScriptLogAndBackground(t *testing.T) {
	n := newNode(t)
	logf := filepath.Join(n.vardir, "log.ctdb")
	n.env["CTDB_LOGGING"] = "file:" + logf
	expectEmpty(t, "script_log", n.fn("60.nfs", `script_log mytag "one message"; printf 'a\nb\n' | script_log mytag`))
	expectEmpty(t, "background", n.fn("60.nfs", `background_with_logging sh -c 'echo from background; echo to stderr >&2'`))
	line := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d \S+ ctdb-eventd\[\d+\]: (.*)$`)
	if err := poll.Until(10*time.Second, 50*time.Millisecond, func() string {
		data, _ := os.ReadFile(logf)
		var msgs []string
		for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			m := line.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("log line not in ctdbd's format: %q", l)
			}
			msgs = append(msgs, m[1])
		}
		got := strings.Join(msgs, "|")
		if strings.HasPrefix(got, "mytag: one message|mytag: a|mytag: b") && strings.Contains(got, "60.nfs&: from background") &&
			strings.Contains(got, "60.nfs&: to stderr") {
			return ""
		}
		return fmt.Sprintf("log: %q", got)
	}); err != nil {
		t.Fatal(err)
	}
}

func TestProcHelpers(t *testing.T) {
	n := newNode(t)
	expect(t, "get_proc", n.fn("42.demo", "get_proc sys/kernel/ostype"), 0, "Linux\n")
	expectEmpty(t, "set_proc_maybe, not writable", n.fn("42.demo", "set_proc_maybe no/such/file 1"))
	n.writeFile(filepath.Join(n.stubs, "pidof"), "#!/bin/sh\necho 1 2\n", 0o755)
	got := n.fn("42.demo", `get_proc () { case "$1" in 1/stack) echo "[<0>] do_wait";; 2/stack) echo "[<0>] poll";; esac; }
program_stack_traces init 1; program_stack_traces init 5`)
	expect(t, "stack traces", got, 0,
		"Stack trace for init[1]:\n[<0>] do_wait\nStack trace for init[1]:\n[<0>] do_wait\nStack trace for init[2]:\n[<0>] poll\n")
	expect(t, "assert_service_name", n.fn("42.demo", `service_name=""; assert_service_name`), 1, "INTERNAL ERROR: $service_name not set")
	expectEmpty(t, "standard handler", n.fn("42.demo", "ctdb_standard_event_handler monitor"))
}
