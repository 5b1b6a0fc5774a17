package config

import (
	"path/filepath"
	"testing"
)

func TestToolSocketPath(t *testing.T) {
	withSocket := nodeDir(t, map[string]string{"ctdb.conf": "[paths]\nsocket = /conf/node1.sock\n"})
	withRunDir := nodeDir(t, map[string]string{"ctdb.conf": "[paths]\nrun directory = /conf/run\n"})
	broken := nodeDir(t, map[string]string{"ctdb.conf": "[paths\nsocket = /conf/x\n"})
	empty := t.TempDir()
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"CTDB_SOCKET wins", map[string]string{"CTDB_SOCKET": "/env/sock", "CTDB_BASE": withSocket}, "/env/sock"},
		{"conf socket", map[string]string{"CTDB_BASE": withSocket}, "/conf/node1.sock"},
		{"conf run directory", map[string]string{"CTDB_BASE": withRunDir}, "/conf/run/ctdbd.socket"},
		{"CTDB_RUNDIR beats conf run directory", map[string]string{"CTDB_BASE": withRunDir, "CTDB_RUNDIR": "/env/run"},
			"/env/run/ctdbd.socket"},
		{"no conf", map[string]string{"CTDB_BASE": empty}, "/var/run/ctdb/ctdbd.socket"},
		{"broken conf tolerated", map[string]string{"CTDB_BASE": broken}, "/var/run/ctdb/ctdbd.socket"},
		{"missing base dir", map[string]string{"CTDB_BASE": filepath.Join(empty, "nope")}, "/var/run/ctdb/ctdbd.socket"},
		{"bad env rundir tolerated", map[string]string{"CTDB_BASE": empty, "CTDB_RUNDIR": "rel"}, "/var/run/ctdb/ctdbd.socket"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ToolSocketPath(fakeEnv(tt.env)); got != tt.want {
				t.Errorf("ToolSocketPath = %q, want %q", got, tt.want)
			}
		})
	}
}
