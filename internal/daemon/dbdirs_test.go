package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ctdb-go/ctdb/internal/config"
)

func TestPrepareDatabaseDirs(t *testing.T) {
	etc, vdir := t.TempDir(), t.TempDir()
	given := filepath.Join(t.TempDir(), "vol")
	if err := os.Mkdir(given, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := "[database]\n\tvolatile database directory = " + given + "\n[paths]\n\tstate directory = " + vdir + "\n"
	if err := os.WriteFile(filepath.Join(etc, "ctdb.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := config.ParseConf(filepath.Join(etc, "ctdb.conf"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	// The defaults are created under the state directory.
	if err := prepareDatabaseDirs(c); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"persistent", "state"} {
		if fi, err := os.Stat(filepath.Join(vdir, d)); err != nil || !fi.IsDir() {
			t.Errorf("default %s directory not created: %v", d, err)
		}
	}
	if _, err := os.Stat(filepath.Join(vdir, "volatile")); !os.IsNotExist(err) {
		t.Errorf("default volatile directory created although one is configured: %v", err)
	}
	// A configured directory that has gone since ctdb.conf was read is an
	// error naming the file and the key; it is not created.
	if err := os.Remove(given); err != nil {
		t.Fatal(err)
	}
	err = prepareDatabaseDirs(c)
	if err == nil || !strings.Contains(err.Error(), "ctdb.conf: [database] volatile database directory "+given+" does not exist") {
		t.Errorf("err = %v", err)
	}
	if _, err := os.Stat(given); !os.IsNotExist(err) {
		t.Error("configured directory was created")
	}
}
