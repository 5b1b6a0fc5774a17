package dbstore

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/dbfmt"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

func dirs(t *testing.T) Dirs {
	b := t.TempDir()
	return Dirs{Volatile: filepath.Join(b, "volatile"), Persistent: filepath.Join(b, "persistent"), State: filepath.Join(b, "state")}
}

func trans(txid, seq uint64, kv ...string) protocol.DBPrepare {
	p := protocol.DBPrepare{TxID: txid, Seqnum: seq, Origin: 1}
	for i := 0; i+1 < len(kv); i += 2 {
		p.Trans.Changes = append(p.Trans.Changes, protocol.DBChange{Key: []byte(kv[i]), Value: []byte(kv[i+1])})
	}
	return p
}

func value(t *testing.T, db *DB, key string) (dbfmt.Header, string, bool) {
	t.Helper()
	v, ok, err := db.Fetch([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return dbfmt.Header{}, "", false
	}
	h, d, err := dbfmt.SplitValue(v)
	if err != nil {
		t.Fatal(err)
	}
	return h, string(d), true
}

func TestTransactionsAndReopen(t *testing.T) {
	d := dirs(t)
	s, err := Open(0, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Attach("secrets.tdb", dbfmt.DBFlagPersistent)
	if err != nil {
		t.Fatal(err)
	}
	if info.Path != filepath.Join(d.Persistent, "secrets.tdb.0") || info.ID != dbfmt.DBID("secrets.tdb") {
		t.Fatalf("info %+v", info)
	}
	db, _ := s.Find(protocol.DBRef{Name: "secrets.tdb"})
	if err := db.Prepare(trans(1, 1, "a", "1", "b", "2")); err != nil {
		t.Fatal(err)
	}
	if err := db.Commit(1); err != nil {
		t.Fatal(err)
	}
	if err := db.Prepare(trans(2, 2, "a", "one", "b", "")); err != nil {
		t.Fatal(err)
	}
	if err := db.Commit(2); err != nil {
		t.Fatal(err)
	}
	if h, v, ok := value(t, db, "a"); !ok || v != "one" || h.RSN != 2 || h.DMaster != 1 {
		t.Fatalf("a = %q %+v", v, h)
	}
	if _, _, ok := value(t, db, "b"); ok {
		t.Fatal("b not deleted")
	}
	// A cancelled transaction changes nothing.
	if err := db.Prepare(trans(3, 3, "c", "3")); err != nil {
		t.Fatal(err)
	}
	if err := db.Commit(99); !errors.Is(err, ErrNotPending) {
		t.Fatalf("commit of another txid: %v", err)
	}
	if err := db.Cancel(3); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Seqnum(); n != 2 {
		t.Fatalf("seqnum %d", n)
	}
	s.Close()
	s2, err := Open(0, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	db2, err := s2.Find(protocol.DBRef{ID: dbfmt.DBID("secrets.tdb")})
	if err != nil {
		t.Fatalf("persistent database not attached at start: %v", err)
	}
	if n, _ := db2.Seqnum(); n != 2 {
		t.Fatalf("seqnum after reopen %d", n)
	}
}

func TestPendingTimesOutAndBadChange(t *testing.T) {
	old := PendingTimeout
	PendingTimeout = 50 * time.Millisecond
	defer func() { PendingTimeout = old }()
	s, _ := Open(0, dirs(t), nil)
	defer s.Close()
	s.Attach("p.tdb", dbfmt.DBFlagPersistent)
	db, _ := s.Find(protocol.DBRef{Name: "p.tdb"})
	if err := db.Prepare(trans(1, 1, "k", "v")); err != nil {
		t.Fatal(err)
	}
	// The next Prepare waits for the timeout's cancel, then goes through.
	if err := db.Prepare(trans(2, 1, "k", "w")); err != nil {
		t.Fatal(err)
	}
	if err := db.Commit(2); err != nil {
		t.Fatal(err)
	}
	if _, v, _ := value(t, db, "k"); v != "w" {
		t.Fatalf("k = %q", v)
	}
	bad := trans(3, 2, "x", "1")
	bad.Trans.Changes = append(bad.Trans.Changes, protocol.DBChange{Key: dbfmt.SeqnumKey, Value: []byte("z")})
	if err := db.Prepare(bad); err == nil {
		t.Fatal("write of the sequence number key accepted")
	}
	if _, _, ok := value(t, db, "x"); ok {
		t.Fatal("failed transaction half-applied")
	}
}

func TestPullReplace(t *testing.T) {
	s, _ := Open(0, dirs(t), nil)
	defer s.Close()
	s.Attach("src.tdb", dbfmt.DBFlagPersistent)
	s.Attach("dst.tdb", dbfmt.DBFlagPersistent)
	src, _ := s.Find(protocol.DBRef{Name: "src.tdb"})
	dst, _ := s.Find(protocol.DBRef{Name: "dst.tdb"})
	var kv []string
	for i := 0; i < 300; i++ {
		kv = append(kv, strings.Repeat("k", 1+i%5)+string(rune('A'+i%50))+strings.Repeat("z", i/50), strings.Repeat("v", i))
	}
	src.Prepare(trans(1, 7, kv...))
	src.Commit(1)
	dst.Prepare(trans(1, 3, "old", "x"))
	dst.Commit(1)
	var chunks []protocol.DBRecords
	for k, n := 0, 1; k < n; k++ {
		r, err := src.Pull(7, k, 4000)
		if err != nil {
			t.Fatal(err)
		}
		chunks, n = append(chunks, r), r.Chunks
	}
	if len(chunks) < 10 {
		t.Fatalf("%d chunks of at most 4000 bytes for 300 kB", len(chunks))
	}
	var all []dbfmt.Rec
	for _, r := range chunks {
		recs, err := dbfmt.UnmarshalRecs(r.Recs, r.Count)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, recs...)
	}
	if err := dst.Replace(all); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Pull(7, 3, 4000); err != nil {
		t.Fatalf("a new snapshot after the last chunk: %v", err)
	}
	a, _ := src.Records()
	b, _ := dst.Records()
	if len(a) != len(b) || len(a) != 300 {
		t.Fatalf("records %d vs %d", len(a), len(b))
	}
	if n, _ := dst.Seqnum(); n != 7 {
		t.Fatalf("seqnum after push %d", n)
	}
	if _, _, ok := value(t, dst, "old"); ok {
		t.Fatal("old record survived the push")
	}
}

func TestListNewestFirst(t *testing.T) {
	s, _ := Open(0, dirs(t), nil)
	defer s.Close()
	for _, n := range []string{"b.tdb", "a.tdb", "c.tdb"} {
		s.Attach(n, 0)
	}
	var names []string
	for _, db := range s.List() {
		names = append(names, db.Name)
	}
	if strings.Join(names, " ") != "c.tdb a.tdb b.tdb" {
		t.Fatalf("List order: %v", names)
	}
}

func TestCorruptFileRefused(t *testing.T) {
	d := dirs(t)
	os.MkdirAll(d.Persistent, 0o755)
	bad := filepath.Join(d.Persistent, "registry.tdb.0")
	os.WriteFile(bad, []byte(strings.Repeat("not a tdb ", 200)), 0o600)
	if _, err := Open(0, d, nil); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("corrupt file: %v", err)
	}
	// Another node's file in the same directory is not ours to open.
	d2 := dirs(t)
	os.MkdirAll(d2.Persistent, 0o755)
	os.WriteFile(filepath.Join(d2.Persistent, "registry.tdb.1"), []byte("x"), 0o600)
	s, err := Open(0, d2, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// TestWriteHookAndPending: every transaction this node writes reaches the
// hook once it ends (committed, failed or cancelled), and Pending counts
// the prepared ones; these are ctdbd's childwrite_calls, its latency and
// pending_childwrite_calls.
func TestWriteHookAndPending(t *testing.T) {
	s, _ := Open(0, dirs(t), nil)
	defer s.Close()
	var took []time.Duration
	s.SetWriteHook(func(d time.Duration) { took = append(took, d) })
	s.Attach("a.tdb", dbfmt.DBFlagPersistent)
	s.Attach("b.tdb", dbfmt.DBFlagPersistent)
	a, _ := s.Find(protocol.DBRef{Name: "a.tdb"})
	b, _ := s.Find(protocol.DBRef{Name: "b.tdb"})
	if n := s.Pending(); n != 0 {
		t.Fatalf("pending %d before any transaction", n)
	}
	if err := a.Prepare(trans(1, 1, "k", "v")); err != nil {
		t.Fatal(err)
	}
	if err := b.Prepare(trans(2, 1, "k", "v")); err != nil {
		t.Fatal(err)
	}
	if n, w := s.Pending(), len(took); n != 2 || w != 0 {
		t.Fatalf("two prepared: pending %d, written %d; want 2, 0", n, w)
	}
	if err := a.Commit(1); err != nil {
		t.Fatal(err)
	}
	if err := b.Cancel(2); err != nil {
		t.Fatal(err)
	}
	if n, w := s.Pending(), len(took); n != 0 || w != 2 {
		t.Fatalf("after commit and cancel: pending %d, written %d; want 0, 2", n, w)
	}
	bad := trans(3, 2, "x", "1")
	bad.Trans.Changes = append(bad.Trans.Changes, protocol.DBChange{Key: dbfmt.SeqnumKey, Value: []byte("z")})
	if err := a.Prepare(bad); err == nil {
		t.Fatal("write of the sequence number key accepted")
	}
	if err := a.Commit(99); err == nil {
		t.Fatal("commit of an unknown transaction accepted")
	}
	if n, w := s.Pending(), len(took); n != 0 || w != 3 {
		t.Fatalf("after a failed prepare and a bad commit: pending %d, written %d; want 0, 3", n, w)
	}
	for i, d := range took {
		if d <= 0 || d > time.Minute {
			t.Fatalf("write %d took %v", i, d)
		}
	}
}
