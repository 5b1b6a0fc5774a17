package netns

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
)

var (
	checkOnce sync.Once
	checkErr  error
)

// Check reports why namespace networks cannot be built here, or nil if they
// can: it needs root, `ip` and `nsenter` on PATH, and a working
// `ip netns add` (tried once per process with a throw-away namespace).
// New skips the test with this error; tests may call it to skip early.
func Check() error {
	checkOnce.Do(func() { checkErr = check() })
	return checkErr
}

func check() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("netns: network namespaces need root (euid %d)", os.Geteuid())
	}
	for _, tool := range []string{"ip", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("netns: %s not found on PATH (packages iproute2, util-linux): %w", tool, err)
		}
	}
	names, err := newNameSet(DefaultPrefix, os.Getpid())
	if err != nil {
		return err
	}
	probe := names.name("probe")
	if _, err := ip("netns", "add", probe); err != nil {
		return fmt.Errorf("netns: cannot create a network namespace: %w", err)
	}
	if _, err := ip("netns", "del", probe); err != nil {
		return fmt.Errorf("netns: cannot delete probe namespace %s: %w", probe, err)
	}
	return nil
}
