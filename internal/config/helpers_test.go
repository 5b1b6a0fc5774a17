package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fakeEnv returns a getenv that sees only m.
func fakeEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// writeTemp writes content to dir/name and returns the path.
func writeTemp(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// wantFileError asserts err is "PATH:LINE: ..." (or "PATH: ..." for line 0)
// and contains the problem text.
func wantFileError(t *testing.T, err error, path string, line int, problem string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s:%d: ...%s", path, line, problem)
	}
	prefix := path + ": "
	if line > 0 {
		prefix = path + ":" + strconv.Itoa(line) + ": "
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) {
		t.Errorf("error %q does not start with %q", msg, prefix)
	}
	if !strings.Contains(msg, problem) {
		t.Errorf("error %q does not contain %q", msg, problem)
	}
}
