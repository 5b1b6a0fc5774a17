package config

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// iniEntry is one "key = value" line. Section and key are lower-cased and
// trimmed (CTDB matches them case-insensitively); the value is trimmed only.
type iniEntry struct {
	section, key, value string
	line                int
}

// iniSection records where a section header appeared.
type iniSection struct {
	name string
	line int
}

type iniDoc struct {
	sections []iniSection
	entries  []iniEntry
	// dups are keys set again in the same section; the later value wins,
	// as in CTDB.
	dups []iniDup
}

// iniDup is a key set a second time: line sets it again, first is the
// line that set it before.
type iniDup struct {
	section, key string
	line, first  int
}

// iniSyntaxError is a syntax problem on one line; callers add the path.
type iniSyntaxError struct {
	line int
	msg  string
}

func (e *iniSyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// parseINI reads CTDB-style INI: "[section]" headers, "key = value" lines
// (keys may contain spaces), full-line comments starting with '#' or ';',
// blank lines. Values keep inner '#' and ';' (a cluster lock helper's
// arguments may contain them). A key repeated within a section is recorded
// in dups; its later value wins, as in CTDB.
func parseINI(data []byte) (*iniDoc, error) {
	doc := &iniDoc{}
	seen := map[string]int{} // "section\x00key" -> line
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case line[0] == '[':
			name, err := parseSectionHeader(line)
			if err != nil {
				return nil, &iniSyntaxError{n, err.Error()}
			}
			section = name
			doc.sections = append(doc.sections, iniSection{name, n})
		default:
			e, err := parseKeyValue(line, section)
			if err != nil {
				return nil, &iniSyntaxError{n, err.Error()}
			}
			e.line = n
			id := e.section + "\x00" + e.key
			if first, dup := seen[id]; dup {
				doc.dups = append(doc.dups, iniDup{e.section, e.key, n, first})
			}
			seen[id] = n
			doc.entries = append(doc.entries, e)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return doc, nil
}

func parseSectionHeader(line string) (string, error) {
	if !strings.HasSuffix(line, "]") {
		return "", fmt.Errorf(`expected "[section]", got %q`, line)
	}
	name := strings.ToLower(strings.TrimSpace(line[1 : len(line)-1]))
	if name == "" || strings.ContainsAny(name, "[]") {
		return "", fmt.Errorf(`expected "[section]", got %q`, line)
	}
	return name, nil
}

func parseKeyValue(line, section string) (iniEntry, error) {
	key, value, ok := strings.Cut(line, "=")
	key = strings.ToLower(strings.TrimSpace(key))
	if !ok || key == "" {
		return iniEntry{}, fmt.Errorf(`expected "key = value"`)
	}
	if section == "" {
		return iniEntry{}, fmt.Errorf("option %q is not in any [section]", key)
	}
	return iniEntry{section: section, key: key, value: strings.TrimSpace(value)}, nil
}

// values maps "section.key" to the value the file gives it: the later one
// when a key is set twice in a section, as in CTDB.
func (d *iniDoc) values() map[string]string {
	m := make(map[string]string, len(d.entries))
	for _, e := range d.entries {
		m[e.section+"."+e.key] = e.value
	}
	return m
}
