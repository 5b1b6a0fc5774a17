package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseConf_Missing(t *testing.T) {
	dir := t.TempDir()
	c, err := ParseConf(filepath.Join(dir, "ctdb.conf"), fakeEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Default(dir)
	if !reflect.DeepEqual(c, want) {
		t.Errorf("missing file:\n got %+v\nwant %+v", c, want)
	}
	// Spot-check the documented defaults so Default itself is tested.
	if c.Logging.Location != "file:/var/log/ctdb/log.ctdb" || c.Logging.Level != "NOTICE" ||
		c.Cluster.TransportPort != 4379 || c.Cluster.LeaderTimeout != 5 || !c.Cluster.LeaderCapability ||
		c.Failover.Disabled || c.Failover.ShutdownFailoverTimeout != 10 ||
		c.Paths.Socket != "/var/run/ctdb/ctdbd.socket" || c.Paths.PidFile != "/var/run/ctdb/ctdbd.pid" ||
		c.Paths.VarDir != "/var/lib/ctdb" || c.ConfigDir != dir {
		t.Errorf("defaults wrong: %+v", c)
	}
}

func TestParseConf_Good(t *testing.T) {
	tests := []struct {
		name  string
		conf  string
		check func(t *testing.T, c *Config)
	}{
		{"full", `# CTDB configuration
[logging]
	location = file:/tmp/node1/log.ctdb
	log level = info
[cluster]
	cluster lock = !/usr/libexec/ctdb/ctdb_mutex_fcntl_helper /shared/.lock
	node address = 127.0.0.1
	transport port = 4400
	leader timeout = 9
	leader capability = no
	nodes list = /shared/nodes
[event]
	debug script = debug-hung-script.sh
[failover]
	disabled = yes
	shutdown failover timeout = 0
	shutdown extra timeout = 3
[legacy]
	realtime scheduling = false
	lmaster capability = false
	start as stopped = yes
	start as disabled = TRUE
	script log level = notice
[database]
	tdb mutexes = true
; our extension
[paths]
	run directory = /tmp/node1/run
	state directory = /tmp/node1/var/
`, func(t *testing.T, c *Config) {
			want := LoggingConfig{Location: "file:/tmp/node1/log.ctdb", Level: "INFO"}
			if c.Logging != want {
				t.Errorf("Logging = %+v", c.Logging)
			}
			wantCl := ClusterConfig{
				ClusterLock:   "!/usr/libexec/ctdb/ctdb_mutex_fcntl_helper /shared/.lock",
				NodeAddress:   "127.0.0.1",
				TransportPort: 4400, LeaderTimeout: 9, LeaderCapability: false,
				NodesList: "/shared/nodes", Quorum: QuorumNone,
			}
			if c.Cluster != wantCl {
				t.Errorf("Cluster = %+v", c.Cluster)
			}
			if c.Event.DebugScript != filepath.Join(c.ConfigDir, "debug-hung-script.sh") {
				t.Errorf("Event = %+v", c.Event)
			}
			if c.Failover != (FailoverConfig{Disabled: true, ShutdownFailoverTimeout: 0, ShutdownExtraTimeout: 3}) {
				t.Errorf("Failover = %+v", c.Failover)
			}
			if c.Legacy != (LegacyConfig{StartAsStopped: true, StartAsDisabled: true, ScriptLogLevel: "NOTICE"}) {
				t.Errorf("Legacy = %+v", c.Legacy)
			}
			wantP := PathsConfig{RunDir: "/tmp/node1/run", VarDir: "/tmp/node1/var",
				Socket: "/tmp/node1/run/ctdbd.socket", PidFile: "/tmp/node1/run/ctdbd.pid", DataDir: DefaultDataDir}
			if c.Paths != wantP {
				t.Errorf("Paths = %+v", c.Paths)
			}
			if len(c.Warnings) != 0 {
				t.Errorf("Warnings = %v", c.Warnings)
			}
		}},
		{"syslog forms", "[logging]\nlocation = syslog:udp-rfc5424\nlog level = Warning\n", func(t *testing.T, c *Config) {
			if c.Logging.Location != "syslog:udp-rfc5424" || c.Logging.Level != "WARNING" {
				t.Errorf("Logging = %+v", c.Logging)
			}
		}},
		{"syslog unix", "[logging]\nlocation = syslog:unix:/dev/log\n", func(t *testing.T, c *Config) {
			if c.Logging.Location != "syslog:unix:/dev/log" {
				t.Errorf("Location = %q", c.Logging.Location)
			}
		}},
		{"ipv6 node address canonicalised", "[cluster]\nnode address = FD00:0::1\n", func(t *testing.T, c *Config) {
			if c.Cluster.NodeAddress != "fd00::1" {
				t.Errorf("NodeAddress = %q", c.Cluster.NodeAddress)
			}
		}},
		{"deprecated recovery lock", "[cluster]\n\nrecovery lock = /shared/.reclock\n", func(t *testing.T, c *Config) {
			if c.Cluster.ClusterLock != "/shared/.reclock" {
				t.Errorf("ClusterLock = %q", c.Cluster.ClusterLock)
			}
			if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "ctdb.conf:3:") ||
				!strings.Contains(c.Warnings[0], `"recovery lock" is deprecated`) {
				t.Errorf("Warnings = %q", c.Warnings)
			}
		}},
		{"paths socket from conf", "[paths]\nsocket = /tmp/x/s.sock\nrun directory = /tmp/r\n", func(t *testing.T, c *Config) {
			if c.Paths.Socket != "/tmp/x/s.sock" || c.Paths.PidFile != "/tmp/r/ctdbd.pid" {
				t.Errorf("Paths = %+v", c.Paths)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeTemp(t, dir, "ctdb.conf", tt.conf)
			if err := os.WriteFile(filepath.Join(dir, "debug-hung-script.sh"), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			c, err := ParseConf(path, fakeEnv(nil))
			if err != nil {
				t.Fatalf("ParseConf: %v", err)
			}
			if c.ConfigDir != filepath.Dir(path) {
				t.Errorf("ConfigDir = %q", c.ConfigDir)
			}
			tt.check(t, c)
		})
	}
}

func TestParseConf_Bad(t *testing.T) {
	tests := []struct {
		name    string
		conf    string
		line    int
		problem string
	}{
		{"unknown option", "[cluster]\nfoo = 1\n", 2, `unknown option "foo" in section [cluster]`},
		{"option in wrong section", "[logging]\ncluster lock = /x\n", 2, `unknown option "cluster lock" in section [logging]`},
		{"unknown section", "# c\n[clustre]\n", 2, "unknown section [clustre]"},
		{"malformed line", "[cluster]\ncluster lock /x\n", 2, `expected "key = value"`},
		{"outside section", "location = syslog\n", 1, "not in any [section]"},
		{"bad bool", "[cluster]\nleader capability = maybe\n", 2,
			`invalid value "maybe" for [cluster] leader capability: must be a boolean`},
		{"bad failover bool", "[failover]\ndisabled = 2\n", 2, `invalid value "2" for [failover] disabled: must be a boolean`},
		{"legacy bool", "[legacy]\nstart as stopped = si\n", 2, "[legacy] start as stopped: must be a boolean"},
		{"bad int", "[cluster]\ntransport port = http\n", 2,
			`invalid value "http" for [cluster] transport port: must be an integer from 1 to 65535`},
		{"port range", "[cluster]\ntransport port = 65536\n", 2, "must be an integer from 1 to 65535"},
		{"port zero", "[cluster]\ntransport port = 0\n", 2, "must be an integer from 1 to 65535"},
		{"leader timeout zero", "[cluster]\nleader timeout = 0\n", 2, "[cluster] leader timeout: must be an integer"},
		{"negative shutdown", "[failover]\nshutdown extra timeout = -1\n", 2, "[failover] shutdown extra timeout"},
		{"bad node address", "[cluster]\nnode address = 10.0.0.x\n", 2,
			`invalid value "10.0.0.x" for [cluster] node address: must be an IPv4 or IPv6 address`},
		{"nodes list command", "[cluster]\nnodes list = !/bin/get-nodes\n", 2, "commands (!COMMAND) are not supported"},
		{"bad level", "[logging]\nlog level = LOUD\n", 2, `invalid value "LOUD" for [logging] log level: must be one of ERROR, WARNING, NOTICE, INFO, DEBUG`},
		{"bad script level", "[legacy]\nscript log level = 3x\n", 2, "[legacy] script log level"},
		{"bad location", "[logging]\nlocation = stderr\n", 2, `invalid value "stderr" for [logging] location: must be file:PATH`},
		{"bad syslog form", "[logging]\nlocation = syslog:tcp\n", 2, "[logging] location"},
		{"relative log file", "[logging]\nlocation = file:log.ctdb\n", 2, `path "log.ctdb" must be absolute`},
		{"empty log file", "[logging]\nlocation = file:\n", 2, `path "" must be absolute`},
		{"relative run dir", "[paths]\nrun directory = run\n", 2, `[paths] run directory: path "run" must be absolute`},
		{"relative socket", "[paths]\nsocket = ./s\n", 2, "[paths] socket"},
		{"metrics no port", "[metrics]\nlisten = 127.0.0.1\n", 2, `[metrics] listen: invalid listen address "127.0.0.1": want ADDR:PORT`},
		{"metrics no address", "[metrics]\nlisten = :9477\n", 2, `[metrics] listen: invalid listen address ":9477"`},
		{"metrics port zero", "[metrics]\nlisten = 127.0.0.1:0\n", 2, "port must be 1-65535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, t.TempDir(), "ctdb.conf", tt.conf)
			c, err := ParseConf(path, fakeEnv(nil))
			wantFileError(t, err, path, tt.line, tt.problem)
			if c != nil {
				t.Errorf("got a Config with the error")
			}
		})
	}
}

func TestParseConf_Unreadable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ctdb.conf")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := ParseConf(path, fakeEnv(nil))
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v, want an error naming %s", err, path)
	}
}

func TestParseConf_Metrics(t *testing.T) {
	for conf, want := range map[string]string{
		"":                                    "",
		"[metrics]\nlisten = 10.1.2.3:9477\n": "10.1.2.3:9477",
		"[metrics]\nlisten = [::1]:9477\n":    "[::1]:9477",
	} {
		path := writeTemp(t, t.TempDir(), "ctdb.conf", conf)
		c, err := ParseConf(path, fakeEnv(nil))
		if err != nil {
			t.Fatalf("%q: %v", conf, err)
		}
		if c.Metrics.Listen != want {
			t.Errorf("%q: listen %q, want %q", conf, c.Metrics.Listen, want)
		}
	}
}

func TestQuorumOption(t *testing.T) {
	for in, want := range map[string]string{"": QuorumNone, "quorum = majority\n": QuorumMajority,
		"quorum = None\n": QuorumNone} {
		path := writeTemp(t, t.TempDir(), "ctdb.conf", "[cluster]\n"+in)
		c, err := ParseConf(path, fakeEnv(nil))
		if err != nil || c.Cluster.Quorum != want {
			t.Errorf("%q: quorum %v, %v; want %q", in, c, err, want)
		}
	}
	path := writeTemp(t, t.TempDir(), "ctdb.conf", "[cluster]\nquorum = most\n")
	_, err := ParseConf(path, fakeEnv(nil))
	wantFileError(t, err, path, 2, `invalid value "most" for [cluster] quorum: must be majority or none`)
}
