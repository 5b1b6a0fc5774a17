package cli

import (
	"fmt"
	"time"
)

// ctime formats t as C's ctime(3) does, without the newline:
// "Sun Nov 22 04:16:44 2026", in local time.
func ctime(t time.Time) string {
	return t.Local().Format("Mon Jan _2 15:04:05 2006")
}

// interval formats the whole seconds between two times as CTDB's uptime
// does: "DDD HH:MM:SS".
func interval(from, to time.Time) string {
	secs := to.Unix() - from.Unix()
	s := secs % 60
	secs /= 60
	m := secs % 60
	secs /= 60
	h := secs % 24
	d := secs / 24
	return fmt.Sprintf("%03d %02d:%02d:%02d", d, h, m, s)
}
