// Package procfs reads the few /proc facts the benchmark suite needs: a
// process's parent, state, own CPU times, resident memory, command line and
// environment. Every reader returns an error (never panics) when the process
// is gone, so callers may race with exits.
package procfs

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// ClockTick is the unit of utime and stime in /proc/PID/stat. Linux fixes
// USER_HZ at 100 on every architecture Go supports.
const ClockTick = 10 * time.Millisecond

// Stat is the part of /proc/PID/stat the suite uses.
type Stat struct {
	PID   int
	Comm  string // the executable's name, at most 15 bytes
	State byte   // R, S, D, Z, T...
	PPID  int
	// CPU is the process's own user+system time, all threads, excluding
	// its children (those are cutime/cstime, not read here).
	CPU time.Duration
}

// ReadStat reads /proc/PID/stat.
func ReadStat(pid int) (Stat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Stat{}, err
	}
	return ParseStat(pid, string(b))
}

// ParseStat parses the text of /proc/PID/stat. The command name may hold
// spaces and parentheses, so fields are counted from the last ')'.
func ParseStat(pid int, s string) (Stat, error) {
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return Stat{}, fmt.Errorf("/proc/%d/stat: no command name in %q", pid, s)
	}
	// After ") ": state(3) ppid(4) pgrp session tty tpgid flags minflt
	// cminflt majflt cmajflt utime(14) stime(15), numbered as in proc(5).
	f := strings.Fields(s[end+1:])
	if len(f) < 13 {
		return Stat{}, fmt.Errorf("/proc/%d/stat: %d fields after the name, want at least 13", pid, len(f))
	}
	ppid, err1 := strconv.Atoi(f[1])
	ut, err2 := strconv.ParseUint(f[11], 10, 64)
	st, err3 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || len(f[0]) != 1 {
		return Stat{}, fmt.Errorf("/proc/%d/stat: bad state, ppid, utime or stime in %q", pid, s)
	}
	return Stat{PID: pid, Comm: s[open+1 : end], State: f[0][0], PPID: ppid,
		CPU: time.Duration(ut+st) * ClockTick}, nil
}

// Alive reports whether pid exists and is not a zombie.
func Alive(pid int) bool {
	st, err := ReadStat(pid)
	return err == nil && st.State != 'Z'
}

// RSS is the process's resident set size in bytes (VmRSS).
func RSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return ParseRSS(pid, string(b))
}

// ParseRSS finds VmRSS in the text of /proc/PID/status. A process without
// the line (a zombie, a kernel thread) has 0.
func ParseRSS(pid int, s string) (int64, error) {
	for _, l := range strings.Split(s, "\n") {
		rest, ok := strings.CutPrefix(l, "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("/proc/%d/status: bad VmRSS line %q", pid, l)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/status: bad VmRSS line %q", pid, l)
		}
		return kb * 1024, nil
	}
	return 0, nil
}

// Cmdline is the process's argument vector (empty for a zombie).
func Cmdline(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
}

// Environ is the process's environment at exec, as KEY=value strings.
func Environ(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil || len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
}

// PIDs lists every process now in /proc.
func PIDs() []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

// Table is a snapshot of every live (non-zombie) process's stat.
type Table map[int]Stat

// Snapshot reads the stat of every process; processes that exit meanwhile
// are left out.
func Snapshot() Table {
	t := Table{}
	for _, pid := range PIDs() {
		if st, err := ReadStat(pid); err == nil && st.State != 'Z' {
			t[pid] = st
		}
	}
	return t
}

// Descendants returns root's children, grandchildren and so on, in no
// particular order (root itself excluded).
func (t Table) Descendants(root int) []int {
	kids := map[int][]int{}
	for pid, st := range t {
		kids[st.PPID] = append(kids[st.PPID], pid)
	}
	var out []int
	queue := []int{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, k := range kids[p] {
			out = append(out, k)
			queue = append(queue, k)
		}
	}
	return out
}

// CPU sums the own CPU times of pids (children excluded); processes that
// are gone count 0. It uses ProcessCPU.
func CPU(pids []int) time.Duration {
	var d time.Duration
	for _, p := range pids {
		if c, err := ProcessCPU(p); err == nil {
			d += c
		}
	}
	return d
}

// ProcessCPU is the process's own CPU time, children excluded: the sum of
// its threads' se.sum_exec_runtime from /proc/PID/task/*/sched when the
// kernel has it (nanosecond precision), else utime+stime from
// /proc/PID/stat (10 ms ticks). The precise figure misses threads that
// already exited; the daemons measured keep theirs.
func ProcessCPU(pid int) (time.Duration, error) {
	if d, ok := threadsRuntime(pid); ok {
		return d, nil
	}
	st, err := ReadStat(pid)
	return st.CPU, err
}

// CPUSource names where ProcessCPU gets its figures on this machine.
func CPUSource() string {
	if _, ok := threadsRuntime(os.Getpid()); ok {
		return "sum of the threads' se.sum_exec_runtime (/proc/PID/task/*/sched)"
	}
	return "utime+stime (/proc/PID/stat, 10 ms ticks)"
}

func threadsRuntime(pid int) (time.Duration, bool) {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil || len(ents) == 0 {
		return 0, false
	}
	var sum time.Duration
	for _, e := range ents {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/sched", pid, e.Name()))
		if err != nil {
			return 0, false
		}
		d, ok := ParseSumExecRuntime(string(b))
		if !ok {
			return 0, false
		}
		sum += d
	}
	return sum, true
}

// ParseSumExecRuntime finds se.sum_exec_runtime (milliseconds with a
// fraction) in the text of a /proc/.../sched file.
func ParseSumExecRuntime(s string) (time.Duration, bool) {
	for _, l := range strings.Split(s, "\n") {
		name, val, ok := strings.Cut(l, ":")
		if !ok || strings.TrimSpace(name) != "se.sum_exec_runtime" {
			continue
		}
		ms, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil || ms < 0 {
			return 0, false
		}
		return time.Duration(ms * float64(time.Millisecond)), true
	}
	return 0, false
}

// SumRSS sums the resident sizes of pids in bytes; gone ones count 0.
func SumRSS(pids []int) int64 {
	var n int64
	for _, p := range pids {
		if r, err := RSS(p); err == nil {
			n += r
		}
	}
	return n
}

// WithEnv lists the live processes that have an environment entry
// starting with prefix (for example "CTDB_BASE=/tmp/x/"), except the
// calling process.
func WithEnv(prefix string) []int {
	var out []int
	for _, pid := range PIDs() {
		if pid == os.Getpid() || !Alive(pid) {
			continue
		}
		for _, kv := range Environ(pid) {
			if strings.HasPrefix(kv, prefix) {
				out = append(out, pid)
				break
			}
		}
	}
	return out
}

// Describe renders pids as "PID:argv ..." for messages.
func Describe(pids []int) string {
	var b strings.Builder
	for i, p := range pids {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d:%s", p, strings.Join(Cmdline(p), " "))
	}
	return b.String()
}

// BlockedInFS reports whether any thread of pid waits on a filesystem
// request: in a FUSE request wait (wchan request_wait_answer, where a
// caller of a hung FUSE server sleeps) or in uninterruptible sleep (D, as
// callers queued behind such a request in the VFS do). It reads every
// thread, because a Go process's main thread waits on a futex while
// another thread is the one stuck in the kernel. Kernel threads are never
// reported.
func BlockedInFS(pid int) bool {
	if st, err := ReadStat(pid); err != nil || pid == 2 || st.PPID == 2 {
		return false
	}
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return false
	}
	for _, e := range ents {
		dir := fmt.Sprintf("/proc/%d/task/%s/", pid, e.Name())
		if w, err := os.ReadFile(dir + "wchan"); err == nil && strings.TrimSpace(string(w)) == "request_wait_answer" {
			return true
		}
		if b, err := os.ReadFile(dir + "stat"); err == nil {
			if st, err := ParseStat(pid, string(b)); err == nil && st.State == 'D' {
				return true
			}
		}
	}
	return false
}
