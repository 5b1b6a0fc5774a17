package scriptdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Listing is what `ctdb event script list` shows, as CTDB 4.17 does.
type Listing struct {
	// Packaged are the scripts of the data directory; Enabled means a
	// symlink of the same name in events/legacy points at it.
	Packaged []Script
	// Local are the other scripts of the script directories; Enabled
	// means executable.
	Local []Script
}

// List returns the packaged scripts, then the scripts that are not
// symlinks to them.
func (l Layout) List() (Listing, error) {
	local, err := l.Scan()
	if err != nil {
		return Listing{}, err
	}
	var out Listing
	linked := map[string]bool{}
	if l.Data != "" {
		data, err := Dir{l.Data, Suffix}.scan()
		if err != nil {
			return Listing{}, err
		}
		for _, d := range data {
			on := l.linksTo(d)
			linked[d.Name] = on
			out.Packaged = append(out.Packaged, Script{Name: d.Name, Path: d.Path, Enabled: on})
		}
	}
	for _, s := range local {
		if !linked[s.Name] {
			out.Local = append(out.Local, s)
		}
	}
	return out, nil
}

// linksTo reports whether events/legacy holds a symlink to the packaged
// script d (by absolute or relative path).
func (l Layout) linksTo(d Script) bool {
	if l.Legacy == "" {
		return false
	}
	p := filepath.Join(l.Legacy, d.Name+Suffix)
	if fi, err := os.Lstat(p); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return false
	}
	target, err1 := os.Stat(p)
	packaged, err2 := os.Stat(d.Path)
	return err1 == nil && err2 == nil && os.SameFile(target, packaged)
}

// SetEnabled enables or disables script name as CTDB 4.17's tool does.
// Enable: a symlink is left alone, a regular file is made executable
// (chmod a+x), and a script found only in the data directory is linked
// into events/legacy (created if needed). Disable: a symlink is removed
// (its target is never touched), a regular file is made non-executable,
// and a script that is only packaged is already disabled. A name found
// nowhere is ErrNoScript.
func (l Layout) SetEnabled(name string, on bool) error {
	if !ValidName(name) {
		return fmt.Errorf("eventd: invalid script name %q", name)
	}
	for _, d := range l.Dirs() {
		p := filepath.Join(d.Path, name+d.Suffix)
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("eventd: script %s: %w", name, err)
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0 && on:
			return nil
		case fi.Mode()&fs.ModeSymlink != 0:
			if err := os.Remove(p); err != nil {
				return fmt.Errorf("eventd: remove symlink %s: %w", p, err)
			}
			return nil
		case fi.Mode().IsRegular():
			return chmodX(p, fi.Mode(), on)
		default:
			return &NotScriptFileError{Path: p}
		}
	}
	data := l.dataScript(name)
	if data == "" {
		return fmt.Errorf("%w: %s", ErrNoScript, name)
	}
	if !on {
		return nil
	}
	if l.Legacy == "" {
		return fmt.Errorf("eventd: script %s: no events/legacy directory to link it into", name)
	}
	if err := os.MkdirAll(l.Legacy, 0o755); err != nil {
		return fmt.Errorf("eventd: script %s: %w", name, err)
	}
	link := filepath.Join(l.Legacy, name+Suffix)
	if err := os.Symlink(data, link); err != nil {
		return fmt.Errorf("eventd: create symlink %s: %w", link, err)
	}
	return nil
}

// dataScript is the packaged script name, or "" when there is none.
func (l Layout) dataScript(name string) string {
	if l.Data == "" {
		return ""
	}
	p := filepath.Join(l.Data, name+Suffix)
	if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	return p
}

// chmodX sets or clears every execute bit of the regular file p.
func chmodX(p string, mode fs.FileMode, on bool) error {
	mode &= fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky
	if on {
		mode |= 0o111
	} else {
		mode &^= 0o111
	}
	if err := os.Chmod(p, mode); err != nil {
		return fmt.Errorf("eventd: script %s: %w", filepath.Base(p), err)
	}
	return nil
}
