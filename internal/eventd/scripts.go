package eventd

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ScriptSuffix ends the name of a script in CTDB 4.x's layout:
// events/legacy/NN.name.script, and in the data directory.
const ScriptSuffix = ".script"

// scriptEntry is one script found in a script directory.
type scriptEntry struct {
	name    string // NN.name, without ScriptSuffix
	path    string
	enabled bool
}

// scriptDir is one directory of scripts and the suffix its names carry.
type scriptDir struct {
	path   string
	suffix string // "" for events.d, ScriptSuffix for events/legacy
}

// scriptDirs lists the script directories of cfg, the CTDB 4.x one first:
// a script there wins over an events.d script of the same name.
func (c Config) scriptDirs() []scriptDir {
	var dirs []scriptDir
	if c.LegacyDir != "" {
		dirs = append(dirs, scriptDir{c.LegacyDir, ScriptSuffix})
	}
	if c.Dir != "" {
		dirs = append(dirs, scriptDir{c.Dir, ""})
	}
	return dirs
}

// scriptName returns the script name of a directory entry, or false when
// the entry is not a script there.
func (d scriptDir) scriptName(entry string) (string, bool) {
	name, ok := strings.CutSuffix(entry, d.suffix)
	if !ok || !validScriptName(name) {
		return "", false
	}
	return name, true
}

// scan lists the scripts of d in name order; a missing directory is empty.
// Entries are not filtered by type: a directory or device with an execute
// bit is "enabled" and will be reported as CANNOT RUN, which is more visible
// than ignoring it.
func (d scriptDir) scan() ([]scriptEntry, error) {
	ents, err := os.ReadDir(d.path) // sorted by name
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("eventd: read script directory: %w", err)
	}
	var list []scriptEntry
	for _, e := range ents {
		name, ok := d.scriptName(e.Name())
		if !ok {
			continue
		}
		p := filepath.Join(d.path, e.Name())
		list = append(list, scriptEntry{name: name, path: p, enabled: isExecutable(p)})
	}
	return list, nil
}

// scanDirs merges the scripts of dirs in name order. A name found in an
// earlier directory hides the same name in a later one.
func scanDirs(dirs []scriptDir) ([]scriptEntry, error) {
	seen := map[string]bool{}
	var all []scriptEntry
	for _, d := range dirs {
		list, err := d.scan()
		if err != nil {
			return nil, err
		}
		for _, s := range list {
			if !seen[s.name] {
				seen[s.name] = true
				all = append(all, s)
			}
		}
	}
	sortEntries(all)
	return all, nil
}

func sortEntries(list []scriptEntry) {
	sort.Slice(list, func(i, j int) bool { return list[i].name < list[j].name })
}

// isExecutable reports whether what path resolves to has any execute bit.
// A dangling or unreadable symlink counts as disabled.
func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().Perm()&0o111 != 0
}

// diffScripts describes how the script list changed, one message per script.
func diffScripts(old, cur []scriptEntry) []string {
	before := make(map[string]bool, len(old))
	for _, s := range old {
		before[s.name] = s.enabled
	}
	var msgs []string
	for _, s := range cur {
		was, existed := before[s.name]
		delete(before, s.name)
		switch {
		case !existed:
			msgs = append(msgs, fmt.Sprintf("script %s added (%s)", s.name, enabledWord(s.enabled)))
		case was != s.enabled:
			msgs = append(msgs, fmt.Sprintf("script %s %s", s.name, enabledWord(s.enabled)))
		}
	}
	for _, s := range old {
		if _, gone := before[s.name]; gone {
			msgs = append(msgs, fmt.Sprintf("script %s removed", s.name))
		}
	}
	return msgs
}

func enabledWord(enabled bool) string {
	if enabled {
		return "enabled"
	}
	return "disabled"
}

func countEnabled(list []scriptEntry) int {
	n := 0
	for _, s := range list {
		if s.enabled {
			n++
		}
	}
	return n
}

func infos(list []scriptEntry) []ScriptInfo {
	out := make([]ScriptInfo, len(list))
	for i, s := range list {
		out[i] = ScriptInfo{Name: s.name, Enabled: s.enabled}
	}
	return out
}
