package suite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Skip skips with the one line and records it for make test's summary.
func TestSkipRecordsTheLine(t *testing.T) {
	f := filepath.Join(t.TempDir(), "skips")
	t.Setenv(SkipsEnv, f)
	var msg string
	t.Run("skipped", func(t *testing.T) {
		defer func() { msg = strings.Join([]string{t.Name(), boolText(t.Skipped())}, " ") }()
		Skip(t, FUSE, " no /dev/fuse \n")
	})
	if msg != "TestSkipRecordsTheLine/skipped skipped" {
		t.Errorf("subtest: %s", msg)
	}
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); got != "SKIP: fuse: no /dev/fuse\n" {
		t.Errorf("recorded %q", got)
	}
}

func boolText(b bool) string {
	if b {
		return "skipped"
	}
	return "ran"
}
