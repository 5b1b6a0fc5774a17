package eventd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ListScripts returns every script of the directory in name order, read
// afresh.
func (r *Runner) ListScripts() ([]ScriptInfo, error) {
	list, err := scanDir(r.cfg.Dir)
	if err != nil {
		return nil, err
	}
	return infos(list), nil
}

// EnableScript makes script name executable (chmod a+x).
func (r *Runner) EnableScript(name string) error {
	return r.setExecutable(name, true)
}

// DisableScript makes script name non-executable (chmod a-x).
func (r *Runner) DisableScript(name string) error {
	return r.setExecutable(name, false)
}

// setExecutable chmods a script of the directory. The name must be a valid
// script name, which excludes '/' and "..", so it never leaves the
// directory; it must name an existing regular file (or a symlink to one).
func (r *Runner) setExecutable(name string, on bool) error {
	if !validScriptName(name) {
		return fmt.Errorf("eventd: invalid script name %q", name)
	}
	p := filepath.Join(r.cfg.Dir, name)
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s in %s", ErrNoScript, name, r.cfg.Dir)
	}
	if err != nil {
		return fmt.Errorf("eventd: script %s: %w", name, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("eventd: script %s in %s is not a regular file", name, r.cfg.Dir)
	}
	if _, err := r.scripts.get(); err != nil { // baseline for the change log below
		return err
	}
	mode := fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
	if on {
		mode |= 0o111
	} else {
		mode &^= 0o111
	}
	if err := os.Chmod(p, mode); err != nil {
		return fmt.Errorf("eventd: script %s: %w", name, err)
	}
	r.scripts.invalidate()
	_, err = r.scripts.get() // rescan now, which logs the change
	return err
}
