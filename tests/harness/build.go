package harness

import (
	"fmt"
	"os/exec"
	"sort"
	"strings"
)

// NodeBinaries maps the binaries a node runs (ctdbd, the processes it
// starts, the tool its scripts call) to the packages that build them.
var NodeBinaries = map[string]string{
	"ctdbd": "./ctdbd", "ctdb-recoverd": "./recoverd", "ctdb": "./tools/ctdb",
	"ctdb_probe": "./tools/ctdb_probe", "ctdb_mutex_fcntl_helper": "./tools/ctdb_mutex_fcntl_helper",
	"ctdb_ipguard": "./tools/ctdb_ipguard", "ctdb_tdb_helper": "./tools/ctdb_tdb_helper",
}

// Build compiles each binary in bins (name: package) of the source tree
// at src into dir with the Makefile's own rule (`make binaries`: cgo only
// for binaries whose packages need it, the others static), without the
// Makefile's link flags, so the binaries keep their built-in defaults.
func Build(src, dir string, bins map[string]string) error {
	var cmds []string
	for name, pkg := range bins {
		cmds = append(cmds, name+":"+pkg)
	}
	sort.Strings(cmds)
	cmd := exec.Command("make", "-s", "--no-print-directory", "binaries",
		"BIN="+dir, "CMDS="+strings.Join(cmds, " "), "LDFLAGS=")
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building %s from %s: %v\n%s", strings.Join(cmds, " "), src, err, out)
	}
	return nil
}
