package tunables

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// LoadFile applies a ctdb.tunables file to s.
//
// Format: one "Name=value" per line, optional spaces around '=', names in any
// case, values unsigned 32-bit decimal integers. Blank lines and lines whose
// first non-blank character is '#' are ignored; there are no trailing
// comments. A later line for the same tunable wins.
//
// A missing file is not an error: LoadFile returns nil and s keeps its
// values, because ctdb.tunables is optional in CTDB.
//
// The file is applied all or nothing: on an unknown tunable, a bad value or a
// malformed line LoadFile returns "PATH:LINE: problem" and leaves s unchanged.
// Obsolete tunables are applied; if any were seen, LoadFile returns an error
// wrapping ErrObsolete (one entry per line, joined) that callers should log
// as a warning.
func LoadFile(path string, s *Set) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	entries, err := parseFile(path, data)
	if err != nil {
		return err
	}
	var warnings []error
	for _, e := range entries {
		if err := s.Set(e.name, e.value); err != nil {
			warnings = append(warnings, fmt.Errorf("%s:%d: %w", path, e.line, err))
		}
	}
	return errors.Join(warnings...)
}

type fileEntry struct {
	line  int
	name  string
	value uint32
}

// parseFile checks every line of a tunables file and returns the settings.
func parseFile(path string, data []byte) ([]fileEntry, error) {
	var out []fileEntry
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		e, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		e.line = n
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

func parseLine(line string) (fileEntry, error) {
	name, val, ok := strings.Cut(line, "=")
	name, val = strings.TrimSpace(name), strings.TrimSpace(val)
	if !ok || name == "" {
		return fileEntry{}, errors.New("expected Name=value")
	}
	i, known := lookup(name)
	if !known {
		return fileEntry{}, fmt.Errorf("unknown tunable %q", name)
	}
	v, err := strconv.ParseUint(val, 10, 32)
	if err != nil {
		return fileEntry{}, fmt.Errorf("invalid value %q for %s: must be an unsigned integer (0-4294967295)",
			val, allDefs[i].Name)
	}
	return fileEntry{name: name, value: uint32(v)}, nil
}
