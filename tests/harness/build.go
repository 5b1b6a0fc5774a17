package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
// at src into dir, as the Makefile does: with cgo only when one of our
// packages needs it, so the others are static.
func Build(src, dir string, bins map[string]string) error {
	for name, pkg := range bins {
		list := exec.Command("go", "list", "-deps", "-f", "{{if .CgoFiles}}{{.ImportPath}}{{end}}", pkg)
		list.Dir = src
		deps, err := list.Output()
		if err != nil {
			return fmt.Errorf("listing the packages of %s in %s: %v", name, src, err)
		}
		cgo := "0"
		if strings.Contains("\n"+string(deps), "\ngithub.com/ctdb-go/") {
			cgo = "1"
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, name), pkg)
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("building %s in %s: %v\n%s", name, src, err, out)
		}
	}
	return nil
}
