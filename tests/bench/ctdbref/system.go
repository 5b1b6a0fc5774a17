package ctdbref

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"

	"github.com/ctdb-go/ctdb/tests/bench/system"
)

// Name is the system's name in the suite's tables.
const Name = "CTDB"

// Options choose how the daemons run (see the package documentation).
type Options struct {
	// TestMode runs every ctdbd with CTDB_TEST_MODE=yes, as CTDB's own
	// local_daemons.sh does, instead of as installed (the default). Test
	// mode skips the RerecoveryTimeout wait at start-up and the public IP
	// checks, and cannot run 10.interface, so PublicAddresses is refused.
	TestMode bool
}

// System is the installed CTDB. Its methods may be called from several
// goroutines.
type System struct {
	opts    Options
	once    sync.Once
	version string
}

var _ system.System = (*System)(nil)

// New returns the installed CTDB, run as installed.
func New() system.System { return NewWith(Options{}) }

// NewWith returns the installed CTDB run the way o says.
func NewWith(o Options) *System { return &System{opts: o} }

func (s *System) Name() string { return Name }

// Version is what `ctdb version` prints (e.g. "4.17.12-Debian", or
// "unknown"), with " (test mode)" in test mode.
func (s *System) Version() string {
	s.once.Do(func() {
		s.version = "unknown"
		out, err := exec.Command(ctdbBin, "version").Output()
		if v := strings.TrimSpace(string(out)); err == nil && v != "" {
			s.version = v
		}
		if s.opts.TestMode {
			s.version += " (test mode)"
		}
	})
	return s.version
}

// Available says whether the package's programs are installed and this
// process may run them the way NewCluster does (as root: the per-node
// mount namespace, ctdbd's eventscripts).
func (s *System) Available() (bool, string) {
	if err := available(); err != nil {
		return false, err.Error()
	}
	return true, ""
}

func available() error {
	if runtime.GOOS != "linux" {
		return fmt.Errorf("needs Linux, not %s", runtime.GOOS)
	}
	for _, p := range []string{ctdbdBin, ctdbBin, helperDir + "/ctdb-eventd",
		helperDir + "/ctdb_mutex_fcntl_helper", helperDir + "/ctdb-config", functions,
		scriptDir + "/00.ctdb.script"} {
		if err := executableOrFile(p); err != nil {
			return fmt.Errorf("Debian package ctdb not installed (apt-get install ctdb): %w", err)
		}
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("needs root (euid is %d)", os.Geteuid())
	}
	for _, tool := range []string{"unshare", "nsenter", "mount", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("needs %s (util-linux): %w", tool, err)
		}
	}
	// CTDB's 10.interface reads link state with ethtool; without it every
	// node with public addresses stays UNHEALTHY ("No link on the public
	// network interface").
	if _, err := exec.LookPath("ethtool"); err != nil {
		return fmt.Errorf("needs ethtool for CTDB's 10.interface (make bench-deps installs it): %w", err)
	}
	return nil
}

// executableOrFile checks that p exists (and is executable unless it is
// the functions file, which is sourced).
func executableOrFile(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	if p != functions && st.Mode()&0o111 == 0 {
		return fmt.Errorf("%s is not executable", p)
	}
	return nil
}

// NewCluster writes every node's configuration under o.Base; nothing is
// started.
func (s *System) NewCluster(o system.ClusterOptions) (system.Cluster, error) {
	if err := available(); err != nil {
		return nil, err
	}
	st, err := settle(o, s.opts.TestMode)
	if err != nil {
		return nil, err
	}
	if err := writeCluster(st); err != nil {
		return nil, fmt.Errorf("writing CTDB configuration under %s: %w", st.base, err)
	}
	return &Cluster{s: st, l: layout{st.base}}, nil
}
