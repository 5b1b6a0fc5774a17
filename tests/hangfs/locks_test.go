package hangfs

import (
	"syscall"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

const eof = 0x7fffffffffffffff // what the kernel sends for "to end of file"

func wr(start, end uint64, pid uint32) fuse.FileLock {
	return fuse.FileLock{Start: start, End: end, Typ: syscall.F_WRLCK, Pid: pid}
}

func rd(start, end uint64, pid uint32) fuse.FileLock {
	return fuse.FileLock{Start: start, End: end, Typ: syscall.F_RDLCK, Pid: pid}
}

func un(start, end uint64) fuse.FileLock {
	return fuse.FileLock{Start: start, End: end, Typ: syscall.F_UNLCK}
}

func TestLockTableSetLk(t *testing.T) {
	const node, other = 7, 8
	type step struct {
		owner uint64
		lk    fuse.FileLock
		node  uint64
		want  syscall.Errno
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"write excludes other owner", []step{
			{owner: 1, lk: wr(0, 0, 100)},
			{owner: 2, lk: wr(0, 0, 200), want: syscall.EAGAIN},
			{owner: 2, lk: rd(0, 0, 200), want: syscall.EAGAIN},
		}},
		{"same owner never conflicts", []step{
			{owner: 1, lk: wr(0, 0, 100)},
			{owner: 1, lk: wr(0, eof, 100)},
			{owner: 1, lk: rd(0, 10, 100)},
		}},
		{"readers share", []step{
			{owner: 1, lk: rd(0, 0, 100)},
			{owner: 2, lk: rd(0, 0, 200)},
			{owner: 3, lk: wr(0, 0, 300), want: syscall.EAGAIN},
		}},
		{"disjoint ranges and files", []step{
			{owner: 1, lk: wr(0, 0, 100)},
			{owner: 2, lk: wr(1, eof, 200)},
			{owner: 2, lk: wr(0, 0, 200), node: other},
		}},
		{"unlock frees", []step{
			{owner: 1, lk: wr(0, 9, 100)},
			{owner: 1, lk: un(0, 9)},
			{owner: 2, lk: wr(0, 9, 200)},
		}},
		{"partial unlock splits", []step{
			{owner: 1, lk: wr(0, 9, 100)},
			{owner: 1, lk: un(3, 5)},
			{owner: 2, lk: wr(3, 5, 200)},
			{owner: 2, lk: wr(2, 2, 200), want: syscall.EAGAIN},
			{owner: 2, lk: wr(6, 6, 200), want: syscall.EAGAIN},
		}},
		{"downgrade lets readers in", []step{
			{owner: 1, lk: wr(0, eof, 100)},
			{owner: 1, lk: rd(0, 0, 100)},
			{owner: 2, lk: rd(0, 0, 200)},
			{owner: 2, lk: rd(1, 1, 200), want: syscall.EAGAIN},
		}},
		{"bad requests", []step{
			{owner: 1, lk: fuse.FileLock{Start: 5, End: 4, Typ: syscall.F_WRLCK}, want: syscall.EINVAL},
			{owner: 1, lk: fuse.FileLock{Typ: 9}, want: syscall.EINVAL},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lt := newLockTable()
			for i, s := range tc.steps {
				n := s.node
				if n == 0 {
					n = node
				}
				if got := lt.setLk(n, s.owner, s.lk); got != s.want {
					t.Fatalf("step %d: owner %d setLk(%+v) = %v, want %v", i, s.owner, s.lk, got, s.want)
				}
			}
		})
	}
}

func TestLockTableGetLkReportsHolder(t *testing.T) {
	lt := newLockTable()
	if errno := lt.setLk(1, 10, wr(4, 8, 1234)); errno != 0 {
		t.Fatal(errno)
	}
	got, errno := lt.getLk(1, 20, wr(0, eof, 999))
	want := fuse.FileLock{Start: 4, End: 8, Typ: syscall.F_WRLCK, Pid: 1234}
	if errno != 0 || got != want {
		t.Fatalf("getLk by other owner = %+v, %v; want %+v", got, errno, want)
	}
	got, _ = lt.getLk(1, 10, wr(0, eof, 1234))
	if got.Typ != syscall.F_UNLCK {
		t.Fatalf("getLk by the holder = %+v, want F_UNLCK", got)
	}
	got, _ = lt.getLk(1, 20, wr(9, eof, 999))
	if got.Typ != syscall.F_UNLCK {
		t.Fatalf("getLk of a free range = %+v, want F_UNLCK", got)
	}
}

func TestLockTableReleaseOwner(t *testing.T) {
	lt := newLockTable()
	lt.setLk(1, 10, wr(0, 0, 100))
	lt.setLk(1, 10, wr(5, 5, 100))
	lt.setLk(2, 10, wr(0, 0, 100))
	lt.setLk(1, 11, rd(9, 9, 101))
	lt.releaseOwner(1, 10)
	for _, lk := range []fuse.FileLock{wr(0, 0, 200), wr(5, 5, 200)} {
		if errno := lt.setLk(1, 20, lk); errno != 0 {
			t.Fatalf("after releaseOwner, %+v: %v", lk, errno)
		}
	}
	if errno := lt.setLk(2, 20, wr(0, 0, 200)); errno != syscall.EAGAIN {
		t.Fatalf("lock on another file was released too: %v", errno)
	}
	if errno := lt.setLk(1, 20, wr(9, 9, 200)); errno != syscall.EAGAIN {
		t.Fatalf("another owner's lock was released too: %v", errno)
	}
}

func TestLockTableSetLkwWaitsAndCancels(t *testing.T) {
	lt := newLockTable()
	lt.setLk(1, 10, wr(0, 0, 100))

	res := make(chan syscall.Errno, 1)
	go func() { res <- lt.setLkw(nil, 1, 20, wr(0, 0, 200)) }()
	select {
	case e := <-res:
		t.Fatalf("setLkw returned %v while the lock was held", e)
	case <-time.After(50 * time.Millisecond):
	}
	lt.setLk(1, 10, rd(5, 5, 100)) // unrelated change must not wake it wrongly
	lt.releaseOwner(1, 10)
	select {
	case e := <-res:
		if e != 0 {
			t.Fatalf("setLkw after release: %v", e)
		}
	case <-time.After(testWait):
		t.Fatal("setLkw did not get the lock after release")
	}

	cancel := make(chan struct{})
	go func() { res <- lt.setLkw(cancel, 1, 30, wr(0, 0, 300)) }()
	close(cancel)
	select {
	case e := <-res:
		if e != syscall.EINTR {
			t.Fatalf("cancelled setLkw: %v, want EINTR", e)
		}
	case <-time.After(testWait):
		t.Fatal("cancelled setLkw did not return")
	}
	if errno := lt.setLk(1, 30, wr(0, 0, 300)); errno != syscall.EAGAIN {
		t.Fatalf("cancelled setLkw left a lock behind or freed owner 20's: %v", errno)
	}
}
