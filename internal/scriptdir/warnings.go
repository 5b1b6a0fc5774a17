package scriptdir

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// scriptLikeRE matches entries that look like scripts (NN.something) and
// so deserve a warning when their name does not fit the directory
// (compiled on first use, as nameRE).
var scriptLikeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{2}\.`) })

// ignoredSuffixes are entries that are never scripts: per-script options,
// editor and package-manager leftovers.
var ignoredSuffixes = []string{".options", "~", ".rpmnew", ".rpmsave", ".rpmorig", ".swp", ".orig", ".bak"}

func ignoredEntry(name string) bool {
	if strings.Contains(name, ".dpkg-") {
		return true
	}
	for _, s := range ignoredSuffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// Warnings describes what in the script directories will not run as the
// operator may expect: files that look like scripts but whose names do not
// fit their directory (NN.name.script in events.d, NN.name in
// events/legacy), a script hidden by one of the same name, a symlink to
// nothing, and a node with no enabled script at all. ctdbd logs these at
// startup.
func (l Layout) Warnings() []string {
	dirs := l.Dirs()
	var out []string
	seen := map[string]string{} // script name -> directory that provides it
	for _, d := range dirs {
		ents, err := os.ReadDir(d.Path)
		if err != nil {
			continue
		}
		var odd []string
		for _, e := range ents {
			name, ok := d.scriptName(e.Name())
			switch {
			case ok && seen[name] != "":
				out = append(out, fmt.Sprintf("Script %s in %s is hidden by %s in %s and does not run",
					e.Name(), d.Path, name+Suffix, seen[name]))
			case ok:
				seen[name] = d.Path
				if w := danglingWarning(d.Path, e.Name()); w != "" {
					out = append(out, w)
				}
			case scriptLikeRE().MatchString(e.Name()) && !ignoredEntry(e.Name()):
				odd = append(odd, e.Name())
			}
		}
		if len(odd) > 0 {
			out = append(out, fmt.Sprintf("Script directory %s holds files that never run, "+
				"because scripts there must be named %s: %s", d.Path, d.pattern(), strings.Join(odd, ", ")))
		}
	}
	list, err := l.Scan()
	if err == nil && CountEnabled(list) == 0 {
		out = append(out, l.NoScriptWarning())
	}
	return out
}

// danglingWarning describes a script that is a symlink to nothing (say,
// to a packaged script of a package since removed): it counts as disabled,
// so it must not go unnoticed.
func danglingWarning(dir, entry string) string {
	p := filepath.Join(dir, entry)
	target, err := os.Readlink(p)
	if err != nil {
		return ""
	}
	if _, err := os.Stat(p); err == nil {
		return ""
	}
	return fmt.Sprintf("Script %s in %s is a symlink to %s, which does not exist: it does not run", entry, dir, target)
}

// pattern is the name scripts must have in d.
func (d Dir) pattern() string { return "NN.name" + d.Suffix }

// NoScriptWarning says that nothing monitors this node.
func (l Layout) NoScriptWarning() string {
	var paths []string
	for _, d := range l.Dirs() {
		paths = append(paths, d.Path)
	}
	return fmt.Sprintf("No enabled event script in %s: no health check runs on this node, "+
		"and monitor succeeds without checking anything", strings.Join(paths, " or "))
}
