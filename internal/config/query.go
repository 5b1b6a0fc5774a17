package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
)

// FileValues returns the options set in ctdb.conf at path, as written
// ("section.key" -> value; a key given twice keeps its later value). A
// missing file sets nothing. Call ParseConf first to validate the file.
func FileValues(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	doc, err := parseINI(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	set := map[string]string{}
	for _, e := range doc.entries {
		set[e.section+"."+e.key] = e.value
	}
	return set, nil
}

// KnownOption reports whether ctdb.conf may hold section/key.
func KnownOption(section, key string) bool {
	_, ok := findOption(section, key)
	return ok
}

// OptionValue is what `ctdb-config get` prints: the value the file sets,
// else the option's default ("" when it has none).
func OptionValue(set map[string]string, section, key string) string {
	id := section + "." + key
	if v, ok := set[id]; ok {
		return v
	}
	return optionDefaults[id]
}

// dumpSectionOrder is CTDB's section order; our own sections follow.
var dumpSectionOrder = []string{"logging", "cluster", "database", "event", "failover", "legacy"}

// Dump writes every known option as `ctdb-config dump` does: a set option
// as "key = value", an unset one commented out with its default.
func Dump(w io.Writer, set map[string]string) {
	sections := slices.Clone(dumpSectionOrder)
	for _, o := range options {
		if !slices.Contains(sections, o.section) {
			sections = append(sections, o.section)
		}
	}
	for _, s := range sections {
		fmt.Fprintf(w, "[%s]\n", s)
		for _, key := range sectionKeys(s) {
			if v, ok := set[s+"."+key]; ok {
				fmt.Fprintf(w, "\t%s = %s\n", key, v)
			} else {
				fmt.Fprintf(w, "\t# %s = %s\n", key, optionDefaults[s+"."+key])
			}
		}
	}
}

// dumpKeyOrder is CTDB's key order where it differs from the options
// table; keys not listed follow in table order.
var dumpKeyOrder = map[string][]string{
	"cluster": {"transport", "node address", "cluster lock", "recovery lock", "leader timeout", "leader capability"},
}

// sectionKeys lists the keys of a section in dump order.
func sectionKeys(section string) []string {
	keys := slices.Clone(dumpKeyOrder[section])
	for _, o := range options {
		if o.section == section && !slices.Contains(keys, o.key) {
			keys = append(keys, o.key)
		}
	}
	return keys
}
