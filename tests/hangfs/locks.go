package hangfs

import (
	"sync"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// lockTable holds the POSIX record locks of one mount, keyed by FUSE node id.
//
// It follows POSIX fcntl semantics as the kernel presents them to FUSE:
// a lock belongs to its lock owner (the kernel passes one owner per process,
// derived from its file table), so a second fd of the same process never
// conflicts with the first, and a FLUSH (any close) by the owner drops all of
// its locks on that file. Locks are never applied to the backing file, and
// there is no deadlock detection.
type lockTable struct {
	mu      sync.Mutex
	byNode  map[uint64][]heldLock
	changed chan struct{} // closed and replaced whenever locks change
}

// heldLock is one granted lock over the inclusive byte range [start, end].
type heldLock struct {
	owner      uint64
	pid        uint32
	typ        uint32 // syscall.F_RDLCK or syscall.F_WRLCK
	start, end uint64
}

func newLockTable() *lockTable {
	return &lockTable{byNode: make(map[uint64][]heldLock), changed: make(chan struct{})}
}

func (h heldLock) overlaps(start, end uint64) bool {
	return h.start <= end && start <= h.end
}

// conflictsWith reports whether h keeps owner from taking typ on [start, end].
func (h heldLock) conflictsWith(owner uint64, typ uint32, start, end uint64) bool {
	if h.owner == owner || !h.overlaps(start, end) {
		return false
	}
	return h.typ == syscall.F_WRLCK || typ == syscall.F_WRLCK
}

// validLock checks a lock request: known type and start <= end.
func validLock(lk fuse.FileLock) bool {
	switch lk.Typ {
	case syscall.F_RDLCK, syscall.F_WRLCK, syscall.F_UNLCK:
	default:
		return false
	}
	return lk.Start <= lk.End
}

// conflictLocked returns a lock of another owner that blocks want. Caller
// holds mu.
func (t *lockTable) conflictLocked(node, owner uint64, want fuse.FileLock) (heldLock, bool) {
	if want.Typ == syscall.F_UNLCK {
		return heldLock{}, false
	}
	for _, h := range t.byNode[node] {
		if h.conflictsWith(owner, want.Typ, want.Start, want.End) {
			return h, true
		}
	}
	return heldLock{}, false
}

// getLk answers F_GETLK: the first conflicting lock with its holder's pid,
// or F_UNLCK when want could be granted now.
func (t *lockTable) getLk(node, owner uint64, want fuse.FileLock) (fuse.FileLock, syscall.Errno) {
	if !validLock(want) {
		return fuse.FileLock{}, syscall.EINVAL
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	h, ok := t.conflictLocked(node, owner, want)
	if !ok {
		return fuse.FileLock{Start: want.Start, End: want.End, Typ: syscall.F_UNLCK}, 0
	}
	return fuse.FileLock{Start: h.start, End: h.end, Typ: h.typ, Pid: h.pid}, 0
}

// setLk answers F_SETLK: it grants, converts or releases lk for owner, or
// returns EAGAIN when another owner's lock conflicts.
func (t *lockTable) setLk(node, owner uint64, lk fuse.FileLock) syscall.Errno {
	if !validLock(lk) {
		return syscall.EINVAL
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.conflictLocked(node, owner, lk); ok {
		return syscall.EAGAIN
	}
	t.applyLocked(node, owner, lk)
	return 0
}

// setLkw answers F_SETLKW: like setLk, but waits while another owner's lock
// conflicts. It returns EINTR when cancel closes (the kernel interrupted the
// request, e.g. the caller got a signal).
func (t *lockTable) setLkw(cancel <-chan struct{}, node, owner uint64, lk fuse.FileLock) syscall.Errno {
	if !validLock(lk) {
		return syscall.EINVAL
	}
	for {
		t.mu.Lock()
		if _, ok := t.conflictLocked(node, owner, lk); !ok {
			t.applyLocked(node, owner, lk)
			t.mu.Unlock()
			return 0
		}
		changed := t.changed
		t.mu.Unlock()
		select {
		case <-changed:
		case <-cancel:
			return syscall.EINTR
		}
	}
}

// releaseOwner drops every lock owner holds on node. The kernel sends the
// owner with each FLUSH, i.e. on every close() of an fd of that file.
func (t *lockTable) releaseOwner(node, owner uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	held := t.byNode[node]
	kept := held[:0]
	for _, h := range held {
		if h.owner != owner {
			kept = append(kept, h)
		}
	}
	if len(kept) == len(held) {
		return
	}
	t.storeLocked(node, kept)
	t.broadcastLocked()
}

// applyLocked replaces owner's locks on [lk.Start, lk.End] with lk (nothing
// for F_UNLCK), splitting locks that stick out on either side. Caller holds
// mu and has checked for conflicts.
func (t *lockTable) applyLocked(node, owner uint64, lk fuse.FileLock) {
	var out []heldLock
	for _, h := range t.byNode[node] {
		if h.owner != owner || !h.overlaps(lk.Start, lk.End) {
			out = append(out, h)
			continue
		}
		if h.start < lk.Start {
			left := h
			left.end = lk.Start - 1
			out = append(out, left)
		}
		if h.end > lk.End {
			right := h
			right.start = lk.End + 1
			out = append(out, right)
		}
	}
	if lk.Typ != syscall.F_UNLCK {
		out = append(out, heldLock{owner: owner, pid: lk.Pid, typ: lk.Typ, start: lk.Start, end: lk.End})
	}
	t.storeLocked(node, out)
	t.broadcastLocked()
}

func (t *lockTable) storeLocked(node uint64, held []heldLock) {
	if len(held) == 0 {
		delete(t.byNode, node)
		return
	}
	t.byNode[node] = held
}

func (t *lockTable) broadcastLocked() {
	close(t.changed)
	t.changed = make(chan struct{})
}
