// Package probe runs stat and statfs of cluster-filesystem paths in a
// detached worker process, with a deadline, and with at most one outstanding
// worker per (operation, path).
//
// Why: a process blocked on a hung FUSE or cluster filesystem cannot be
// killed (SIGKILL only moves it to D state) and cannot be waited for. So the
// caller never touches the path itself. Probe re-executes the probe binary
// with a hidden "worker" verb in a new session, with stdio on /dev/null, and
// polls a small state directory for the worker's answer. A worker that does
// not answer in time is left behind: init reaps it once the filesystem
// returns, and it then still records its (late) result.
//
// State lives in a local directory (never on the probed filesystem), one set
// of files per key, where the key is a hash of op and path:
//
//	KEY.lock    flock(2) taken around "is a worker outstanding? else start one"
//	KEY.pid     the outstanding worker: pid, random token, start and deadline
//	KEY.result  the last answer, written by a worker with temp file + rename
//
// A worker counts as outstanding while its pid is alive, /proc/PID/cmdline
// still carries its token (so a reused pid is not mistaken for it), and the
// result file does not yet carry that token. Callers arriving while the first
// caller is still within its deadline share that worker's answer; callers
// arriving after it was reported stuck fail at once with BusyError, so a hung
// filesystem never accumulates more than one blocked process per key.
package probe
