package eventd

import (
	"fmt"

	"github.com/ctdb-go/ctdb/internal/scriptdir"
)

// ScriptSuffix ends the name of a script in CTDB 4.x's layout:
// events/legacy/NN.name.script, and in the data directory.
const ScriptSuffix = scriptdir.Suffix

// scriptEntry is one script found in the script directories.
type scriptEntry = scriptdir.Script

// layout is the script directories of the runner's configuration.
func (c Config) layout() scriptdir.Layout {
	return scriptdir.Layout{Legacy: c.LegacyDir, Old: c.Dir, Data: c.DataDir}
}

// LayoutWarnings describes what in the script directories will not run as
// the operator may expect (see scriptdir.Layout.Warnings). New logs them.
func (r *Runner) LayoutWarnings() []string {
	return r.cfg.layout().Warnings()
}

// diffScripts describes how the script list changed, one message per script.
func diffScripts(old, cur []scriptEntry) []string {
	before := make(map[string]bool, len(old))
	for _, s := range old {
		before[s.Name] = s.Enabled
	}
	var msgs []string
	for _, s := range cur {
		was, existed := before[s.Name]
		delete(before, s.Name)
		switch {
		case !existed:
			msgs = append(msgs, fmt.Sprintf("script %s added (%s)", s.Name, enabledWord(s.Enabled)))
		case was != s.Enabled:
			msgs = append(msgs, fmt.Sprintf("script %s %s", s.Name, enabledWord(s.Enabled)))
		}
	}
	for _, s := range old {
		if _, gone := before[s.Name]; gone {
			msgs = append(msgs, fmt.Sprintf("script %s removed", s.Name))
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
		out[i] = ScriptInfo{Name: s.Name, Enabled: s.Enabled}
	}
	return out
}
