package eventd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNotScriptFile: EnableScript/DisableScript of a name that is neither a
// regular file nor a symlink.
var ErrNotScriptFile = errors.New("eventd: script is not a file or a link")

// ListScripts returns every script of the directories in name order, read
// afresh.
func (r *Runner) ListScripts() ([]ScriptInfo, error) {
	list, err := scanDirs(r.cfg.scriptDirs())
	if err != nil {
		return nil, err
	}
	return infos(list), nil
}

// ScriptListing is what `ctdb event script list` shows, as CTDB 4.17 does.
type ScriptListing struct {
	// Packaged are the scripts of the data directory; Enabled means a
	// symlink of the same name in LegacyDir points at it.
	Packaged []ScriptInfo
	// Local are the other scripts of the script directories; Enabled
	// means executable.
	Local []ScriptInfo
}

// ListScriptsCTDB lists the packaged scripts first, then the scripts that
// are not symlinks to them.
func (r *Runner) ListScriptsCTDB() (ScriptListing, error) {
	local, err := scanDirs(r.cfg.scriptDirs())
	if err != nil {
		return ScriptListing{}, err
	}
	var out ScriptListing
	linked := map[string]bool{}
	if r.cfg.DataDir != "" {
		data, err := scriptDir{r.cfg.DataDir, ScriptSuffix}.scan()
		if err != nil {
			return ScriptListing{}, err
		}
		for _, d := range data {
			on := r.linksTo(d)
			linked[d.name] = on
			out.Packaged = append(out.Packaged, ScriptInfo{Name: d.name, Enabled: on})
		}
	}
	for _, s := range local {
		if !linked[s.name] {
			out.Local = append(out.Local, ScriptInfo{Name: s.name, Enabled: s.enabled})
		}
	}
	return out, nil
}

// linksTo reports whether LegacyDir holds a symlink to the packaged script d.
func (r *Runner) linksTo(d scriptEntry) bool {
	if r.cfg.LegacyDir == "" {
		return false
	}
	p := filepath.Join(r.cfg.LegacyDir, d.name+ScriptSuffix)
	if fi, err := os.Lstat(p); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return false
	}
	target, err1 := os.Stat(p)
	packaged, err2 := os.Stat(d.path)
	return err1 == nil && err2 == nil && os.SameFile(target, packaged)
}

// EnableScript enables script name as CTDB does: a symlink is left alone, a
// regular file is made executable (chmod a+x), and a script found only in
// the data directory is linked into LegacyDir.
func (r *Runner) EnableScript(name string) error {
	return r.setEnabled(name, true)
}

// DisableScript disables script name as CTDB does: a symlink is removed
// (its target is never touched) and a regular file is made non-executable
// (chmod a-x). A script that exists only in the data directory is already
// disabled.
func (r *Runner) DisableScript(name string) error {
	return r.setEnabled(name, false)
}

func (r *Runner) setEnabled(name string, on bool) error {
	if !validScriptName(name) {
		return fmt.Errorf("eventd: invalid script name %q", name)
	}
	if _, err := r.scripts.get(); err != nil { // baseline for the change log
		return err
	}
	err := r.applyEnabled(name, on)
	r.scripts.invalidate()
	if _, gerr := r.scripts.get(); err == nil { // rescan now, which logs the change
		err = gerr
	}
	return err
}

func (r *Runner) applyEnabled(name string, on bool) error {
	for _, d := range r.cfg.scriptDirs() {
		p := filepath.Join(d.path, name+d.suffix)
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
			return fmt.Errorf("%w: %s", ErrNotScriptFile, p)
		}
	}
	data := r.dataScript(name)
	if data == "" {
		return fmt.Errorf("%w: %s", ErrNoScript, name)
	}
	if !on {
		return nil
	}
	if r.cfg.LegacyDir == "" {
		return fmt.Errorf("eventd: script %s: no events/legacy directory to link it into", name)
	}
	if err := os.MkdirAll(r.cfg.LegacyDir, 0o755); err != nil {
		return fmt.Errorf("eventd: script %s: %w", name, err)
	}
	link := filepath.Join(r.cfg.LegacyDir, name+ScriptSuffix)
	if err := os.Symlink(data, link); err != nil {
		return fmt.Errorf("eventd: create symlink %s: %w", link, err)
	}
	return nil
}

// dataScript is the packaged script name, or "" when there is none.
func (r *Runner) dataScript(name string) string {
	if r.cfg.DataDir == "" {
		return ""
	}
	p := filepath.Join(r.cfg.DataDir, name+ScriptSuffix)
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
