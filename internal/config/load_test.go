package config

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// nodeDir builds a config directory from name -> content ("" skips a file).
func nodeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		writeTemp(t, dir, name, content)
	}
	return dir
}

func TestLoad_Good(t *testing.T) {
	dir := nodeDir(t, map[string]string{
		"ctdb.conf":        "[cluster]\nnode address = 127.0.0.2\ncluster lock = /tmp/lock\n[paths]\nrun directory = /tmp/n2/run\n",
		"nodes":            "127.0.0.1\n#127.0.0.9\n127.0.0.2\n",
		"public_addresses": "10.99.0.1/24 lo\n",
		"ctdb.tunables":    "MonitorInterval=3\nDeterministicIPs=1\n",
	})
	c, err := Load(Options{ConfigDir: dir, Getenv: fakeEnv(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if c.ConfigDir != dir || c.EventsDir() != filepath.Join(dir, "events.d") {
		t.Errorf("ConfigDir = %q", c.ConfigDir)
	}
	if len(c.Nodes) != 3 || !c.Nodes[1].Deleted || c.Nodes[2].Addr != netip.MustParseAddr("127.0.0.2") || c.Nodes[2].PNN != 2 {
		t.Errorf("Nodes = %+v", c.Nodes)
	}
	if len(c.PublicAddresses) != 1 || c.PublicAddresses[0].Ifaces[0] != "lo" {
		t.Errorf("PublicAddresses = %+v", c.PublicAddresses)
	}
	if v, _ := c.Tunables.Get("MonitorInterval"); v != 3 {
		t.Errorf("MonitorInterval = %d", v)
	}
	if v, _ := c.Tunables.Get("KeepaliveInterval"); v != 5 {
		t.Errorf("KeepaliveInterval = %d, want default 5", v)
	}
	if c.Paths.Socket != "/tmp/n2/run/ctdbd.socket" || c.Cluster.ClusterLock != "/tmp/lock" {
		t.Errorf("conf not applied: %+v %+v", c.Paths, c.Cluster)
	}
	// The obsolete tunable is a warning naming file and line.
	if len(c.Warnings) != 1 || !strings.HasPrefix(c.Warnings[0], filepath.Join(dir, "ctdb.tunables")+":2:") ||
		!strings.Contains(c.Warnings[0], "DeterministicIPs") {
		t.Errorf("Warnings = %q", c.Warnings)
	}
}

func TestLoad_Minimal(t *testing.T) {
	// Only a nodes file: defaults everywhere else, no addresses.
	dir := nodeDir(t, map[string]string{"nodes": "127.0.0.1\n"})
	c, err := Load(Options{Getenv: fakeEnv(map[string]string{"CTDB_BASE": dir})})
	if err != nil {
		t.Fatal(err)
	}
	if c.ConfigDir != dir || c.PublicAddresses != nil || c.Tunables == nil || len(c.Warnings) != 0 {
		t.Errorf("got %+v", c)
	}
	if c.Logging.Level != "NOTICE" {
		t.Errorf("Level = %q", c.Logging.Level)
	}
}

func TestLoad_NodesList(t *testing.T) {
	shared := nodeDir(t, map[string]string{"cluster-nodes": "127.0.0.5\n127.0.0.6\n"})
	dir := nodeDir(t, map[string]string{
		"ctdb.conf": "[cluster]\nnodes list = " + filepath.Join(shared, "cluster-nodes") + "\n",
		"nodes":     "127.0.0.1\n", // ignored: nodes list wins
	})
	c, err := Load(Options{ConfigDir: dir, Getenv: fakeEnv(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Nodes) != 2 || c.Nodes[0].Addr != netip.MustParseAddr("127.0.0.5") {
		t.Errorf("Nodes = %+v", c.Nodes)
	}
}

func TestLoad_Bad(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		file    string // which file the error must name
		line    int
		problem string
	}{
		{"bad conf", map[string]string{"ctdb.conf": "[cluster]\nbogus = 1\n", "nodes": "127.0.0.1\n"},
			"ctdb.conf", 2, `unknown option "bogus"`},
		{"missing nodes", map[string]string{}, "nodes", -1, "no such file"},
		{"bad nodes", map[string]string{"nodes": "127.0.0.1\n127.0.0.x\n"}, "nodes", 2, `invalid address "127.0.0.x"`},
		{"bad public addresses", map[string]string{"nodes": "127.0.0.1\n", "public_addresses": "10.0.0.1/24\n"},
			"public_addresses", 1, "expected"},
		{"bad tunables", map[string]string{"nodes": "127.0.0.1\n", "ctdb.tunables": "\nNope=1\n"},
			"ctdb.tunables", 2, `unknown tunable "Nope"`},
		{"node address not in nodes", map[string]string{
			"ctdb.conf": "[cluster]\nnode address = 127.0.0.3\n", "nodes": "127.0.0.1\n#127.0.0.3\n"},
			"ctdb.conf", 0, "node address 127.0.0.3 is not an active node in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := nodeDir(t, tt.files)
			c, err := Load(Options{ConfigDir: dir, Getenv: fakeEnv(nil)})
			if c != nil {
				t.Errorf("got a Config with the error")
			}
			path := filepath.Join(dir, tt.file)
			if tt.line < 0 {
				if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.problem) {
					t.Errorf("err = %v, want it to name %s and %q", err, path, tt.problem)
				}
				return
			}
			wantFileError(t, err, path, tt.line, tt.problem)
		})
	}
}

func TestLoad_FlagBeatsEnv(t *testing.T) {
	flagDir := nodeDir(t, map[string]string{"nodes": "127.0.0.1\n"})
	envDir := nodeDir(t, map[string]string{"nodes": "127.0.0.2\n"})
	c, err := Load(Options{ConfigDir: flagDir, Getenv: fakeEnv(map[string]string{"CTDB_BASE": envDir})})
	if err != nil {
		t.Fatal(err)
	}
	if c.ConfigDir != flagDir || c.Nodes[0].Addr != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("loaded from %q: %+v", c.ConfigDir, c.Nodes)
	}
}

func TestLoad_EnvPaths(t *testing.T) {
	dir := nodeDir(t, map[string]string{"nodes": "127.0.0.1\n", "ctdb.conf": "[paths]\nsocket = /conf/sock\n"})
	env := fakeEnv(map[string]string{"CTDB_SOCKET": "/env/sock", "CTDB_VARDIR": "/env/var"})
	c, err := Load(Options{ConfigDir: dir, Getenv: env})
	if err != nil {
		t.Fatal(err)
	}
	if c.Paths.Socket != "/env/sock" || c.Paths.VarDir != "/env/var" {
		t.Errorf("Paths = %+v", c.Paths)
	}
}

func TestLoad_UnreadableTunables(t *testing.T) {
	dir := nodeDir(t, map[string]string{"nodes": "127.0.0.1\n"})
	if err := os.Mkdir(filepath.Join(dir, "ctdb.tunables"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(Options{ConfigDir: dir, Getenv: fakeEnv(nil)}); err == nil ||
		!strings.Contains(err.Error(), "ctdb.tunables") {
		t.Errorf("err = %v, want an error naming ctdb.tunables", err)
	}
}
