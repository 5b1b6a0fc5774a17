package logging

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/sirupsen/logrus"
)

// TagField is the entry field that overrides the logger's process tag for
// one entry, e.g. WithField(TagField, "ctdb-eventd"). It is not printed as
// a field.
const TagField = "tag"

// entryTag is the entry's tag override if it has a non-empty string one,
// else def.
func entryTag(e *logrus.Entry, def string) string {
	if t, ok := e.Data[TagField].(string); ok && t != "" {
		return t
	}
	return def
}

// appendFields appends " key=value" for every field but TagField, sorted
// by key. Keys and values are quoted when they would not survive a split
// on spaces or newlines.
func appendFields(b *strings.Builder, data logrus.Fields) {
	keys := make([]string, 0, len(data))
	for k := range data {
		if k != TagField {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteByte(' ')
		b.WriteString(quoteIfNeeded(k))
		b.WriteByte('=')
		b.WriteString(quoteIfNeeded(fieldString(data[k])))
	}
}

func fieldString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case error:
		return x.Error()
	case nil:
		return "<nil>"
	}
	return fmt.Sprint(v)
}

// quoteIfNeeded quotes s (Go syntax) when it is empty or holds a space, a
// quote, an '=' or a non-printable character.
func quoteIfNeeded(s string) string {
	if s == "" {
		return `""`
	}
	for _, r := range s {
		if r == ' ' || r == '"' || r == '=' || !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}
