// Package clusterlock implements the cluster (recovery) lock: the
// ctdb_mutex_fcntl_helper process that takes and holds an fcntl lock on a
// file in the cluster filesystem, and the parent side (Locker,
// CheckHeldElsewhere) that drives it.
//
// Protocol (CTDB's cluster mutex helper protocol, extended): the helper
// writes ONE ASCII byte to stdout: '0' it took and holds the lock, '1'
// contention, '2' took too long, '3' unexpected error (details on stderr).
// After '0', EOF on its stdout means the lock is lost. A helper may follow
// its '0', in the same write, with one line "fencing-token N\n" (see
// TokenPrefix; ctdb_etcd_lock does): a number that grows with every new
// holder. The parent reads it only from what arrived with the '0' byte,
// so helpers that write the byte alone are unaffected. The parent keeps the
// write end of the helper's stdin and writes one byte per ping; the helper
// releases the lock when stdin reaches EOF, when pings stop for
// PING_TIMEOUT, on SIGTERM, when its parent changes, or when the periodic
// re-check of the lock file fails or does not finish within RECHECK_TIMEOUT.
// Helpers that follow only CTDB's original protocol (no stdin handling) work
// too: the Locker also releases them with SIGTERM.
//
// Hung cluster filesystems: a process blocked on a hung FUSE or cluster
// filesystem cannot be killed and cannot be waited for until the filesystem
// recovers. Hence:
//   - the re-check (open + fstat of the lock file) runs in one long-lived
//     child process, started and fed by a goroutine of its own (its start
//     can hang too: exec closes the inherited lock fd, and FUSE answers a
//     close with a FLUSH), with a deadline per re-check; a stuck child is
//     left behind, never waited for;
//   - the helper closes stdout before it closes the lock fd, so the parent
//     sees "lost" at once even though close(2) may block until thaw;
//   - the parent never waits for a helper synchronously and keeps at most one
//     helper process per Locker, so a hung filesystem costs one blocked
//     process, not one per retry.
package clusterlock
