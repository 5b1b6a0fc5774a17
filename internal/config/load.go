package config

import (
	"errors"
	"net/netip"
	"path/filepath"

	"github.com/ctdb-go/ctdb/internal/tunables"
)

// Load reads and validates the whole configuration: ctdb.conf, the nodes
// file, public_addresses and ctdb.tunables from the resolved config
// directory. It returns the first error. Obsolete tunables and deprecated
// option names do not fail; they are listed in Config.Warnings.
func Load(o Options) (*Config, error) {
	dir := ResolveConfigDir(o)
	c, err := ParseConf(filepath.Join(dir, ConfFileName), o.getenv())
	if err != nil {
		return nil, err
	}
	c.ConfigDir = dir
	if c.Nodes, err = ParseNodes(c.NodesFile()); err != nil {
		return nil, err
	}
	if err := checkNodeAddress(c); err != nil {
		return nil, err
	}
	if c.PublicAddresses, err = ParsePublicAddresses(c.PublicAddressesFile()); err != nil {
		return nil, err
	}
	if err := loadTunables(c); err != nil {
		return nil, err
	}
	return c, nil
}

// checkNodeAddress makes sure [cluster] node address names an active node,
// since the daemon takes its PNN from it.
func checkNodeAddress(c *Config) error {
	if c.Cluster.NodeAddress == "" {
		return nil
	}
	want := netip.MustParseAddr(c.Cluster.NodeAddress) // canonical, checked by ParseConf
	for _, n := range c.Nodes {
		if !n.Deleted && n.Addr == want {
			return nil
		}
	}
	return lineError(c.ConfFile(), 0, "[cluster] node address %s is not an active node in %s",
		want, c.NodesFile())
}

func loadTunables(c *Config) error {
	c.Tunables = tunables.Defaults()
	err := tunables.LoadFile(c.TunablesFile(), c.Tunables)
	if err == nil {
		return nil
	}
	if !errors.Is(err, tunables.ErrObsolete) {
		return err
	}
	c.Warnings = append(c.Warnings, splitJoined(err)...)
	return nil
}

// splitJoined turns an errors.Join result into one message per error.
func splitJoined(err error) []string {
	var out []string
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, e.Error())
		}
		return out
	}
	return []string{err.Error()}
}
