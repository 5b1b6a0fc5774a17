package config

import (
	"strings"
	"testing"
)

func TestDatabaseDirectories(t *testing.T) {
	c := Default("/etc/ctdb")
	if c.Database.PersistentDirectory != "/var/lib/ctdb/persistent" || c.Database.VolatileDirectory != "/var/lib/ctdb/volatile" ||
		c.Database.StateDirectory != "/var/lib/ctdb/state" {
		t.Fatalf("defaults: %+v", c.Database)
	}
	c = unresolvedDefault("/x")
	for _, l := range []string{"persistent database directory = /srv/p", "lock debug script = /bin/true"} {
		k, v, _ := strings.Cut(l, " = ")
		o, ok := findOption("database", k)
		if !ok {
			t.Fatalf("option %q unknown", k)
		}
		if err := o.apply(c, v); err != nil {
			t.Fatal(err)
		}
	}
	c.Paths.VarDir = "/tmp/node0"
	resolveDatabaseDirs(c)
	if c.Database.PersistentDirectory != "/srv/p" || c.Database.VolatileDirectory != "/tmp/node0/volatile" || c.Database.LockDebugScript != "/bin/true" {
		t.Fatalf("configured: %+v", c.Database)
	}
	o, _ := findOption("database", "state database directory")
	if err := o.apply(c, "relative"); err == nil {
		t.Fatal("relative directory accepted")
	}
}
