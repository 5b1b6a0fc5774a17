package config

import (
	"os"
	"path/filepath"
	"testing"
)

func TestResolveConfigDir(t *testing.T) {
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		flag string
		env  map[string]string
		want string
	}{
		{"default", "", nil, "/etc/ctdb"},
		{"env", "", map[string]string{"CTDB_BASE": "/srv/node2"}, "/srv/node2"},
		{"flag beats env", "/srv/node1", map[string]string{"CTDB_BASE": "/srv/node2"}, "/srv/node1"},
		{"empty env ignored", "", map[string]string{"CTDB_BASE": ""}, "/etc/ctdb"},
		{"relative flag made absolute", "node1/", nil, filepath.Join(cwd, "node1")},
		{"relative env made absolute", "", map[string]string{"CTDB_BASE": "./n3"}, filepath.Join(cwd, "n3")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ResolveConfigDir(Options{ConfigDir: tt.flag, Getenv: fakeEnv(tt.env)})
			if got != tt.want {
				t.Errorf("ResolveConfigDir = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestResolveConfigDir_NilGetenvUsesOS(t *testing.T) {
	t.Setenv("CTDB_BASE", "/from/os/env")
	if got := ResolveConfigDir(Options{}); got != "/from/os/env" {
		t.Errorf("got %q", got)
	}
}

func TestConfigFilePaths(t *testing.T) {
	c := Default("/srv/n1")
	checks := map[string]string{
		c.EventsDir():           "/srv/n1/events.d",
		c.FunctionsFile():       "/srv/n1/functions",
		c.NodesFile():           "/srv/n1/nodes",
		c.PublicAddressesFile(): "/srv/n1/public_addresses",
		c.TunablesFile():        "/srv/n1/ctdb.tunables",
		c.ConfFile():            "/srv/n1/ctdb.conf",
	}
	for got, want := range checks {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	c.Cluster.NodesList = "/shared/nodes"
	if got := c.NodesFile(); got != "/shared/nodes" {
		t.Errorf("absolute nodes list: %q", got)
	}
	c.Cluster.NodesList = "cluster/nodes"
	if got := c.NodesFile(); got != "/srv/n1/cluster/nodes" {
		t.Errorf("relative nodes list: %q", got)
	}
}
