package config

import (
	"os"
	"path/filepath"
)

// DefaultConfigDir is CTDB's configuration directory.
const DefaultConfigDir = "/etc/ctdb"

// File names inside the config directory.
const (
	ConfFileName            = "ctdb.conf"
	NodesFileName           = "nodes"
	PublicAddressesFileName = "public_addresses"
	TunablesFileName        = "ctdb.tunables"
)

// Options says where to find the configuration.
type Options struct {
	ConfigDir string              // from --config-dir; "" = not given
	Getenv    func(string) string // nil = os.Getenv
}

func (o Options) getenv() func(string) string {
	return orOSGetenv(o.Getenv)
}

func orOSGetenv(f func(string) string) func(string) string {
	if f == nil {
		return os.Getenv
	}
	return f
}

// ResolveConfigDir picks the config directory: the flag, else $CTDB_BASE,
// else /etc/ctdb. A relative directory is made absolute, because the daemon
// hands it to event scripts as CTDB_BASE and they may run elsewhere.
func ResolveConfigDir(o Options) string {
	dir := o.ConfigDir
	if dir == "" {
		dir = o.getenv()("CTDB_BASE")
	}
	if dir == "" {
		dir = DefaultConfigDir
	}
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return filepath.Clean(dir)
}

// EventsDir is the directory of event scripts, ConfigDir/events.d.
func (c *Config) EventsDir() string { return filepath.Join(c.ConfigDir, "events.d") }

// LegacyEventsDir is CTDB 4.x's script directory, ConfigDir/events/legacy
// (scripts NN.name.script, usually symlinks into PackagedEventsDir).
func (c *Config) LegacyEventsDir() string {
	return filepath.Join(c.ConfigDir, "events", "legacy")
}

// PackagedEventsDir holds the packaged scripts, DataDir/events/legacy.
func (c *Config) PackagedEventsDir() string {
	return filepath.Join(c.Paths.DataDir, "events", "legacy")
}

// NotificationDir holds the notification scripts that notify.sh runs,
// ConfigDir/events/notification.
func (c *Config) NotificationDir() string {
	return filepath.Join(c.ConfigDir, "events", "notification")
}

// FunctionsFile is the shell library event scripts source, ConfigDir/functions.
func (c *Config) FunctionsFile() string { return filepath.Join(c.ConfigDir, "functions") }

// NodesFile is the nodes file: [cluster] nodes list if set (relative to
// ConfigDir when not absolute), else ConfigDir/nodes.
func (c *Config) NodesFile() string {
	p := c.Cluster.NodesList
	if p == "" {
		p = NodesFileName
	}
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.ConfigDir, p)
}

// PublicAddressesFile is ConfigDir/public_addresses.
func (c *Config) PublicAddressesFile() string {
	return filepath.Join(c.ConfigDir, PublicAddressesFileName)
}

// TunablesFile is ConfigDir/ctdb.tunables.
func (c *Config) TunablesFile() string { return filepath.Join(c.ConfigDir, TunablesFileName) }

// ConfFile is ConfigDir/ctdb.conf.
func (c *Config) ConfFile() string { return filepath.Join(c.ConfigDir, ConfFileName) }

// DatabaseDir is one [database] directory: where it is and whether
// ctdb.conf named it (then it must already exist, as in CTDB).
type DatabaseDir struct {
	Key        string // the ctdb.conf key
	Path       string
	Configured bool
}

// DatabaseDirs lists the volatile, persistent and state database
// directories; those not set in ctdb.conf are under the state directory.
func (c *Config) DatabaseDirs() []DatabaseDir {
	dir := func(key, set, name string) DatabaseDir {
		if set != "" {
			return DatabaseDir{key, set, true}
		}
		return DatabaseDir{key, filepath.Join(c.Paths.VarDir, name), false}
	}
	return []DatabaseDir{
		dir("volatile database directory", c.Database.VolatileDir, "volatile"),
		dir("persistent database directory", c.Database.PersistentDir, "persistent"),
		dir("state database directory", c.Database.StateDir, "state"),
	}
}

// DatabasePaths returns the volatile, persistent and state database
// directories as ctdbd uses them (see DatabaseDirs).
func (c *Config) DatabasePaths() (volatile, persistent, state string) {
	d := c.DatabaseDirs()
	return d[0].Path, d[1].Path, d[2].Path
}
