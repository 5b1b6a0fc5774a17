package config

import "path/filepath"

// DatabaseConfig is the [database] section: where the TDB files live.
// A directory not set in ctdb.conf is under the state directory
// (Paths.VarDir), which gives CTDB's defaults /var/lib/ctdb/volatile,
// /var/lib/ctdb/persistent and /var/lib/ctdb/state, and keeps relocated
// nodes (tests, ctdb_local) apart.
type DatabaseConfig struct {
	VolatileDirectory   string
	PersistentDirectory string
	StateDirectory      string
	// LockDebugScript runs when a database lock is held too long; "" = none.
	LockDebugScript string
}

// resolveDatabaseDirs fills the database directories ctdb.conf left empty.
func resolveDatabaseDirs(c *Config) {
	d := &c.Database
	for _, x := range []struct {
		dst  *string
		name string
	}{{&d.VolatileDirectory, "volatile"}, {&d.PersistentDirectory, "persistent"}, {&d.StateDirectory, "state"}} {
		if *x.dst == "" {
			*x.dst = filepath.Join(c.Paths.VarDir, x.name)
		}
	}
}
