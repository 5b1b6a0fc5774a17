package diagnostics

import (
	"bytes"
	"time"
)

// logWindow keeps the log lines written at or after since. A line that does
// not start with a timestamp (a continuation) goes with the line before it.
// Lines before the first timestamped one are dropped. CTDB's log lines
// start with an RFC 3339 time.
func logWindow(log []byte, since time.Time) []byte {
	var out bytes.Buffer
	keep := false
	for _, line := range bytes.SplitAfter(log, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if ts, ok := lineTime(line); ok {
			keep = !ts.Before(since)
		}
		if keep {
			out.Write(line)
		}
	}
	return out.Bytes()
}

func lineTime(line []byte) (time.Time, bool) {
	sp := bytes.IndexByte(line, ' ')
	if sp < 19 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(line[:sp]))
	return t, err == nil
}
