package eventd

import (
	"fmt"
	"os"
	"path/filepath"
)

// scriptEntry is one script found in the directory.
type scriptEntry struct {
	name    string
	path    string
	enabled bool
}

// scanDir lists the scripts of dir in name order. Entries are not filtered by
// type: a directory or device with an execute bit is "enabled" and will be
// reported as CANNOT RUN, which is more visible than ignoring it.
func scanDir(dir string) ([]scriptEntry, error) {
	ents, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		return nil, fmt.Errorf("eventd: read script directory: %w", err)
	}
	var list []scriptEntry
	for _, e := range ents {
		if !validScriptName(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		list = append(list, scriptEntry{name: e.Name(), path: p, enabled: isExecutable(p)})
	}
	return list, nil
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

func infos(list []scriptEntry) []ScriptInfo {
	out := make([]ScriptInfo, len(list))
	for i, s := range list {
		out[i] = ScriptInfo{Name: s.name, Enabled: s.enabled}
	}
	return out
}
