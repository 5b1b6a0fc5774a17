package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ParseConf reads ctdb.conf at path and resolves the run-time paths against
// getenv (nil = os.Getenv). It fills only the ctdb.conf fields, Paths,
// ConfigDir (the file's directory) and Warnings; Nodes, PublicAddresses and
// Tunables are left empty. A missing file yields all defaults.
//
// The file is checked line by line first (syntax, unknown sections and
// options, duplicates), then each value is parsed and range-checked. The
// first problem is returned as "PATH:LINE: problem".
func ParseConf(path string, getenv func(string) string) (*Config, error) {
	c := unresolvedDefault(filepath.Dir(path))
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	doc, lines, warnings, err := checkConf(path, data)
	if err != nil {
		return nil, err
	}
	c.Warnings = append(c.Warnings, warnings...)
	if err := applyConf(c, doc.values(), path, lines); err != nil {
		return nil, err
	}
	if err := resolvePaths(c, orOSGetenv(getenv)); err != nil {
		return nil, err
	}
	return c, nil
}

// optionLines maps "section.key" to the line that set it (the last one,
// when it is set twice).
type optionLines map[string]int

// checkConf parses ctdb.conf and validates its structure, so errors can
// carry line numbers. What CTDB accepts but we would not (a key set twice)
// comes back as warnings.
func checkConf(path string, data []byte) (*iniDoc, optionLines, []string, error) {
	doc, err := parseINI(data)
	if err != nil {
		var se *iniSyntaxError
		if errors.As(err, &se) {
			return nil, nil, nil, lineError(path, se.line, "%s", se.msg)
		}
		return nil, nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, s := range doc.sections {
		if !knownSection(s.name) {
			return nil, nil, nil, lineError(path, s.line, "unknown section [%s]", s.name)
		}
	}
	lines := optionLines{}
	for _, e := range doc.entries {
		if _, ok := findOption(e.section, e.key); !ok {
			return nil, nil, nil, lineError(path, e.line, "unknown option %q in section [%s]", e.key, e.section)
		}
		if e.value == "" {
			return nil, nil, nil, lineError(path, e.line, "empty value for [%s] %s", e.section, e.key)
		}
		lines[e.section+"."+e.key] = e.line
	}
	var warnings []string
	for _, d := range doc.dups {
		warnings = append(warnings, lineError(path, d.line,
			"[%s] %s is set again (first on line %d); this later value is used", d.section, d.key, d.first).Error())
	}
	return doc, lines, warnings, nil
}

// applyConf stores every option the file sets into c, in options order.
// values maps "section.key" to its value (see iniDoc.values).
func applyConf(c *Config, values map[string]string, path string, lines optionLines) error {
	if err := checkLockNames(c, path, lines); err != nil {
		return err
	}
	for _, o := range options {
		id := o.section + "." + o.key
		val, set := values[id]
		if o.apply == nil || !set {
			continue
		}
		err := o.apply(c, val)
		var w warning
		if errors.As(err, &w) {
			c.Warnings = append(c.Warnings, lineError(path, lines[id], "[%s] %s = %s: %s", o.section, o.key, val, w).Error())
			continue
		}
		if err != nil {
			return lineError(path, lines[id], "invalid value %q for [%s] %s: %v", val, o.section, o.key, err)
		}
	}
	return nil
}

// checkLockNames records a warning when the deprecated "recovery lock" is
// used. CTDB accepts both names together; then "cluster lock" wins (the
// options table applies it last).
func checkLockNames(c *Config, path string, lines optionLines) error {
	old, hasOld := lines["cluster.recovery lock"]
	cur, hasCur := lines["cluster.cluster lock"]
	switch {
	case hasOld && hasCur:
		c.Warnings = append(c.Warnings, lineError(path, old,
			`both "cluster lock" (line %d) and its deprecated name "recovery lock" are set: "cluster lock" is used, keep only that`,
			cur).Error())
	case hasOld:
		c.Warnings = append(c.Warnings, lineError(path, old,
			`[cluster] "recovery lock" is deprecated, use "cluster lock"`).Error())
	}
	return nil
}
