package ctdbref

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ctdb-go/ctdb/tests/bench/system"
)

func TestSettleDefaults(t *testing.T) {
	s, err := settle(system.ClusterOptions{Base: "/tmp/b", Nodes: 3}, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.addrs, ","); got != "127.0.0.1,127.0.0.2,127.0.0.3" {
		t.Errorf("addrs = %s", got)
	}
	if s.port != DefaultPort || s.needsServices() {
		t.Errorf("port = %d, needsServices = %v; want %d, false", s.port, s.needsServices(), DefaultPort)
	}
	if s.reclock != "/tmp/b/shared/reclock" {
		t.Errorf("reclock = %s", s.reclock)
	}
	s, err = settle(system.ClusterOptions{Base: "/tmp/b", Nodes: 1, Port: 4380, Addrs: []string{"10.0.0.7"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !s.needsServices() || s.addrs[0] != "10.0.0.7" {
		t.Errorf("port 4380: needsServices = %v, addrs = %v", s.needsServices(), s.addrs)
	}
}

func TestSettleRejects(t *testing.T) {
	wrap := func(i int, argv []string) []string { return argv }
	long := "/tmp/" + strings.Repeat("x", 100)
	for _, tc := range []struct {
		o    system.ClusterOptions
		want string
	}{
		{system.ClusterOptions{Nodes: 1}, "Base is empty"},
		{system.ClusterOptions{Base: "/b", Nodes: 0}, "Nodes must be"},
		{system.ClusterOptions{Base: "/b", Nodes: 2, Addrs: []string{"127.0.0.1"}}, "1 addresses for 2 nodes"},
		{system.ClusterOptions{Base: "/b", Nodes: 1, Addrs: []string{"node1"}}, `Addrs[0]: "node1" is not`},
		{system.ClusterOptions{Base: "/b", Nodes: 2, Addrs: []string{"10.0.0.1", "10.0.0.1"}}, "given twice"},
		{system.ClusterOptions{Base: "/b", Nodes: 1, Port: 70000}, "Port must be"},
		{system.ClusterOptions{Base: "/b", Nodes: 1, Tunables: map[string]uint32{"Bad Name": 1}}, `bad tunable name "Bad Name"`},
		{system.ClusterOptions{Base: "/b", Nodes: 1, TrivialScripts: 71}, "TrivialScripts must be"},
		{system.ClusterOptions{Base: "/b", Nodes: 1, PublicAddresses: "10.1.1.1/24 eth0\n"}, "needs Wrap"},
		{system.ClusterOptions{Base: long, Nodes: 1}, "too long"},
	} {
		_, err := settle(tc.o, false)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("settle(%+v) = %v, want an error containing %q", tc.o, err, tc.want)
		}
	}
	withPublic := system.ClusterOptions{Base: "/b", Nodes: 1, PublicAddresses: "x", Wrap: wrap}
	if _, err := settle(withPublic, false); err != nil {
		t.Errorf("public addresses with Wrap: %v", err)
	}
	if _, err := settle(withPublic, true); err == nil || !strings.Contains(err.Error(), "test mode") {
		t.Errorf("public addresses in test mode: %v, want an error", err)
	}
}

func TestConfText(t *testing.T) {
	s, err := settle(system.ClusterOptions{Base: "/c", Nodes: 2, Reclock: "/shared/lock"}, false)
	if err != nil {
		t.Fatal(err)
	}
	conf := confText(s, 1)
	for _, want := range []string{
		"\tlocation = file:/c/node1/log.ctdb\n",
		"\tcluster lock = /shared/lock\n",
		"\tnode address = 127.0.0.2\n",
		"\tstate database directory = /c/node1/db/state\n",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("ctdb.conf lacks %q:\n%s", want, conf)
		}
	}
}

func TestTunablesAndNodesText(t *testing.T) {
	got := tunablesText(map[string]uint32{"MonitorInterval": 5, "KeepaliveInterval": 1})
	if want := "KeepaliveInterval=1\nMonitorInterval=5\n"; got != want {
		t.Errorf("tunables = %q, want %q", got, want)
	}
	if got := nodesText([]string{"10.0.0.1", "10.0.0.2"}); got != "10.0.0.1\n10.0.0.2\n" {
		t.Errorf("nodes = %q", got)
	}
}

func TestServicesText(t *testing.T) {
	host := "ssh\t\t22/tcp\n# ctdb is not here\nctdb\t\t4379/tcp\t# old\nctdb 4379/udp\nhttp 80/tcp"
	got := servicesText(host, 45000)
	if strings.Contains(got, "4379") {
		t.Errorf("old ctdb entries kept:\n%s", got)
	}
	for _, want := range []string{"ssh\t\t22/tcp\n", "# ctdb is not here\n", "http 80/tcp\n", "ctdb\t\t45000/tcp"} {
		if !strings.Contains(got, want) {
			t.Errorf("services lacks %q:\n%s", want, got)
		}
	}
}

func TestWriteNodeLayout(t *testing.T) {
	if _, err := os.Stat(functions); err != nil {
		t.Skipf("needs the package's functions file: %v", err)
	}
	base := t.TempDir()
	wrap := func(i int, argv []string) []string { return argv }
	s, err := settle(system.ClusterOptions{Base: base, Nodes: 2, TrivialScripts: 2, Port: 45001,
		ReclockScript: true, PublicAddresses: "10.9.9.9/24 eth0\n", Wrap: wrap,
		Tunables: map[string]uint32{"MonitorInterval": 5}}, false)
	if err != nil {
		t.Fatal(err)
	}
	hostServices = filepath.Join(base, "no-such-services") // the host's file is not needed
	t.Cleanup(func() { hostServices = "/etc/services" })
	if err := writeCluster(s); err != nil {
		t.Fatal(err)
	}
	n1 := filepath.Join(base, "node1")
	for link, target := range map[string]string{
		"events/legacy/00.ctdb.script":      scriptDir + "/00.ctdb.script",
		"events/legacy/01.reclock.script":   scriptDir + "/01.reclock.script",
		"events/legacy/10.interface.script": scriptDir + "/10.interface.script",
	} {
		if got, err := os.Readlink(filepath.Join(n1, link)); err != nil || got != target {
			t.Errorf("%s -> %q (%v), want %s", link, got, err, target)
		}
	}
	if _, err := os.Lstat(filepath.Join(n1, "events/legacy/05.system.script")); !os.IsNotExist(err) {
		t.Errorf("05.system is enabled (%v)", err)
	}
	for _, name := range []string{"20.trivial1.script", "21.trivial2.script"} {
		st, err := os.Stat(filepath.Join(n1, "events/legacy", name))
		if err != nil || st.Mode().Perm() != 0o755 {
			t.Errorf("%s: %v %v, want mode 0755", name, st, err)
		}
	}
	if st, err := os.Lstat(filepath.Join(n1, "functions")); err != nil || !st.Mode().IsRegular() {
		t.Errorf("functions is not a copy: %v %v", st, err)
	}
	for file, want := range map[string]string{
		"public_addresses": "10.9.9.9/24 eth0\n",
		"ctdb.tunables":    "MonitorInterval=5\n",
		"nodes":            "127.0.0.1\n127.0.0.2\n",
	} {
		if b, err := os.ReadFile(filepath.Join(n1, file)); err != nil || string(b) != want {
			t.Errorf("%s = %q (%v), want %q", file, b, err, want)
		}
	}
	if b, err := os.ReadFile(filepath.Join(base, "services")); err != nil || !strings.Contains(string(b), "45001/tcp") {
		t.Errorf("services = %q (%v)", b, err)
	}
	if st, err := os.Stat(filepath.Join(base, "shared")); err != nil || !st.IsDir() {
		t.Errorf("cluster lock directory: %v", err)
	}
}

func TestDaemonArgv(t *testing.T) {
	o := system.ClusterOptions{Base: "/c", Nodes: 1, Port: 45002,
		Wrap: func(i int, argv []string) []string { return append([]string{"nsenter", "--net=/x"}, argv...) }}
	for _, tc := range []struct {
		testMode bool
		port     int
		binds    string // expected SOURCE TARGET pairs, "" for no namespace
	}{
		{false, 45002, "/c/node0 /etc/ctdb /c/node0/run /run/ctdb /c/node0/var /var/lib/ctdb /c/services /etc/services"},
		{false, 0, "/c/node0 /etc/ctdb /c/node0/run /run/ctdb /c/node0/var /var/lib/ctdb"},
		{true, 45002, "/c/services /etc/services"},
		{true, 0, ""},
	} {
		o.Port = tc.port
		s, err := settle(o, tc.testMode)
		if err != nil {
			t.Fatal(err)
		}
		c := &Cluster{s: s, l: layout{s.base}}
		got := strings.Join(c.daemonArgv(0), " ")
		want := "nsenter --net=/x " + ctdbdBin
		if tc.binds != "" {
			want = "nsenter --net=/x unshare --mount --propagation slave -- sh -c " + bindAndExec +
				" ctdbref-start " + tc.binds + " -- " + ctdbdBin
		}
		if got != want {
			t.Errorf("test mode %v, port %d:\n got %s\nwant %s", tc.testMode, tc.port, got, want)
		}
	}
}
