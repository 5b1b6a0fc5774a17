package probe

import (
	"fmt"
	"time"
)

// FormatStat renders a stat answer as one line:
// "PATH: type=regular size=N inode=N mtime=RFC3339".
func FormatStat(path string, st *StatInfo) string {
	return fmt.Sprintf("%s: type=%s size=%d inode=%d mtime=%s\n",
		path, st.Type, st.Size, st.Inode, st.Mtime.UTC().Format(time.RFC3339))
}

// statfsFormat lays out df-like columns (header and data line).
const statfsFormat = "%-14s %9s %9s %9s %4s %s\n"

// FormatStatfs renders a statfs answer like df: a header and one line that
// uses path for both the "Filesystem" and the "Mounted on" column.
func FormatStatfs(path string, st *StatfsInfo) string {
	use := "-"
	if pct, ok := st.UsePercent(); ok {
		use = fmt.Sprintf("%d%%", pct)
	}
	return fmt.Sprintf(statfsFormat, "Filesystem", "1K-blocks", "Used", "Available", "Use%", "Mounted on") +
		fmt.Sprintf(statfsFormat, path,
			fmt.Sprint(st.kib(st.Blocks)), fmt.Sprint(st.kib(st.Used())), fmt.Sprint(st.kib(st.Bavail)), use, path)
}

// Used is the number of blocks in use (Blocks - Bfree).
func (st *StatfsInfo) Used() uint64 {
	if st.Bfree > st.Blocks {
		return 0
	}
	return st.Blocks - st.Bfree
}

// UsePercent is df's Use%: ceil(used*100 / (used+avail)), where avail is
// what unprivileged users may still use. ok is false for a filesystem
// without blocks (df prints "-").
func (st *StatfsInfo) UsePercent() (pct uint64, ok bool) {
	used, total := st.Used(), st.Used()+st.Bavail
	if total == 0 {
		return 0, false
	}
	return (used*100 + total - 1) / total, true
}

// kib converts a block count to KiB.
func (st *StatfsInfo) kib(n uint64) uint64 {
	unit := uint64(st.Frsize)
	if unit == 0 {
		unit = uint64(st.Bsize)
	}
	if unit%1024 == 0 {
		return n * (unit / 1024)
	}
	return n * unit / 1024
}
