package dbfmt

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Escape renders b as the tool prints keys and data: printable ASCII as
// is, every other byte (and the backslash and double quote) as \XX.
func Escape(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		if c >= 0x20 && c < 0x7f && c != '\\' && c != '"' {
			s.WriteByte(c)
		} else {
			fmt.Fprintf(&s, "\\%02X", c)
		}
	}
	return s.String()
}

// WriteRec prints one record as catdb, cattdb and dumpdbbackup do.
func WriteRec(w io.Writer, key []byte, h Header, data []byte) {
	fmt.Fprintf(w, "key(%d) = \"%s\"\ndmaster: %d\nrsn: %d\nflags: 0x%08x\ndata(%d) = \"%s\"\n\n",
		len(key), Escape(key), h.DMaster, h.RSN, h.Flags, len(data), Escape(data))
}

// PtransRec is one line of ptrans input; an empty Value deletes the key.
type PtransRec struct {
	Key, Value []byte
}

// ParsePtrans reads ptrans input: one record a line, the key and the
// value as double-quoted strings separated by spaces or tabs. Blank lines
// are skipped. An error names the input and the line; nothing is returned
// then, so nothing is half-applied.
func ParsePtrans(r io.Reader, name string) ([]PtransRec, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	var out []PtransRec
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		k, rest, err := quoted(text)
		if err == nil {
			var v string
			if v, rest, err = quoted(rest); err == nil && strings.TrimSpace(rest) != "" {
				err = fmt.Errorf("unexpected %q after the value", strings.TrimSpace(rest))
			} else if err == nil {
				out = append(out, PtransRec{Key: []byte(k), Value: []byte(v)})
				continue
			}
		}
		return nil, fmt.Errorf("%s:%d: %v (want \"KEY\" \"VALUE\")", name, line, err)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %v", name, line+1, err)
	}
	return out, nil
}

// quoted takes one double-quoted string, after blanks, from s.
func quoted(s string) (string, string, error) {
	s = strings.TrimLeft(s, " \t")
	if s == "" {
		return "", "", fmt.Errorf("missing value")
	}
	if s[0] != '"' {
		return "", "", fmt.Errorf("%q is not a double-quoted string", firstField(s))
	}
	end := strings.IndexByte(s[1:], '"')
	if end < 0 {
		return "", "", fmt.Errorf("unmatched \" in %q", s)
	}
	return s[1 : 1+end], s[2+end:], nil
}

func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return s
}
