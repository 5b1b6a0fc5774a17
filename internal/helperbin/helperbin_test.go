package helperbin

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDirs(t *testing.T) {
	tree := t.TempDir()
	build := filepath.Join(tree, "bin")
	if err := os.MkdirAll(build, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(build, "ctdb_probe"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		name, exe, bindir, want string
	}{
		{"environment wins", filepath.Join(build, "ctdbd"), "/opt/h", "/opt/h"},
		{"build tree", filepath.Join(build, "ctdbd"), "", build},
		{"installed sbin", "/usr/sbin/ctdbd", "", "/usr/libexec/ctdb"},
		{"installed bin", "/usr/local/bin/ctdb", "", "/usr/local/libexec/ctdb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			helpers, exeDir, toolDir := Dirs(env(map[string]string{"CTDB_HELPER_BINDIR": tc.bindir}), tc.exe, "ctdb_probe")
			if helpers != tc.want || exeDir != filepath.Dir(tc.exe) || toolDir != filepath.Join(filepath.Dir(filepath.Dir(tc.exe)), "bin") {
				t.Errorf("Dirs(%s) = %s, %s, %s; want helpers %s", tc.exe, helpers, exeDir, toolDir, tc.want)
			}
		})
	}
}
