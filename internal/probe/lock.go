package probe

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// withFlock runs fn while holding an exclusive flock on path. Each call opens
// its own descriptor, so goroutines of one process exclude each other too.
// The lock file is in the local state directory, so this never hangs on the
// probed filesystem.
func withFlock(path string, fn func() error) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open lock file: %w", err)
	}
	defer f.Close()
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("lock %s: %w", path, err)
	}
	defer unix.Flock(int(f.Fd()), unix.LOCK_UN) //nolint:errcheck // close releases it anyway
	return fn()
}
