package harness

import (
	"fmt"
	"os/exec"
	"path/filepath"
)

// NodeBinaries maps the binaries a node runs (ctdbd, the processes it
// starts, the tool its scripts call) to the packages that build them.
var NodeBinaries = map[string]string{
	"ctdbd": "./ctdbd", "ctdb-recoverd": "./recoverd", "ctdb": "./tools/ctdb",
	"ctdb_probe": "./tools/ctdb_probe", "ctdb_mutex_fcntl_helper": "./tools/ctdb_mutex_fcntl_helper",
	"ctdb_ipguard": "./tools/ctdb_ipguard",
}

// Build compiles each binary in bins (name: package) of the source tree
// at src into dir.
func Build(src, dir string, bins map[string]string) error {
	for name, pkg := range bins {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, name), pkg)
		cmd.Dir = src
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("building %s in %s: %v\n%s", name, src, err, out)
		}
	}
	return nil
}
