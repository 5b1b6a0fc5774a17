package daemon

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// pidFile is a pid file held with an exclusive flock for the daemon's life,
// so a second ctdbd with the same run directory refuses to start.
type pidFile struct {
	path string
	f    *os.File
}

func createPidFile(path string) (*pidFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("pid file: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		b := make([]byte, 32)
		n, _ := f.ReadAt(b, 0)
		f.Close()
		return nil, fmt.Errorf("pid file %s is locked: ctdbd already running (pid %s)", path, strings.TrimSpace(string(b[:n])))
	}
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
		f.Close()
		return nil, err
	}
	return &pidFile{path: path, f: f}, nil
}

func (p *pidFile) remove() {
	if p == nil {
		return
	}
	os.Remove(p.path)
	p.f.Close()
}
