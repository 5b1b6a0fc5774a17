package config

import "path/filepath"

// option is one known ctdb.conf key. apply parses the value and stores it in
// the Config; a nil apply accepts the option and ignores it.
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

	{"cluster", "cluster lock", func(c *Config, v string) error {
		c.Cluster.ClusterLock = v
		return nil
	}},
	// "recovery lock" is the pre-4.9 name of "cluster lock"; conf.go
	// handles it (deprecation warning, conflict check).
	{"cluster", "recovery lock", func(c *Config, v string) error {
		c.Cluster.ClusterLock = v
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
		c.Cluster.LeaderTimeout, err = parseIntRange(v, 1, 3600)
		return err
	}},
	{"cluster", "leader capability", func(c *Config, v string) (err error) {
		c.Cluster.LeaderCapability, err = parseBool(v)
		return err
	}},
	{"cluster", "nodes list", func(c *Config, v string) error {
		c.Cluster.NodesList = v
		return checkNodesList(v)
	}},

	{"event", "debug script", func(c *Config, v string) error {
		c.Event.DebugScript = v
		return nil
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

	// [database]: see database.go.
	{"database", "volatile database directory", func(c *Config, v string) error {
		return setAbsPath(&c.Database.VolatileDirectory, v)
	}},
	{"database", "persistent database directory", func(c *Config, v string) error {
		return setAbsPath(&c.Database.PersistentDirectory, v)
	}},
	{"database", "state database directory", func(c *Config, v string) error {
		return setAbsPath(&c.Database.StateDirectory, v)
	}},
	{"database", "lock debug script", func(c *Config, v string) error {
		c.Database.LockDebugScript = v
		return nil
	}},
	{"database", "tdb mutexes", nil},

	// [paths]: our extension, see the package comment. Values are checked
	// and resolved against the environment in paths.go.
	{"paths", "run directory", func(c *Config, v string) error {
		return setAbsPath(&c.Paths.RunDir, v)
	}},
	{"paths", "state directory", func(c *Config, v string) error {
		return setAbsPath(&c.Paths.VarDir, v)
	}},
	{"paths", "socket", func(c *Config, v string) error {
		return setAbsPath(&c.Paths.Socket, v)
	}},
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
