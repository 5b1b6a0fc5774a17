package eventd

import (
	"github.com/ctdb-go/ctdb/internal/scriptdir"
)

// ErrNotScriptFile: EnableScript/DisableScript of a name that is neither a
// regular file nor a symlink; the error is a *NotScriptFileError.
var ErrNotScriptFile = scriptdir.ErrNotScriptFile

// NotScriptFileError names the entry that is neither a file nor a link.
type NotScriptFileError = scriptdir.NotScriptFileError

// ListScripts returns every script of the directories in name order, read
// afresh.
func (r *Runner) ListScripts() ([]ScriptInfo, error) {
	list, err := r.cfg.layout().Scan()
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
	l, err := r.cfg.layout().List()
	if err != nil {
		return ScriptListing{}, err
	}
	return ScriptListing{Packaged: infos(l.Packaged), Local: infos(l.Local)}, nil
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
		return r.cfg.layout().SetEnabled(name, on) // the invalid-name error
	}
	if _, err := r.scripts.get(); err != nil { // baseline for the change log
		return err
	}
	err := r.cfg.layout().SetEnabled(name, on)
	r.scripts.invalidate()
	if _, gerr := r.scripts.get(); err == nil { // rescan now, which logs the change
		err = gerr
	}
	return err
}
