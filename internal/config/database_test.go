package config

import "testing"

func TestDatabasePaths(t *testing.T) {
	c := Default("/etc/ctdb")
	v, p, s := c.DatabasePaths()
	if v != "/var/lib/ctdb/volatile" || p != "/var/lib/ctdb/persistent" || s != "/var/lib/ctdb/state" {
		t.Fatalf("defaults: %s %s %s", v, p, s)
	}
	c.Paths.VarDir = "/tmp/node0"
	c.Database.PersistentDir = "/srv/p"
	v, p, _ = c.DatabasePaths()
	if p != "/srv/p" || v != "/tmp/node0/volatile" {
		t.Fatalf("configured: %s %s", v, p)
	}
}
