package helpers

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func run(t *testing.T, main func([]string, func(string) string, *bytes.Buffer, *bytes.Buffer) int,
	env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := main(args, func(k string) string { return env[k] }, &out, &errb)
	return out.String(), errb.String(), code
}

func configMain(a []string, g func(string) string, o, e *bytes.Buffer) int {
	return ConfigMain(a, g, o, e)
}
func pathMain(a []string, g func(string) string, o, e *bytes.Buffer) int { return PathMain(a, g, o, e) }

func baseWith(t *testing.T, conf string) (string, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	if conf != "" {
		if err := os.WriteFile(filepath.Join(dir, "ctdb.conf"), []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, map[string]string{"CTDB_BASE": dir}
}

func TestConfigGet(t *testing.T) {
	_, env := baseWith(t, "[cluster]\n\trecovery lock = /b\n\tleader timeout = 7\n[logging]\n\tlog level = notice\n")
	tests := []struct {
		section, key, want string
		code               int
	}{
		{"cluster", "leader timeout", "7\n", 0},
		{"logging", "log level", "notice\n", 0}, // as written, like CTDB
		{"cluster", "recovery lock", "/b\n", 0},
		{"cluster", "cluster lock", "\n", 0}, // unset, no default
		{"failover", "disabled", "false\n", 0},
		{"database", "volatile database directory", "/var/lib/ctdb/volatile\n", 0},
		{"cluster", "foo", "", 2},
		{"foo", "bar", "", 2},
	}
	for _, tt := range tests {
		out, errs, code := run(t, configMain, env, "get", tt.section, tt.key)
		if out != tt.want || code != tt.code {
			t.Errorf("get %s %q = %q, %d (stderr %q); want %q, %d", tt.section, tt.key, out, code, errs, tt.want, tt.code)
		}
		if code == 2 && !strings.Contains(errs, `Configuration option [`+tt.section+`] -> "`+tt.key+`" not defined`) {
			t.Errorf("stderr %q", errs)
		}
	}
}

func TestConfigValidateAndDump(t *testing.T) {
	dir, env := baseWith(t, "[cluster]\n\tleader timeout = 7\n")
	if _, errs, code := run(t, configMain, env, "validate"); code != 0 {
		t.Errorf("validate good file: %d %q", code, errs)
	}
	out, _, code := run(t, configMain, env, "dump")
	if code != 0 || !strings.Contains(out, "[cluster]\n\t# transport = tcp\n") || !strings.Contains(out, "\tleader timeout = 7\n") ||
		!strings.Contains(out, "\t# cluster lock = \n") || !strings.HasPrefix(out, "[logging]\n") {
		t.Errorf("dump = %d\n%s", code, out)
	}
	// CTDB 4.17's sections and keys come first, in its order.
	if !strings.Contains(out, "[cluster]\n\t# transport = tcp\n\t# node address = \n\t# cluster lock = \n\t# recovery lock = \n"+
		"\tleader timeout = 7\n\t# leader capability = true\n") {
		t.Errorf("dump: [cluster] keys not in CTDB's order:\n%s", out)
	}
	last := -1
	for _, sec := range []string{"[logging]", "[cluster]", "[database]", "[event]", "[failover]", "[legacy]"} {
		i := strings.Index(out, sec+"\n")
		if i <= last {
			t.Errorf("dump: %s missing or out of CTDB's order:\n%s", sec, out)
		}
		last = i
	}
	if err := os.WriteFile(filepath.Join(dir, "ctdb.conf"), []byte("[cluster]\n\ttransport = udp\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errs, code := run(t, configMain, env, "validate")
	if code != 22 || !strings.Contains(errs, "ctdb.conf:2:") || !strings.Contains(errs, "Failed to load config file") {
		t.Errorf("validate bad file: %d %q", code, errs)
	}
	if _, _, code := run(t, configMain, env, "get", "cluster"); code != 22 {
		t.Errorf("get with one argument: exit %d, want 22", code)
	}
	if _, _, code := run(t, configMain, env); code != 1 {
		t.Errorf("no command: exit %d, want 1", code)
	}
	_, env2 := baseWith(t, "")
	if _, _, code := run(t, configMain, env2, "validate"); code != 2 {
		t.Errorf("validate without a file: exit %d, want 2", code)
	}
}

func TestPath(t *testing.T) {
	dir, env := baseWith(t, "[paths]\n\trun directory = /r\n\tstate directory = /v\n")
	env["CTDB_DATADIR"] = "/d"
	tests := []struct {
		args []string
		want string
		code int
	}{
		{[]string{"config"}, dir + "/ctdb.conf\n", 0},
		{[]string{"etcdir"}, dir + "\n", 0},
		{[]string{"etcdir", "append", "events/legacy"}, dir + "/events/legacy\n", 0},
		{[]string{"datadir", "append", "events/legacy"}, "/d/events/legacy\n", 0},
		{[]string{"rundir"}, "/r\n", 0},
		{[]string{"vardir", "append", "scripts"}, "/v/scripts\n", 0},
		{[]string{"socket", "ctdbd"}, "/r/ctdbd.socket\n", 0},
		{[]string{"pidfile", "ctdbd"}, "/r/ctdbd.pid\n", 0},
		{[]string{"socket"}, "", 22},
		{[]string{"datadir", "append"}, "", 22},
		{[]string{"bogus"}, "", 1},
	}
	for _, tt := range tests {
		out, errs, code := run(t, pathMain, env, tt.args...)
		if out != tt.want || code != tt.code {
			t.Errorf("ctdb-path %v = %q, %d (stderr %q); want %q, %d", tt.args, out, code, errs, tt.want, tt.code)
		}
	}
}
