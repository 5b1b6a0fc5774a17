package eventscripts_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// usagePercent computes df's Use% of dir's filesystem.
func usagePercent(t *testing.T, dir string) int {
	t.Helper()
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	used, total := st.Blocks-st.Bfree, st.Blocks-st.Bfree+st.Bavail
	if total == 0 {
		t.Skipf("%s: filesystem without blocks", dir)
	}
	return int((used*100 + total - 1) / total)
}

// reportedUsage extracts the percentage from a utilization line.
func reportedUsage(t *testing.T, out string) int {
	t.Helper()
	m := regexp.MustCompile(`utilization (\d+)%`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no utilization in output:\n%s", out)
	}
	v, _ := strconv.Atoi(m[1])
	return v
}

func TestSystemFilesystemThresholds(t *testing.T) {
	n := newNode(t)
	dir := t.TempDir()
	usage := usagePercent(t, dir)
	n.env["CTDB_MONITOR_MEMORY_USAGE"] = ""

	n.env["CTDB_MONITOR_FILESYSTEM_USAGE"] = dir + ":0"
	got := n.script("05.system", "monitor")
	expect(t, "warn", got, 0, "WARNING: Filesystem "+dir+" utilization ", "% >= threshold 0%\n")
	if r := reportedUsage(t, got.out); r < usage-1 || r > usage+1 {
		t.Fatalf("reported %d%%, statfs says %d%%", r, usage)
	}

	n.env["CTDB_MONITOR_FILESYSTEM_USAGE"] = dir + ":0:0"
	expect(t, "unhealthy", n.script("05.system", "monitor"), 1,
		"ERROR: Filesystem "+dir+" utilization ", "% >= threshold 0%\n")

	n.env["CTDB_MONITOR_FILESYSTEM_USAGE"] = dir + "::0"
	expect(t, "unhealthy only", n.script("05.system", "monitor"), 1, "ERROR: Filesystem "+dir)

	if usage <= 97 {
		n.env["CTDB_MONITOR_FILESYSTEM_USAGE"] = fmt.Sprintf("%s:%d:%d", dir, usage+2, usage+3)
		expectEmpty(t, "below thresholds", n.script("05.system", "monitor"))
	}
}

// The default checks $CTDB_VARDIR's filesystem at 90%, through the probe.
func TestSystemDefaults(t *testing.T) {
	n := newNode(t)
	if usagePercent(t, n.vardir) >= 90 {
		t.Skip("test filesystem is at least 90% full")
	}
	n.env["CTDB_PROC_MEMINFO"] = writeMeminfo(t, "MemTotal: 1000 kB\nMemAvailable: 900 kB\n")
	expectEmpty(t, "defaults", n.script("05.system", "monitor"))
	entries, _ := filepath.Glob(filepath.Join(n.vardir, "probe", "statfs-*.result"))
	if len(entries) != 1 {
		t.Fatalf("statfs probe results %q, want one (for %s)", entries, n.vardir)
	}
	n.env["CTDB_PROC_MEMINFO"] = writeMeminfo(t, "MemTotal: 1000 kB\nMemAvailable: 200 kB\n")
	expect(t, "default memory warning", n.script("05.system", "monitor"), 0,
		"WARNING: System memory utilization 80% >= threshold 80%\n")
}

// A filesystem that cannot be probed: failures 1 and 2 only warn, the 3rd
// fails the check; other checks still run.
func TestSystemFilesystemProbeFailure(t *testing.T) {
	n := newNode(t)
	missing := filepath.Join(t.TempDir(), "gone")
	n.env["CTDB_MONITOR_FILESYSTEM_USAGE"] = missing + ":90"
	n.env["CTDB_PROC_MEMINFO"] = writeMeminfo(t, "MemTotal: 1000 kB\nMemAvailable: 100 kB\n")
	n.env["CTDB_MONITOR_MEMORY_USAGE"] = "50"
	counter := "system_fs" + regexp.MustCompile(`[^A-Za-z0-9._-]`).ReplaceAllString(missing, "_")
	for i := 1; i <= 2; i++ {
		expect(t, fmt.Sprintf("failure %d", i), n.script("05.system", "monitor"), 0,
			"WARNING: cannot check usage of filesystem "+missing+": ctdb_probe: statfs "+missing+": no such file or directory",
			fmt.Sprintf("WARNING: %d consecutive failures for %s\n", i, counter),
			"WARNING: System memory utilization 90% >= threshold 50%")
	}
	expect(t, "failure 3", n.script("05.system", "monitor"), 1,
		fmt.Sprintf("ERROR: 3 consecutive failures for %s, marking node unhealthy", counter),
		"WARNING: System memory utilization 90%")
	if got := n.counterSize(counter); got != 3 {
		t.Fatalf("counter %s size %d, want 3", counter, got)
	}
}

func writeMeminfo(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "meminfo")
	writeFile(t, path, content, 0o644)
	return path
}

func TestSystemMemoryThresholds(t *testing.T) {
	n := newNode(t)
	n.env["CTDB_MONITOR_FILESYSTEM_USAGE"] = ""
	// 75% used: (1000000 - 250000) * 100 / 1000000.
	n.env["CTDB_PROC_MEMINFO"] = writeMeminfo(t, "MemTotal:        1000000 kB\nMemFree:          100000 kB\nMemAvailable:     250000 kB\nBuffers: 1 kB\nCached: 1 kB\n")
	for _, c := range []struct {
		limits string
		rc     int
		want   string
	}{
		{"70", 0, "WARNING: System memory utilization 75% >= threshold 70%\n"},
		{"75", 0, "WARNING: System memory utilization 75% >= threshold 75%\n"},
		{"70:75", 1, "ERROR: System memory utilization 75% >= threshold 75%\n"},
		{":60", 1, "ERROR: System memory utilization 75% >= threshold 60%\n"},
		{"76", 0, ""},
		{"80:90", 0, ""},
		{"", 0, ""},
	} {
		n.env["CTDB_MONITOR_MEMORY_USAGE"] = c.limits
		got := n.script("05.system", "monitor")
		if c.want == "" {
			expectEmpty(t, "limits "+c.limits, got)
		} else {
			expect(t, "limits "+c.limits, got, c.rc, c.want)
		}
	}

	// Without MemAvailable: MemFree + Buffers + Cached = 250000.
	n.env["CTDB_PROC_MEMINFO"] = writeMeminfo(t, "MemTotal: 1000000 kB\nMemFree: 100000 kB\nBuffers: 50000 kB\nCached: 100000 kB\n")
	n.env["CTDB_MONITOR_MEMORY_USAGE"] = "70"
	expect(t, "no MemAvailable", n.script("05.system", "monitor"), 0, "utilization 75% >= threshold 70%")
}

func TestSystemBadOptions(t *testing.T) {
	n := newNode(t)
	n.env["CTDB_PROC_MEMINFO"] = writeMeminfo(t, "MemTotal: 1000 kB\nMemAvailable: 900 kB\n")
	dir := t.TempDir()
	for _, c := range []struct{ fs, mem, want string }{
		{dir + ":90", "lots", `CTDB_MONITOR_MEMORY_USAGE: bad thresholds "lots"`},
		{dir + ":90", "80:101", `CTDB_MONITOR_MEMORY_USAGE: bad thresholds "80:101"`},
		{dir, "80", `CTDB_MONITOR_FILESYSTEM_USAGE: "` + dir + `" has no threshold`},
		{dir + ":9x", "80", `CTDB_MONITOR_FILESYSTEM_USAGE: bad thresholds "9x"`},
		{"relative:90", "80", `"relative" is not an absolute path`},
	} {
		n.env["CTDB_MONITOR_FILESYSTEM_USAGE"] = c.fs
		n.env["CTDB_MONITOR_MEMORY_USAGE"] = c.mem
		expect(t, c.fs+" / "+c.mem, n.script("05.system", "monitor"), 1, "ERROR: ", c.want)
	}
	n.env["CTDB_PROC_MEMINFO"] = writeMeminfo(t, "garbage\n")
	n.env["CTDB_MONITOR_FILESYSTEM_USAGE"] = ""
	n.env["CTDB_MONITOR_MEMORY_USAGE"] = "80"
	expect(t, "bad meminfo", n.script("05.system", "monitor"), 1, "cannot read memory totals")
}

// Limits can come from the script's options file.
func TestSystemOptionsFile(t *testing.T) {
	n := newNode(t)
	n.env["CTDB_PROC_MEMINFO"] = writeMeminfo(t, "MemTotal: 1000 kB\nMemAvailable: 500 kB\n")
	n.options("05.system", "CTDB_MONITOR_FILESYSTEM_USAGE=\"\"\nCTDB_MONITOR_MEMORY_USAGE=40:50\n")
	expect(t, "options file", n.script("05.system", "monitor"), 1, "ERROR: System memory utilization 50% >= threshold 50%")
}
