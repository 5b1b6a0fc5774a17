package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// These tests pin ctdb.conf to what CTDB 4.17's parser does (checked with
// Debian's `ctdb-config validate` 4.17.12): what it accepts we accept with
// the same meaning, what it refuses we refuse with file:line, and where
// we would have been stricter we accept with a warning naming file:line.

// confDir is a configuration directory holding an executable debug.sh and
// an existing directory db/.
func confDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "debug.sh"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notexec.sh"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "db"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func parseIn(t *testing.T, dir, conf string) (*Config, string, error) {
	t.Helper()
	conf = strings.ReplaceAll(conf, "@DIR@", dir)
	path := writeTemp(t, dir, "ctdb.conf", conf)
	c, err := ParseConf(path, fakeEnv(nil))
	return c, path, err
}

func TestCTDB417_Accepted(t *testing.T) {
	tests := []struct {
		name  string
		conf  string
		check func(c *Config) bool
	}{
		{"transport tcp", "[cluster]\n\ttransport = tcp\n", func(c *Config) bool { return true }},
		{"bool yes/no in any case", "[failover]\ndisabled = YES\n[legacy]\nstart as stopped = No\n",
			func(c *Config) bool { return c.Failover.Disabled && !c.Legacy.StartAsStopped }},
		{"bool TRUE", "[cluster]\nleader capability = FALSE\n", func(c *Config) bool { return !c.Cluster.LeaderCapability }},
		{"leader timeout without upper bound", "[cluster]\nleader timeout = 99999999\n",
			func(c *Config) bool { return c.Cluster.LeaderTimeout == 99999999 }},
		{"repeated section merges", "[logging]\nlocation = syslog\n[logging]\nlog level = INFO\n",
			func(c *Config) bool { return c.Logging.Location == "syslog" && c.Logging.Level == "INFO" }},
		{"bare debug script under the config dir", "[event]\ndebug script = debug.sh\n",
			func(c *Config) bool { return c.Event.DebugScript == filepath.Join(c.ConfigDir, "debug.sh") }},
		{"debug script directory part ignored", "[event]\ndebug script = /usr/share/elsewhere/debug.sh\n",
			func(c *Config) bool { return c.Event.DebugScript == filepath.Join(c.ConfigDir, "debug.sh") }},
		{"database directories that exist", "[database]\nvolatile database directory = @DIR@/db\n" +
			"persistent database directory = @DIR@/db\nstate database directory = @DIR@/db\n" +
			"lock debug script = debug.sh\ntdb mutexes = false\n",
			func(c *Config) bool {
				d := c.DatabaseDirs()
				return d[0].Configured && d[0].Path == filepath.Join(c.ConfigDir, "db") && d[2].Path == d[1].Path &&
					c.Database.LockDebugScript == filepath.Join(c.ConfigDir, "debug.sh") && !c.Database.TDBMutexes
			}},
		{"database defaults under the state directory", "[paths]\nstate directory = /srv/ctdb\n",
			func(c *Config) bool {
				d := c.DatabaseDirs()
				return !d[0].Configured && d[0].Path == "/srv/ctdb/volatile" && d[1].Path == "/srv/ctdb/persistent" &&
					d[2].Path == "/srv/ctdb/state" && c.Database.TDBMutexes
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := parseIn(t, confDir(t), tt.conf)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if len(c.Warnings) != 0 {
				t.Errorf("warnings: %q", c.Warnings)
			}
			if !tt.check(c) {
				t.Errorf("wrong values: %+v", c)
			}
		})
	}
}

func TestCTDB417_Warned(t *testing.T) {
	tests := []struct {
		name  string
		conf  string
		line  int
		warn  string
		check func(c *Config) bool
	}{
		{"numeric log level", "[logging]\nlog level = 3\n", 2, "numeric log level 3 taken as INFO",
			func(c *Config) bool { return c.Logging.Level == "INFO" }},
		{"numeric log level 0", "[logging]\n\nlog level = 0\n", 3, "taken as ERROR",
			func(c *Config) bool { return c.Logging.Level == "ERROR" }},
		{"numeric log level 10", "[logging]\nlog level = 10\n", 2, "taken as DEBUG",
			func(c *Config) bool { return c.Logging.Level == "DEBUG" }},
		{"numeric script log level", "[legacy]\nscript log level = 1\n", 2, "taken as WARNING",
			func(c *Config) bool { return c.Legacy.ScriptLogLevel == "WARNING" }},
		{"key given twice: the later wins", "[logging]\nlog level = NOTICE\n# x\nlog level = DEBUG\n", 4,
			"[logging] log level is set again (first on line 2); this later value is used",
			func(c *Config) bool { return c.Logging.Level == "DEBUG" }},
		{"key twice across repeated sections", "[cluster]\nleader timeout = 7\n[cluster]\nleader timeout = 9\n", 4,
			"set again (first on line 2)", func(c *Config) bool { return c.Cluster.LeaderTimeout == 9 }},
		{"both lock names: cluster lock wins", "[cluster]\nrecovery lock = /b\ncluster lock = /a\n", 2,
			`both "cluster lock" (line 3) and its deprecated name "recovery lock" are set`,
			func(c *Config) bool { return c.Cluster.ClusterLock == "/a" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, path, err := parseIn(t, confDir(t), tt.conf)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			prefix := path + ":" + strconv.Itoa(tt.line) + ": "
			found := false
			for _, w := range c.Warnings {
				found = found || (strings.HasPrefix(w, prefix) && strings.Contains(w, tt.warn))
			}
			if !found {
				t.Errorf("warnings %q lack %q%s", c.Warnings, prefix, tt.warn)
			}
			if !tt.check(c) {
				t.Errorf("wrong values: %+v", c)
			}
		})
	}
}

func TestCTDB417_Refused(t *testing.T) {
	tests := []struct {
		name    string
		conf    string
		line    int
		problem string
	}{
		{"transport udp", "[cluster]\ntransport = udp\n", 2, `[cluster] transport: must be "tcp"`},
		{"bool on", "[failover]\ndisabled = on\n", 2, "must be a boolean (true/false or yes/no)"},
		{"bool 1", "[legacy]\n\nrealtime scheduling = 1\n", 3, "must be a boolean"},
		{"bool 0", "[database]\ntdb mutexes = 0\n", 2, "must be a boolean"},
		{"empty value", "[cluster]\ncluster lock =\n", 2, "empty value for [cluster] cluster lock"},
		{"log level 11", "[logging]\nlog level = 11\n", 2, "must be one of ERROR, WARNING, NOTICE, INFO, DEBUG (or a number from 0 to 10)"},
		{"log level -1", "[logging]\nlog level = -1\n", 2, "[logging] log level"},
		{"unknown key", "[cluster]\nfoo = 1\n", 2, `unknown option "foo"`},
		{"unknown section", "[foo]\nx = 1\n", 1, "unknown section [foo]"},
		{"leader timeout 0", "[cluster]\nleader timeout = 0\n", 2, "[cluster] leader timeout"},
		{"missing debug script", "[event]\ndebug script = missing.sh\n", 2, "missing.sh does not exist"},
		{"debug script not executable", "[event]\ndebug script = notexec.sh\n", 2, "notexec.sh is not an executable file"},
		{"missing lock debug script", "[database]\nlock debug script = /x\n", 2, "[database] lock debug script"},
		{"missing volatile directory", "[database]\n\nvolatile database directory = @DIR@/nonexist\n", 3,
			"[database] volatile database directory: directory"},
		{"persistent directory is a file", "[database]\npersistent database directory = @DIR@/debug.sh\n", 2,
			"does not exist"},
		{"missing state directory", "[database]\nstate database directory = relative\n", 2, `directory "relative" does not exist`},
		{"bad tdb mutexes", "[database]\ntdb mutexes = maybe\n", 2, "[database] tdb mutexes: must be a boolean"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, path, err := parseIn(t, confDir(t), tt.conf)
			wantFileError(t, err, path, tt.line, tt.problem)
			if c != nil {
				t.Error("got a Config with the error")
			}
		})
	}
}

// TestCTDB417_DebianStockConf reads the ctdb.conf that Debian's ctdb
// package installs (test input on this machine, never copied into the
// repository).
func TestCTDB417_DebianStockConf(t *testing.T) {
	data, err := os.ReadFile("/etc/ctdb/ctdb.conf")
	if err != nil {
		t.Skipf("Debian's ctdb.conf is not installed: %v", err)
	}
	c, _, err := parseIn(t, confDir(t), string(data))
	if err != nil {
		t.Fatalf("Debian's stock ctdb.conf refused: %v", err)
	}
	if c.Logging.Location != "syslog" || c.Logging.Level != "NOTICE" {
		t.Errorf("logging = %+v", c.Logging)
	}
}

// TestOptionHelpers: the one-line entry helpers store into the field they
// name and check their values.
func TestOptionHelpers(t *testing.T) {
	var c Config
	var s string
	var n int
	if err := boolOption("x", "b", func(c *Config) *bool { return &c.Failover.Disabled }).apply(&c, "Yes"); err != nil || !c.Failover.Disabled {
		t.Errorf("boolOption: %v %v", err, c.Failover.Disabled)
	}
	if err := intOption("x", "i", 1, 9, func(*Config) *int { return &n }).apply(&c, "10"); err == nil {
		t.Error("intOption accepted 10 for 1..9")
	}
	if err := intOption("x", "i", 1, 9, func(*Config) *int { return &n }).apply(&c, "7"); err != nil || n != 7 {
		t.Errorf("intOption: %v %d", err, n)
	}
	if err := stringOption("x", "s", func(*Config) *string { return &s }).apply(&c, "v"); err != nil || s != "v" {
		t.Errorf("stringOption: %v %q", err, s)
	}
}
