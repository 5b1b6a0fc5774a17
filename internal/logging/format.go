package logging

import (
	"strconv"
	"strings"

	"github.com/sirupsen/logrus"
)

// TimeFormat is CTDB's log time stamp: RFC 3339, microseconds, numeric
// offset (never "Z").
const TimeFormat = "2006-01-02T15:04:05.000000-07:00"

// messageLines splits the entry's message into the lines to log: one per
// line of the message (trailing newline and carriage returns dropped), with
// the fields appended to the first line.
func messageLines(e *logrus.Entry) []string {
	msg := strings.TrimSuffix(e.Message, "\n")
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	var b strings.Builder
	b.WriteString(lines[0])
	appendFields(&b, e.Data)
	lines[0] = b.String()
	return lines
}

// LineFormatter writes entries as CTDB 4.x log lines:
//
//	TIME HOST TAG[PID]: MESSAGE key=value...
//
// one line per line of the message. The tag is Tag unless the entry has a
// TagField override.
type LineFormatter struct {
	Tag      string
	Hostname string
	PID      int
}

var _ logrus.Formatter = (*LineFormatter)(nil)

// Format implements logrus.Formatter.
func (f *LineFormatter) Format(e *logrus.Entry) ([]byte, error) {
	prefix := e.Time.Format(TimeFormat) + " " + f.Hostname + " " +
		entryTag(e, f.Tag) + "[" + strconv.Itoa(f.PID) + "]: "
	var b strings.Builder
	for _, l := range messageLines(e) {
		b.WriteString(prefix)
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return []byte(b.String()), nil
}
