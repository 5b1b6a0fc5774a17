package probe

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// DefaultTimeout is how long a caller waits for a worker's answer.
const DefaultTimeout = 5 * time.Second

// Config configures a Prober.
type Config struct {
	// StateDir holds the lock, pid and result files. It must be local:
	// never on the filesystem being probed. Created 0700 if missing.
	StateDir string
	// Timeout bounds how long Probe waits for an answer. Longer tolerates a
	// slow filesystem; shorter reports a hang sooner. Zero means DefaultTimeout.
	Timeout time.Duration
	// Start launches a worker. Nil means ExecStarter on the running
	// executable, which must understand the "worker" verb (see Main).
	Start StartFunc
}

// DefaultStateDir is $CTDB_VARDIR/probe, else /var/lib/ctdb/probe.
func DefaultStateDir(getenv func(string) string) string {
	if v := getenv("CTDB_VARDIR"); v != "" {
		return StateDirIn(v)
	}
	return StateDirIn("/var/lib/ctdb")
}

// StateDirIn is the probe state directory under a node's state directory
// (CTDB_VARDIR), where the eventscripts' probes keep theirs.
func StateDirIn(varDir string) string { return filepath.Join(varDir, "probe") }

// Validate checks the configuration and fills in defaults.
func (c *Config) Validate() error {
	if c.StateDir == "" {
		return fmt.Errorf("probe config: StateDir is empty")
	}
	if !filepath.IsAbs(c.StateDir) {
		return fmt.Errorf("probe config: StateDir %q is not absolute", c.StateDir)
	}
	if c.Timeout < 0 {
		return fmt.Errorf("probe config: Timeout %v is negative", c.Timeout)
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Start == nil {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("probe config: cannot find own executable for workers: %w", err)
		}
		c.Start = ExecStarter(exe, nil)
	}
	return nil
}
