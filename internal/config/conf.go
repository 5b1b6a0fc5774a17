package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/viper"
)

// ParseConf reads ctdb.conf at path and resolves the run-time paths against
// getenv (nil = os.Getenv). It fills only the ctdb.conf fields, Paths,
// ConfigDir (the file's directory) and Warnings; Nodes, PublicAddresses and
// Tunables are left empty. A missing file yields all defaults.
//
// The file is checked line by line first (syntax, unknown sections and
// options, duplicates), then read through viper with our INI codec, and the
// values viper returns are parsed and range-checked. The first problem is
// returned as "PATH:LINE: problem".
func ParseConf(path string, getenv func(string) string) (*Config, error) {
	c := unresolvedDefault(filepath.Dir(path))
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	lines, warnings, err := checkConf(path, data)
	if err != nil {
		return nil, err
	}
	c.Warnings = append(c.Warnings, warnings...)
	v, err := readViper(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := applyConf(c, v, path, lines); err != nil {
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

// checkConf validates the structure of ctdb.conf before viper sees it, so
// errors can carry line numbers. What CTDB accepts but we would not
// (a key set twice) comes back as warnings.
func checkConf(path string, data []byte) (optionLines, []string, error) {
	doc, err := parseINI(data)
	if err != nil {
		var se *iniSyntaxError
		if errors.As(err, &se) {
			return nil, nil, lineError(path, se.line, "%s", se.msg)
		}
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, s := range doc.sections {
		if !knownSection(s.name) {
			return nil, nil, lineError(path, s.line, "unknown section [%s]", s.name)
		}
	}
	lines := optionLines{}
	for _, e := range doc.entries {
		if _, ok := findOption(e.section, e.key); !ok {
			return nil, nil, lineError(path, e.line, "unknown option %q in section [%s]", e.key, e.section)
		}
		if e.value == "" {
			return nil, nil, lineError(path, e.line, "empty value for [%s] %s", e.section, e.key)
		}
		lines[e.section+"."+e.key] = e.line
	}
	var warnings []string
	for _, d := range doc.dups {
		warnings = append(warnings, lineError(path, d.line,
			"[%s] %s is set again (first on line %d); this later value is used", d.section, d.key, d.first).Error())
	}
	return lines, warnings, nil
}

// newViper returns a viper instance that reads our INI format.
func newViper() (*viper.Viper, error) {
	r := viper.NewCodecRegistry()
	if err := r.RegisterCodec("ini", iniCodec{}); err != nil {
		return nil, err
	}
	v := viper.NewWithOptions(viper.WithCodecRegistry(r))
	v.SetConfigType("ini")
	return v, nil
}

func readViper(data []byte) (*viper.Viper, error) {
	v, err := newViper()
	if err != nil {
		return nil, err
	}
	if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
		return nil, err
	}
	return v, nil
}

// applyConf stores every option viper holds into c, in options order.
func applyConf(c *Config, v *viper.Viper, path string, lines optionLines) error {
	if err := checkLockNames(c, path, lines); err != nil {
		return err
	}
	for _, o := range options {
		id := o.section + "." + o.key
		if o.apply == nil || !v.IsSet(id) {
			continue
		}
		val := v.GetString(id)
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
