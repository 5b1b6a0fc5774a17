// Package dbstore is a node's database registry: the TDB files ctdbd
// keeps, one per attached database, in CTDB 4.17's layout (NAME.tdb.PNN
// in the configured directory, every value behind CTDB's record header,
// the sequence number in its own record).
//
// Writes to a persistent or replicated database go through transactions
// in two steps, driven by a coordinator (the leader) over every active
// node: Prepare applies the changes inside a TDB transaction and prepares
// its commit; Commit or Cancel ends it. A prepared transaction that is
// neither committed nor cancelled within PendingTimeout is cancelled, so a
// coordinator that dies cannot leave a database locked. Recovery replaces
// a node's copy (Replace) by the copy with the highest sequence number.
package dbstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ctdb-go/ctdb/internal/dbfmt"
	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/internal/tdb"
)

// PendingTimeout bounds how long a prepared transaction waits for its
// commit or cancel.
var PendingTimeout = 10 * time.Second

// Dirs are the [database] directories.
type Dirs struct {
	Volatile, Persistent, State string
}

// Store is the registry of one node's databases.
type Store struct {
	pnn  uint32
	dirs Dirs
	log  func(format string, args ...any)

	mu       sync.Mutex
	dbs      map[uint32]*DB
	attached uint64 // attach counter: the map lists newest first
	// written is told of each transaction this node has written (see
	// SetWriteHook).
	written func(d time.Duration)
}

// DB is one attached database.
type DB struct {
	info protocol.DBInfo
	t    *tdb.DB
	s    *Store
	seq  uint64 // when attached (Store.attached)

	// txmu is held for writing from Prepare to Commit/Cancel and during a
	// Push, for reading by readers, so nobody reads uncommitted data.
	txmu sync.RWMutex

	pmu     sync.Mutex
	pending *pending

	snapMu sync.Mutex
	snaps  map[uint64]*snapshot
}

type pending struct {
	txid  uint64
	timer *time.Timer
	took  time.Duration // this node's time to prepare it
}

// Sentinel errors.
var (
	ErrNoDB        = errors.New("no such database")
	ErrNotPending  = errors.New("no such pending transaction")
	ErrPersistent  = errors.New("database is persistent")
	ErrKindMissing = errors.New("database exists with another type")
)

// Open builds the store and attaches every persistent database found in
// dirs.Persistent (NAME.tdb.PNN files of this node), after checking each:
// a corrupt file is an error naming it.
func Open(pnn uint32, dirs Dirs, logf func(string, ...any)) (*Store, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	s := &Store{pnn: pnn, dirs: dirs, log: logf, dbs: map[uint32]*DB{}}
	for _, d := range []string{dirs.Volatile, dirs.Persistent, dirs.State} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("database directory: %w", err)
		}
	}
	ents, err := os.ReadDir(dirs.Persistent)
	if err != nil {
		return nil, fmt.Errorf("database directory: %w", err)
	}
	suffix := "." + strconv.FormatUint(uint64(pnn), 10)
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), suffix)
		if !ok || e.IsDir() || !strings.HasSuffix(name, ".tdb") {
			continue
		}
		if _, err := s.attach(name, dbfmt.DBFlagPersistent, true); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// Close closes every database.
func (s *Store) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, db := range s.dbs {
		db.t.Close()
	}
	s.dbs = map[uint32]*DB{}
}

// ValidName: CTDB takes any file name; we refuse path separators and
// names that would not fit a backup header.
func ValidName(name string) error {
	if name == "" || len(name) > 63 || strings.ContainsAny(name, "/\x00") || name == "." || name == ".." {
		return fmt.Errorf("invalid database name %q", name)
	}
	return nil
}

func (s *Store) path(name string, flags uint32) string {
	dir := s.dirs.Volatile
	if flags&dbfmt.DBFlagPersistent != 0 {
		dir = s.dirs.Persistent
	}
	return filepath.Join(dir, fmt.Sprintf("%s.%d", name, s.pnn))
}

// Attach attaches a database (creating its file); attaching an attached
// database returns it.
func (s *Store) Attach(name string, flags uint32) (protocol.DBInfo, error) {
	return s.attach(name, flags, false)
}

func (s *Store) attach(name string, flags uint32, check bool) (protocol.DBInfo, error) {
	if err := ValidName(name); err != nil {
		return protocol.DBInfo{}, err
	}
	flags &= dbfmt.DBFlagPersistent | dbfmt.DBFlagReplicated
	id := dbfmt.DBID(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if db, ok := s.dbs[id]; ok {
		if db.info.Name != name {
			return protocol.DBInfo{}, fmt.Errorf("database id 0x%08x of %s is taken by %s", id, name, db.info.Name)
		}
		return db.info, nil
	}
	path := s.path(name, flags)
	o := tdb.OpenOptions{Create: true}
	if flags&dbfmt.DBFlagPersistent == 0 {
		// Volatile and replicated databases start empty, as in CTDB.
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return protocol.DBInfo{}, fmt.Errorf("database %s: %w", path, err)
		}
		o.Flags = tdb.NoSync
	}
	if _, err := os.Stat(path); err == nil {
		// Never O_CREAT an existing file: libtdb would re-initialise a
		// file whose header it cannot read, losing a damaged database.
		o.Create = false
	}
	t, err := tdb.Open(path, o)
	if err != nil {
		return protocol.DBInfo{}, fmt.Errorf("database file %s cannot be opened: %w", path, err)
	}
	db := &DB{info: protocol.DBInfo{ID: id, Name: name, Path: path, Flags: flags}, t: t, s: s}
	if check {
		if err := db.check(); err != nil {
			t.Close()
			return protocol.DBInfo{}, fmt.Errorf("database file %s is corrupt: %v", path, err)
		}
	}
	s.attached++
	db.seq = s.attached
	s.dbs[id] = db
	s.log("Attached database %s (0x%08x) at %s", name, id, path)
	return db.info, nil
}

// check runs TDB's check and decodes every record header and the
// sequence number.
func (db *DB) check() error {
	if err := db.t.Check(); err != nil {
		return err
	}
	recs, err := db.t.Records()
	if err != nil {
		return err
	}
	for _, r := range recs {
		_, data, err := dbfmt.SplitValue(r.Val)
		if err != nil {
			return fmt.Errorf("record %q: %v", dbfmt.Escape(r.Key), err)
		}
		if string(r.Key) == string(dbfmt.SeqnumKey) {
			if _, err := dbfmt.ParseSeqnum(data); err != nil {
				return err
			}
		}
	}
	return nil
}

// Detach closes and forgets a volatile database (and deletes its file).
// Persistent databases cannot be detached, as in CTDB.
func (s *Store) Detach(ref protocol.DBRef) error {
	db, err := s.Find(ref)
	if err != nil {
		return err
	}
	if db.info.Flags&dbfmt.DBFlagPersistent != 0 {
		return fmt.Errorf("%s: %w", db.info.Name, ErrPersistent)
	}
	s.mu.Lock()
	delete(s.dbs, db.info.ID)
	s.mu.Unlock()
	db.txmu.Lock()
	defer db.txmu.Unlock()
	db.t.Close()
	os.Remove(db.info.Path)
	s.log("Detached database %s", db.info.Name)
	return nil
}

// Find returns a database by name or id.
func (s *Store) Find(ref protocol.DBRef) (*DB, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ref.Name != "" {
		if db, ok := s.dbs[dbfmt.DBID(ref.Name)]; ok && db.info.Name == ref.Name {
			return db, nil
		}
		return nil, fmt.Errorf("%w: %s", ErrNoDB, ref.Name)
	}
	if db, ok := s.dbs[ref.ID]; ok {
		return db, nil
	}
	return nil, fmt.Errorf("%w: 0x%08x", ErrNoDB, ref.ID)
}

// List returns every attached database, the newest first, as CTDB 4.17
// lists them.
func (s *Store) List() []protocol.DBInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	dbs := make([]*DB, 0, len(s.dbs))
	for _, db := range s.dbs {
		dbs = append(dbs, db)
	}
	sort.Slice(dbs, func(i, j int) bool { return dbs[i].seq > dbs[j].seq })
	out := make([]protocol.DBInfo, len(dbs))
	for i, db := range dbs {
		out[i] = db.info
	}
	return out
}

// SetWriteHook installs f, which is told of every transaction this node
// writes to a database through Prepare (cluster transactions: pstore,
// ptrans, deletekey, restoredb...) once it ends, committed or not, with
// the time this node spent writing it: taking the database, applying and
// preparing, committing; not the wait for the coordinator's commit.
// ctdbd counts these as CTDB's childwrite_calls and childwrite_latency.
// Call it before the store is used.
func (s *Store) SetWriteHook(f func(d time.Duration)) {
	s.written = f
}

func (s *Store) wrote(d time.Duration) {
	if s.written != nil {
		s.written(d)
	}
}

// Pending returns how many transactions are prepared and wait for their
// commit or cancel (CTDB's pending_childwrite_calls).
func (s *Store) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, db := range s.dbs {
		db.pmu.Lock()
		if db.pending != nil {
			n++
		}
		db.pmu.Unlock()
	}
	return n
}

// Info describes the database.
func (db *DB) Info() protocol.DBInfo { return db.info }

// Persistent tells whether writes need cluster transactions.
func (db *DB) Persistent() bool {
	return db.info.Flags&(dbfmt.DBFlagPersistent|dbfmt.DBFlagReplicated) != 0
}

// Seqnum is the database's sequence number (0 when it has none).
func (db *DB) Seqnum() (uint64, error) {
	db.txmu.RLock()
	defer db.txmu.RUnlock()
	return db.seqnum()
}

func (db *DB) seqnum() (uint64, error) {
	v, ok, err := db.t.Fetch(dbfmt.SeqnumKey)
	if err != nil || !ok {
		return 0, err
	}
	_, data, err := dbfmt.SplitValue(v)
	if err != nil {
		return 0, fmt.Errorf("%s: sequence number record: %v", db.info.Path, err)
	}
	return dbfmt.ParseSeqnum(data)
}

// Fetch returns a stored value (header and data).
func (db *DB) Fetch(key []byte) ([]byte, bool, error) {
	db.txmu.RLock()
	defer db.txmu.RUnlock()
	return db.t.Fetch(key)
}

// Records returns every record as stored (header and data).
func (db *DB) Records() ([]tdb.Record, error) {
	db.txmu.RLock()
	defer db.txmu.RUnlock()
	return db.t.Records()
}

// Pull returns chunk number chunk of the database's records, marshalled.
// Chunk 0 takes a snapshot for session, cut into chunks of at most max
// bytes (at least one record each), that the other chunks come from, in
// any order; a large database is read once. The snapshot goes when every
// chunk has been served, or after ten minutes.
func (db *DB) Pull(session uint64, chunk, max int) (protocol.DBRecords, error) {
	db.snapMu.Lock()
	defer db.snapMu.Unlock()
	if db.snaps == nil {
		db.snaps = map[uint64]*snapshot{}
	}
	sn := db.snaps[session]
	if chunk == 0 || sn == nil {
		var err error
		if sn, err = db.snapshot(max); err != nil {
			return protocol.DBRecords{}, err
		}
		for id, old := range db.snaps {
			if time.Since(old.taken) > 10*time.Minute {
				delete(db.snaps, id)
			}
		}
		db.snaps[session] = sn
	}
	if chunk < 0 || chunk >= len(sn.chunks) {
		return protocol.DBRecords{}, fmt.Errorf("%s: no chunk %d of %d", db.info.Name, chunk, len(sn.chunks))
	}
	c := sn.chunks[chunk]
	if !c.served {
		c.served = true
		if sn.served++; sn.served == len(sn.chunks) {
			delete(db.snaps, session)
		}
	}
	return protocol.DBRecords{Count: c.count, Recs: c.recs, Chunks: len(sn.chunks), Seqnum: sn.seqnum}, nil
}

func (db *DB) snapshot(max int) (*snapshot, error) {
	recs, err := db.Records()
	if err != nil {
		return nil, err
	}
	seq, err := db.Seqnum()
	if err != nil {
		return nil, err
	}
	sn := &snapshot{seqnum: seq, taken: time.Now()}
	cur := &chunk{}
	for _, r := range recs {
		h, data, err := dbfmt.SplitValue(r.Val)
		if err != nil {
			return nil, fmt.Errorf("%s: record %q: %v", db.info.Path, dbfmt.Escape(r.Key), err)
		}
		rec := dbfmt.Rec{Key: r.Key, Header: h, Data: data}
		if cur.count > 0 && len(cur.recs)+dbfmt.RecSize(rec) > max {
			sn.chunks = append(sn.chunks, cur)
			cur = &chunk{}
		}
		cur.recs = dbfmt.AppendRec(cur.recs, rec)
		cur.count++
	}
	sn.chunks = append(sn.chunks, cur)
	return sn, nil
}

type chunk struct {
	recs   []byte
	count  int
	served bool
}

type snapshot struct {
	chunks []*chunk
	served int
	seqnum uint64
	taken  time.Time
}
