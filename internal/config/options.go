package config

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
)

// option is one known ctdb.conf key. apply parses the value and stores it in
// the Config; a nil apply accepts the option and ignores it. An apply that
// returns a warning (see warnf) keeps what it stored and the value is
// accepted with that warning, naming file and line. Adding a key is one
// entry here, plus one in optionDefaults if it has a default to show in
// `ctdb-config get` and `dump`.
type option struct {
	section, key string
	apply        func(c *Config, v string) error
}

// options lists every key ctdb.conf may hold. Keys are lower case.
var options = []option{
	{"logging", "location", func(c *Config, v string) error {
		c.Logging.Location = v
		return checkLogLocation(v)
	}},
	{"logging", "log level", func(c *Config, v string) (err error) {
		c.Logging.Level, err = parseLogLevel(v)
		return err
	}},

	{"cluster", "transport", func(c *Config, v string) error { return checkTransport(v) }},

	{"cluster", "cluster lock", func(c *Config, v string) error {
		c.Cluster.ClusterLock = v
		return nil
	}},
	// "recovery lock" is the pre-4.9 name of "cluster lock"; conf.go
	// handles it (deprecation warning, conflict check).
	// With both set, "cluster lock" (applied first) wins.
	{"cluster", "recovery lock", func(c *Config, v string) error {
		if c.Cluster.ClusterLock == "" {
			c.Cluster.ClusterLock = v
		}
		return nil
	}},
	{"cluster", "node address", func(c *Config, v string) (err error) {
		c.Cluster.NodeAddress, err = parseNodeAddress(v)
		return err
	}},
	{"cluster", "transport port", func(c *Config, v string) (err error) {
		c.Cluster.TransportPort, err = parseIntRange(v, 1, 65535)
		return err
	}},
	{"cluster", "leader timeout", func(c *Config, v string) (err error) {
		c.Cluster.LeaderTimeout, err = parseIntRange(v, 1, math.MaxInt32)
		return err
	}},
	{"cluster", "leader capability", func(c *Config, v string) (err error) {
		c.Cluster.LeaderCapability, err = parseBool(v)
		return err
	}},
	{"cluster", "quorum", func(c *Config, v string) error {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case QuorumNone:
			c.Cluster.Quorum = QuorumNone
		case QuorumMajority:
			c.Cluster.Quorum = QuorumMajority
		default:
			return fmt.Errorf("must be %s or %s", QuorumMajority, QuorumNone)
		}
		return nil
	}},
	{"cluster", "nodes list", func(c *Config, v string) error {
		c.Cluster.NodesList = v
		return checkNodesList(v)
	}},

	{"event", "debug script", func(c *Config, v string) (err error) {
		c.Event.DebugScript, err = confScript(c, v)
		return err
	}},

	{"failover", "disabled", func(c *Config, v string) (err error) {
		c.Failover.Disabled, err = parseBool(v)
		return err
	}},
	{"failover", "shutdown failover timeout", func(c *Config, v string) (err error) {
		c.Failover.ShutdownFailoverTimeout, err = parseIntRange(v, 0, 3600)
		return err
	}},
	{"failover", "shutdown extra timeout", func(c *Config, v string) (err error) {
		c.Failover.ShutdownExtraTimeout, err = parseIntRange(v, 0, 3600)
		return err
	}},

	{"legacy", "realtime scheduling", func(c *Config, v string) (err error) {
		c.Legacy.RealtimeScheduling, err = parseBool(v)
		return err
	}},
	{"legacy", "lmaster capability", func(c *Config, v string) (err error) {
		c.Legacy.LmasterCapability, err = parseBool(v)
		return err
	}},
	{"legacy", "start as stopped", func(c *Config, v string) (err error) {
		c.Legacy.StartAsStopped, err = parseBool(v)
		return err
	}},
	{"legacy", "start as disabled", func(c *Config, v string) (err error) {
		c.Legacy.StartAsDisabled, err = parseBool(v)
		return err
	}},
	{"legacy", "script log level", func(c *Config, v string) (err error) {
		c.Legacy.ScriptLogLevel, err = parseLogLevel(v)
		return err
	}},

	// [database]: a directory given must exist, as in CTDB; the defaults
	// (under the state directory) are created by ctdbd.
	{"database", "volatile database directory", func(c *Config, v string) error {
		return setDBDir(&c.Database.VolatileDir, v)
	}},
	{"database", "persistent database directory", func(c *Config, v string) error {
		return setDBDir(&c.Database.PersistentDir, v)
	}},
	{"database", "state database directory", func(c *Config, v string) error {
		return setDBDir(&c.Database.StateDir, v)
	}},
	{"database", "lock debug script", func(c *Config, v string) (err error) {
		c.Database.LockDebugScript, err = confScript(c, v)
		return err
	}},
	boolOption("database", "tdb mutexes", func(c *Config) *bool { return &c.Database.TDBMutexes }),

	// [paths]: our extension, see the package comment. Values are checked
	// and resolved against the environment in paths.go.
	{"paths", "run directory", func(c *Config, v string) error {
		return setAbsPath(&c.Paths.RunDir, v)
	}},
	{"paths", "state directory", func(c *Config, v string) error {
		return setAbsPath(&c.Paths.VarDir, v)
	}},
	{"metrics", "listen", func(c *Config, v string) error {
		c.Metrics.Listen = v
		return checkListen(v)
	}},
	{"paths", "socket", func(c *Config, v string) error {
		return setAbsPath(&c.Paths.Socket, v)
	}},
	{"paths", "data directory", func(c *Config, v string) error {
		return setAbsPath(&c.Paths.DataDir, v)
	}},
}

// optionDefaults are the defaults `ctdb-config get` and `dump` show for
// keys not set in the file, keyed "section.key". Paths under the state
// directory are shown for the default state directory.
var optionDefaults = map[string]string{
	"logging.location":                       DefaultLogLocation,
	"logging.log level":                      DefaultLogLevel,
	"cluster.transport":                      "tcp",
	"cluster.transport port":                 "4379",
	"cluster.leader timeout":                 "5",
	"cluster.leader capability":              "true",
	"database.volatile database directory":   DefaultVarDir + "/volatile",
	"database.persistent database directory": DefaultVarDir + "/persistent",
	"database.state database directory":      DefaultVarDir + "/state",
	"database.tdb mutexes":                   "true",
	"failover.disabled":                      "false",
	"failover.shutdown failover timeout":     "10",
	"failover.shutdown extra timeout":        "0",
	"legacy.realtime scheduling":             "true",
	"legacy.lmaster capability":              "true",
	"legacy.start as stopped":                "false",
	"legacy.start as disabled":               "false",
	"legacy.script log level":                "ERROR",
	"paths.run directory":                    DefaultRunDir,
	"paths.state directory":                  DefaultVarDir,
	"paths.socket":                           DefaultSocket,
	"paths.data directory":                   DefaultDataDir,
}

// boolOption, intOption and stringOption make one-line entries for the
// common kinds of value: field returns where in the Config the value goes.
func boolOption(section, key string, field func(*Config) *bool) option {
	return option{section, key, func(c *Config, v string) (err error) {
		*field(c), err = parseBool(v)
		return err
	}}
}

func intOption(section, key string, lo, hi int, field func(*Config) *int) option {
	return option{section, key, func(c *Config, v string) (err error) {
		*field(c), err = parseIntRange(v, lo, hi)
		return err
	}}
}

func stringOption(section, key string, field func(*Config) *string) option {
	return option{section, key, func(c *Config, v string) error {
		*field(c) = v
		return nil
	}}
}

// findOption returns the option for a lower-case section and key.
func findOption(section, key string) (option, bool) {
	for _, o := range options {
		if o.section == section && o.key == key {
			return o, true
		}
	}
	return option{}, false
}

func knownSection(name string) bool {
	for _, o := range options {
		if o.section == name {
			return true
		}
	}
	return false
}

// setAbsPath stores a cleaned absolute path.
func setAbsPath(dst *string, v string) error {
	if err := checkAbsPath(v); err != nil {
		return err
	}
	*dst = filepath.Clean(v)
	return nil
}
