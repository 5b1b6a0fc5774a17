// Package scriptdir knows how CTDB lays out eventscripts on disk: CTDB
// 4.x's $CTDB_BASE/events/legacy/NN.name.script (usually symlinks to the
// packaged copies in $CTDB_DATADIR/events/legacy), and the older
// $CTDB_BASE/events.d/NN.name. It lists, enables and disables scripts as
// CTDB 4.17's tool does, and says what in the directories will not run.
// It only touches files: ctdbd's script runner and the ctdb tool (when no
// daemon runs) both use it.
package scriptdir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Suffix ends the name of a script in events/legacy and in the data
// directory.
const Suffix = ".script"

var (
	// ErrNoScript: enable or disable of a name that is nowhere.
	ErrNoScript = errors.New("eventd: no such script")
	// ErrNotScriptFile: enable or disable of a name that is neither a
	// regular file nor a symlink; the error is a *NotScriptFileError.
	ErrNotScriptFile = errors.New("eventd: script is not a file or a link")
)

// NotScriptFileError names the entry that is neither a file nor a link;
// its message is CTDB's.
type NotScriptFileError struct{ Path string }

func (e *NotScriptFileError) Error() string {
	return fmt.Sprintf("Script %s is not a file or a link", e.Path)
}

func (e *NotScriptFileError) Is(target error) bool { return target == ErrNotScriptFile }

// nameRE matches script names (without Suffix), compiled on first use so that
// a start of the tool or ctdbd does not pay for it. Anything else in a
// directory (backup files such as "50.x~", "50.x.rpmnew", "50.x.dpkg-old",
// "50.x.swp", names with extra or leading dots, README...) is ignored. It
// also excludes '/', so a valid name never leaves the directory.
var nameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{2}\.[A-Za-z0-9_-]+$`) })

// ValidName reports whether name (NN.name, no suffix) is a script name.
func ValidName(name string) bool { return nameRE().MatchString(name) }

// Script is one script found in a script directory.
type Script struct {
	Name    string // NN.name, without Suffix
	Path    string
	Enabled bool
}

// Layout names a node's script directories. Old or Legacy may be empty.
type Layout struct {
	Legacy string // events/legacy: NN.name.script; wins over Old
	Old    string // events.d: NN.name
	Data   string // packaged scripts NN.name.script; "" = none
}

// Dir is one directory of scripts and the suffix its names carry.
type Dir struct {
	Path   string
	Suffix string // "" for events.d, Suffix for events/legacy
}

// Dirs lists the script directories, events/legacy first.
func (l Layout) Dirs() []Dir {
	var dirs []Dir
	if l.Legacy != "" {
		dirs = append(dirs, Dir{l.Legacy, Suffix})
	}
	if l.Old != "" {
		dirs = append(dirs, Dir{l.Old, ""})
	}
	return dirs
}

// scriptName returns the script name of a directory entry, or false when
// the entry is not a script there.
func (d Dir) scriptName(entry string) (string, bool) {
	name, ok := strings.CutSuffix(entry, d.Suffix)
	if !ok || !ValidName(name) {
		return "", false
	}
	return name, true
}

// scan lists the scripts of d in name order; a missing directory is empty.
// Entries are not filtered by type: a directory or device with an execute
// bit is "enabled" and will be reported as CANNOT RUN, which is more
// visible than ignoring it.
func (d Dir) scan() ([]Script, error) {
	ents, err := os.ReadDir(d.Path) // sorted by name
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("eventd: read script directory: %w", err)
	}
	var list []Script
	for _, e := range ents {
		name, ok := d.scriptName(e.Name())
		if !ok {
			continue
		}
		p := filepath.Join(d.Path, e.Name())
		list = append(list, Script{Name: name, Path: p, Enabled: isExecutable(p)})
	}
	return list, nil
}

// Scan merges the scripts of the directories in name order. A name in
// events/legacy hides the same name in events.d.
func (l Layout) Scan() ([]Script, error) {
	seen := map[string]bool{}
	var all []Script
	for _, d := range l.Dirs() {
		list, err := d.scan()
		if err != nil {
			return nil, err
		}
		for _, s := range list {
			if !seen[s.Name] {
				seen[s.Name] = true
				all = append(all, s)
			}
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all, nil
}

// isExecutable reports whether what path resolves to has any execute bit.
// A dangling or unreadable symlink counts as disabled.
func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().Perm()&0o111 != 0
}

// CountEnabled is the number of enabled scripts in list.
func CountEnabled(list []Script) int {
	n := 0
	for _, s := range list {
		if s.Enabled {
			n++
		}
	}
	return n
}
