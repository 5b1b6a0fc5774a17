// Package helperbin finds ctdb-go's helper programs (ctdb_probe,
// ctdb-recoverd, ctdb_tdb_helper, ...), CTDB's $CTDB_HELPER_BINDIR.
package helperbin

import (
	"os"
	"path/filepath"
)

// TDBHelper is the program that reads and writes TDB files for `ctdb
// tstore` and `ctdb tfetch` (tools/ctdb_tdb_helper): the tool does not
// link libtdb, so that it stays a static binary that starts fast. The
// helper exits with TDBNoRecord when fetch finds no record.
const (
	TDBHelper   = "ctdb_tdb_helper"
	TDBNoRecord = 3
)

// Dirs says where the helpers are for the program running from exe:
// $CTDB_HELPER_BINDIR if set; else exe's own directory if it holds marker
// (a build tree, where every binary sits in one directory); else the
// installed PREFIX/libexec/ctdb beside exe's PREFIX/bin or PREFIX/sbin.
// It also returns exe's directory and PREFIX/bin, where the ctdb tool is.
// getenv nil = os.Getenv; exe "" = os.Executable().
func Dirs(getenv func(string) string, exe, marker string) (helpers, exeDir, toolDir string) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			exe = "/usr/sbin/ctdbd"
		}
	}
	exeDir = filepath.Dir(exe)
	prefix := filepath.Dir(exeDir)
	toolDir = filepath.Join(prefix, "bin")
	switch {
	case getenv("CTDB_HELPER_BINDIR") != "":
		helpers = getenv("CTDB_HELPER_BINDIR")
	case exists(filepath.Join(exeDir, marker)):
		helpers = exeDir
	default:
		helpers = filepath.Join(prefix, "libexec", "ctdb")
	}
	return helpers, exeDir, toolDir
}

// Path is the helper program name for the running program (see Dirs).
func Path(getenv func(string) string, name string) string {
	dir, _, _ := Dirs(getenv, "", name)
	return filepath.Join(dir, name)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
