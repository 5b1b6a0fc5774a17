package config

import (
	"testing"
)

func TestParseConf_PathPrecedence(t *testing.T) {
	const confPaths = "[paths]\nrun directory = /conf/run\nstate directory = /conf/var\nsocket = /conf/sock\n"
	tests := []struct {
		name string
		conf string
		env  map[string]string
		want PathsConfig
	}{
		{"defaults", "", nil, PathsConfig{
			RunDir: "/var/run/ctdb", VarDir: "/var/lib/ctdb",
			Socket: "/var/run/ctdb/ctdbd.socket", PidFile: "/var/run/ctdb/ctdbd.pid"}},
		{"conf only", confPaths, nil, PathsConfig{
			RunDir: "/conf/run", VarDir: "/conf/var", Socket: "/conf/sock", PidFile: "/conf/run/ctdbd.pid"}},
		{"env beats conf", confPaths, map[string]string{
			"CTDB_RUNDIR": "/env/run", "CTDB_VARDIR": "/env/var", "CTDB_SOCKET": "/env/sock"},
			PathsConfig{RunDir: "/env/run", VarDir: "/env/var", Socket: "/env/sock", PidFile: "/env/run/ctdbd.pid"}},
		{"env rundir moves default socket", "", map[string]string{"CTDB_RUNDIR": "/env/run/"},
			PathsConfig{RunDir: "/env/run", VarDir: "/var/lib/ctdb",
				Socket: "/env/run/ctdbd.socket", PidFile: "/env/run/ctdbd.pid"}},
		{"conf socket beats env rundir", "[paths]\nsocket = /conf/sock\n", map[string]string{"CTDB_RUNDIR": "/env/run"},
			PathsConfig{RunDir: "/env/run", VarDir: "/var/lib/ctdb", Socket: "/conf/sock", PidFile: "/env/run/ctdbd.pid"}},
		{"data directory: env beats conf", "[paths]\ndata directory = /conf/share\n", map[string]string{"CTDB_DATADIR": "/env/share/"},
			PathsConfig{RunDir: "/var/run/ctdb", VarDir: "/var/lib/ctdb", Socket: "/var/run/ctdb/ctdbd.socket",
				PidFile: "/var/run/ctdb/ctdbd.pid", DataDir: "/env/share"}},
		{"data directory from conf", "[paths]\ndata directory = /conf/share\n", nil,
			PathsConfig{RunDir: "/var/run/ctdb", VarDir: "/var/lib/ctdb", Socket: "/var/run/ctdb/ctdbd.socket",
				PidFile: "/var/run/ctdb/ctdbd.pid", DataDir: "/conf/share"}},
		{"empty env ignored", confPaths, map[string]string{"CTDB_RUNDIR": "", "CTDB_SOCKET": ""},
			PathsConfig{RunDir: "/conf/run", VarDir: "/conf/var", Socket: "/conf/sock", PidFile: "/conf/run/ctdbd.pid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, t.TempDir(), "ctdb.conf", tt.conf)
			c, err := ParseConf(path, fakeEnv(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if tt.want.DataDir == "" {
				tt.want.DataDir = DefaultDataDir
			}
			if c.Paths != tt.want {
				t.Errorf("Paths = %+v\n want %+v", c.Paths, tt.want)
			}
		})
	}
}

func TestParseConf_RelativeEnvPath(t *testing.T) {
	for _, name := range []string{"CTDB_RUNDIR", "CTDB_VARDIR", "CTDB_SOCKET", "CTDB_DATADIR"} {
		t.Run(name, func(t *testing.T) {
			path := writeTemp(t, t.TempDir(), "ctdb.conf", "")
			_, err := ParseConf(path, fakeEnv(map[string]string{name: "rel/dir"}))
			if err == nil || err.Error() != "$"+name+`: path "rel/dir" must be absolute` {
				t.Errorf("err = %v", err)
			}
		})
	}
}
