// Package tdb is a small binding of Samba's libtdb (the C library of
// Debian's libtdb-dev) through cgo: open or create a TDB file, fetch,
// store, delete, iterate, and transactions with TDB's own durability (a
// committed transaction is fsync'ed unless NoSync is asked for).
//
// A DB is safe for use by several goroutines: every call holds the DB's
// mutex, since a tdb_context is not thread-safe. TDB's locks are fcntl
// locks, which belong to the process: open a file only once per process.
package tdb

/*
#cgo LDFLAGS: -ltdb
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <tdb.h>

static TDB_DATA mkdata(void *p, size_t n) {
	TDB_DATA d;
	d.dptr = (unsigned char *)p;
	d.dsize = n;
	return d;
}

static struct tdb_context *open_tdb(const char *path, int hash_size, int tdb_flags, int open_flags, int *err) {
	struct tdb_context *t;
	errno = 0;
	t = tdb_open(path, hash_size, tdb_flags, open_flags, 0600);
	*err = errno;
	return t;
}

static int check_tdb(struct tdb_context *t) {
	return tdb_check(t, NULL, NULL);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"syscall"
	"unsafe"
)

// Open flags (TDB's tdb_flags).
const (
	Default          = C.TDB_DEFAULT
	ClearIfFirst     = C.TDB_CLEAR_IF_FIRST
	NoSync           = C.TDB_NOSYNC
	IncompatibleHash = C.TDB_INCOMPATIBLE_HASH
	DisallowNesting  = C.TDB_DISALLOW_NESTING
)

// DefaultHashSize is the hash size for new files.
const DefaultHashSize = 10000

// ErrNotFound is returned by Delete for a missing key.
var ErrNotFound = errors.New("record not found")

// ErrClosed is returned by calls on a closed DB.
var ErrClosed = errors.New("database closed")

// DB is an open TDB file.
type DB struct {
	mu   sync.Mutex
	t    *C.struct_tdb_context
	path string
}

// OpenOptions say how to open a file.
type OpenOptions struct {
	Create   bool // create the file when missing
	ReadOnly bool
	Flags    int // TDB flags (Default, NoSync...)
	HashSize int // for a new file; 0 means DefaultHashSize
}

// Open opens (or creates) the TDB file at path.
func Open(path string, o OpenOptions) (*DB, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	oflags := C.O_RDWR
	if o.ReadOnly {
		oflags = C.O_RDONLY
	}
	if o.Create {
		oflags |= C.O_CREAT
	}
	hs := o.HashSize
	if hs == 0 {
		hs = DefaultHashSize
	}
	var cerr C.int
	t := C.open_tdb(cpath, C.int(hs), C.int(o.Flags|DisallowNesting), C.int(oflags), &cerr)
	if t == nil {
		err := error(syscall.Errno(cerr))
		if cerr == 0 || cerr == C.EIO {
			err = errors.New("not a valid TDB file")
		}
		return nil, &Error{Path: path, Op: "open", Err: err}
	}
	return &DB{t: t, path: path}, nil
}

// Path is the file's path.
func (d *DB) Path() string { return d.path }

// Error is a failed TDB call: the file, the operation and TDB's message.
type Error struct {
	Path string
	Op   string
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("tdb %s: %s: %v", e.Path, e.Op, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

func (d *DB) fail(op string) error {
	if C.tdb_error(d.t) == C.TDB_ERR_NOEXIST {
		return &Error{Path: d.path, Op: op, Err: ErrNotFound}
	}
	return &Error{Path: d.path, Op: op, Err: errors.New(C.GoString(C.tdb_errorstr(d.t)))}
}

// failErrno is fail with the system error behind an I/O error (a full
// disk shows as "IO Error: no space left on device").
func (d *DB) failErrno(op string, errno error) error {
	if C.tdb_error(d.t) == C.TDB_ERR_IO && errno != nil {
		return &Error{Path: d.path, Op: op, Err: fmt.Errorf("%s: %w", C.GoString(C.tdb_errorstr(d.t)), errno)}
	}
	return d.fail(op)
}

func cbytes(b []byte) (C.TDB_DATA, func()) {
	if len(b) == 0 {
		return C.mkdata(nil, 0), func() {}
	}
	p := C.CBytes(b)
	return C.mkdata(p, C.size_t(len(b))), func() { C.free(p) }
}

func gobytes(d C.TDB_DATA) []byte {
	if d.dptr == nil {
		return nil
	}
	b := C.GoBytes(unsafe.Pointer(d.dptr), C.int(d.dsize))
	C.free(unsafe.Pointer(d.dptr))
	return b
}

// Fetch returns the value stored under key; ok is false if there is none.
func (d *DB) Fetch(key []byte) (val []byte, ok bool, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.t == nil {
		return nil, false, ErrClosed
	}
	k, free := cbytes(key)
	defer free()
	v := C.tdb_fetch(d.t, k)
	if v.dptr == nil {
		if C.tdb_error(d.t) == C.TDB_ERR_NOEXIST {
			return nil, false, nil
		}
		if v.dsize == 0 && C.tdb_exists(d.t, k) != 0 {
			return []byte{}, true, nil
		}
		return nil, false, d.fail("fetch")
	}
	return gobytes(v), true, nil
}

// Store writes key=val, replacing any previous value.
func (d *DB) Store(key, val []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.t == nil {
		return ErrClosed
	}
	k, fk := cbytes(key)
	defer fk()
	v, fv := cbytes(val)
	defer fv()
	if r, errno := C.tdb_store(d.t, k, v, C.TDB_REPLACE); r != 0 {
		return d.failErrno("store", errno)
	}
	return nil
}

// Delete removes key; a missing key gives an error wrapping ErrNotFound.
func (d *DB) Delete(key []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.t == nil {
		return ErrClosed
	}
	k, fk := cbytes(key)
	defer fk()
	if C.tdb_delete(d.t, k) != 0 {
		return d.fail("delete")
	}
	return nil
}

// Keys returns every key, in TDB's order.
func (d *DB) Keys() ([][]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.t == nil {
		return nil, ErrClosed
	}
	var keys [][]byte
	k := C.tdb_firstkey(d.t)
	for k.dptr != nil {
		next := C.tdb_nextkey(d.t, k)
		keys = append(keys, gobytes(k))
		k = next
	}
	if e := C.tdb_error(d.t); e != C.TDB_SUCCESS && e != C.TDB_ERR_NOEXIST {
		return nil, d.fail("traverse")
	}
	return keys, nil
}

// Record is one key and its value.
type Record struct {
	Key, Val []byte
}

// Traverse calls fn for every record, in TDB's order, under a read lock
// of the whole file (fn must not call back into d). A non-nil error from
// fn stops it and is returned.
func (d *DB) Traverse(fn func(key, val []byte) error) error {
	recs, err := d.Records()
	if err != nil {
		return err
	}
	for _, r := range recs {
		if err := fn(r.Key, r.Val); err != nil {
			return err
		}
	}
	return nil
}

// Records returns every record, read under one read lock of the file.
func (d *DB) Records() ([]Record, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.t == nil {
		return nil, ErrClosed
	}
	if C.tdb_lockall_read(d.t) != 0 {
		return nil, d.fail("lock")
	}
	defer C.tdb_unlockall_read(d.t)
	var recs []Record
	k := C.tdb_firstkey(d.t)
	for k.dptr != nil {
		v := C.tdb_fetch(d.t, k)
		next := C.tdb_nextkey(d.t, k)
		recs = append(recs, Record{Key: gobytes(k), Val: nonNil(gobytes(v))})
		k = next
	}
	if e := C.tdb_error(d.t); e != C.TDB_SUCCESS && e != C.TDB_ERR_NOEXIST {
		return nil, d.fail("traverse")
	}
	return recs, nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// TransactionStart starts a transaction: nothing written until
// TransactionCommit is visible to other openers, and a crash before the
// commit leaves the file as it was.
func (d *DB) TransactionStart() error {
	return d.call("transaction start", func(t *C.struct_tdb_context) (C.int, error) {
		r, err := C.tdb_transaction_start(t)
		return r, err
	})
}

// TransactionPrepareCommit writes the transaction's recovery area and
// syncs it: after it, the commit cannot fail for lack of space.
func (d *DB) TransactionPrepareCommit() error {
	return d.call("transaction prepare commit", func(t *C.struct_tdb_context) (C.int, error) {
		r, err := C.tdb_transaction_prepare_commit(t)
		return r, err
	})
}

// TransactionCommit commits (and, unless NoSync, fsyncs) the transaction.
func (d *DB) TransactionCommit() error {
	return d.call("transaction commit", func(t *C.struct_tdb_context) (C.int, error) {
		r, err := C.tdb_transaction_commit(t)
		return r, err
	})
}

// TransactionCancel throws the transaction away.
func (d *DB) TransactionCancel() error {
	return d.call("transaction cancel", func(t *C.struct_tdb_context) (C.int, error) {
		r, err := C.tdb_transaction_cancel(t)
		return r, err
	})
}

// Wipe deletes every record (inside the caller's transaction, if any).
func (d *DB) Wipe() error {
	return d.call("wipe", func(t *C.struct_tdb_context) (C.int, error) {
		r, err := C.tdb_wipe_all(t)
		return r, err
	})
}

// Check runs TDB's consistency check of the whole file.
func (d *DB) Check() error {
	return d.call("check", func(t *C.struct_tdb_context) (C.int, error) {
		r, err := C.check_tdb(t)
		return r, err
	})
}

func (d *DB) call(op string, fn func(*C.struct_tdb_context) (C.int, error)) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.t == nil {
		return ErrClosed
	}
	if r, errno := fn(d.t); r != 0 {
		return d.failErrno(op, errno)
	}
	return nil
}

// Close closes the file; an open transaction is cancelled.
func (d *DB) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.t == nil {
		return nil
	}
	r := C.tdb_close(d.t)
	d.t = nil
	if r != 0 {
		return &Error{Path: d.path, Op: "close", Err: errors.New("close failed")}
	}
	return nil
}
