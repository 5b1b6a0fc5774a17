package tdb

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func open(t *testing.T, path string) *DB {
	t.Helper()
	d, err := Open(path, OpenOptions{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func tdbdump(t *testing.T, path string) string {
	t.Helper()
	if _, err := exec.LookPath("tdbdump"); err != nil {
		t.Skip("tdbdump (tdb-tools) not installed")
	}
	out, err := exec.Command("tdbdump", path).CombinedOutput()
	if err != nil {
		t.Fatalf("tdbdump %s: %v\n%s", path, err, out)
	}
	return string(out)
}

func TestStoreFetchDeleteSeenByTdbdump(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.tdb")
	d := open(t, path)
	must(t, d.Store([]byte("k1"), []byte("v1")))
	must(t, d.Store([]byte("k\x00bin"), []byte{0, 1, 2}))
	must(t, d.Store([]byte("empty"), nil))
	v, ok, err := d.Fetch([]byte("k1"))
	if err != nil || !ok || string(v) != "v1" {
		t.Fatalf("fetch k1 = %q %v %v", v, ok, err)
	}
	v, ok, err = d.Fetch([]byte("empty"))
	if err != nil || !ok || len(v) != 0 {
		t.Fatalf("fetch empty = %q %v %v", v, ok, err)
	}
	if _, ok, err := d.Fetch([]byte("none")); ok || err != nil {
		t.Fatalf("fetch of a missing key: ok=%v err=%v", ok, err)
	}
	must(t, d.Delete([]byte("empty")))
	if err := d.Delete([]byte("empty")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	out := tdbdump(t, path)
	for _, want := range []string{`key(2) = "k1"`, `data(2) = "v1"`, `key(5) = "k\00bin"`, `data(3) = "\00\01\02"`} {
		if !strings.Contains(out, want) {
			t.Errorf("tdbdump lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "empty") {
		t.Errorf("deleted key still dumped:\n%s", out)
	}
	recs, err := d.Records()
	must(t, err)
	if len(recs) != 2 {
		t.Fatalf("records: %d, want 2", len(recs))
	}
}

func TestTransactionCommitAndCancel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.tdb")
	d := open(t, path)
	must(t, d.TransactionStart())
	must(t, d.Store([]byte("a"), []byte("1")))
	must(t, d.TransactionCancel())
	if _, ok, _ := d.Fetch([]byte("a")); ok {
		t.Fatal("cancelled store is visible")
	}
	must(t, d.TransactionStart())
	must(t, d.Store([]byte("b"), []byte("2")))
	must(t, d.Wipe())
	must(t, d.Store([]byte("c"), []byte("3")))
	must(t, d.TransactionPrepareCommit())
	must(t, d.TransactionCommit())
	must(t, d.Close())
	// A fresh open (as after a restart) sees the committed state only.
	d2 := open(t, path)
	keys, err := d2.Keys()
	must(t, err)
	if len(keys) != 1 || string(keys[0]) != "c" {
		t.Fatalf("keys after commit: %q", keys)
	}
	must(t, d2.Check())
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "missing.tdb"), OpenOptions{}); err == nil || !strings.Contains(err.Error(), "missing.tdb") {
		t.Fatalf("open of a missing file without Create: %v", err)
	}
	bad := filepath.Join(dir, "bad.tdb")
	writeFile(t, bad, bytes.Repeat([]byte("garbage!"), 100))
	if _, err := Open(bad, OpenOptions{}); err == nil || !strings.Contains(err.Error(), "bad.tdb") {
		t.Fatalf("open of a non-TDB file: %v", err)
	}
}

func TestManyRecordsOrderIndependent(t *testing.T) {
	d := open(t, filepath.Join(t.TempDir(), "m.tdb"))
	want := map[string]string{}
	must(t, d.TransactionStart())
	for i := 0; i < 500; i++ {
		k := strings.Repeat("k", i%7+1) + string(rune('a'+i%26)) + string(rune('0'+i%10)) + strings.Repeat("x", i/26)
		want[k] = k + "=v"
		must(t, d.Store([]byte(k), []byte(k+"=v")))
	}
	must(t, d.TransactionCommit())
	recs, err := d.Records()
	must(t, err)
	got := map[string]string{}
	for _, r := range recs {
		got[string(r.Key)] = string(r.Val)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	var ks []string
	for k, v := range want {
		if got[k] != v {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	if len(ks) > 0 {
		t.Fatalf("wrong values for %q", ks)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
