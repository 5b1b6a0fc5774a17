package dbstore

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ctdb-go/ctdb/internal/dbfmt"
	"github.com/ctdb-go/ctdb/internal/protocol"
)

// A commit on a full filesystem fails cleanly: an error, nothing
// half-applied, the database still readable, and later commits work once
// there is room again. Needs root for a small tmpfs.
func TestFullDiskDuringCommit(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=2m"); err != nil {
		t.Skipf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, syscall.MNT_DETACH) })
	d := Dirs{Volatile: filepath.Join(mnt, "v"), Persistent: filepath.Join(mnt, "p"), State: filepath.Join(mnt, "s")}
	s, err := Open(0, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Attach("full.tdb", dbfmt.DBFlagPersistent)
	db, _ := s.Find(protocol.DBRef{Name: "full.tdb"})
	if err := db.Prepare(trans(1, 1, "before", "ok")); err != nil {
		t.Fatal(err)
	}
	db.Commit(1)
	// Fill the rest of the filesystem.
	filler := filepath.Join(mnt, "filler")
	f, _ := os.Create(filler)
	f.Write(make([]byte, 4<<20))
	f.Close()
	big := trans(2, 2)
	for i := 0; i < 50; i++ {
		big.Trans.Changes = append(big.Trans.Changes, protocol.DBChange{Key: []byte(strings.Repeat("k", i+1)), Value: make([]byte, 20000)})
	}
	err = db.Prepare(big)
	if err == nil {
		db.Commit(2)
		t.Fatal("a transaction larger than the free space was committed")
	}
	if !strings.Contains(err.Error(), "full.tdb.0") {
		t.Fatalf("error does not name the file: %v", err)
	}
	if _, v, ok := value(t, db, "before"); !ok || v != "ok" {
		t.Fatalf("old record after the failed commit: %q %v", v, ok)
	}
	if _, _, ok := value(t, db, "k"); ok {
		t.Fatal("failed transaction half-applied")
	}
	if n, _ := db.Seqnum(); n != 1 {
		t.Fatalf("sequence number %d after the failed commit", n)
	}
	os.Remove(filler)
	if err := db.Prepare(trans(3, 2, "after", "ok")); err != nil {
		t.Fatalf("commit after space was freed: %v", err)
	}
	if err := db.Commit(3); err != nil {
		t.Fatal(err)
	}
	if err := db.check(); err != nil {
		t.Fatalf("database after a full disk: %v", err)
	}
}
