package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ctdb-go/ctdb/internal/tdb"
)

func TestStoreThenFetch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.tdb")
	db, err := tdb.Open(path, tdb.OpenOptions{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	value := []byte("v\x00\xff\n")
	var out, errb bytes.Buffer
	if rc := run([]string{"store", path, "6b00"}, bytes.NewReader(value), &out, &errb); rc != 0 {
		t.Fatalf("store: rc %d, stderr %q", rc, errb.String())
	}
	if rc := run([]string{"fetch", path, "6b00"}, nil, &out, &errb); rc != 0 || !bytes.Equal(out.Bytes(), value) {
		t.Fatalf("fetch: rc %d, stdout %q, stderr %q", rc, out.Bytes(), errb.String())
	}
	out.Reset()
	if rc := run([]string{"fetch", path, "6b"}, nil, &out, &errb); rc != exitNoRecord || out.Len() != 0 {
		t.Errorf("fetch of a missing key: rc %d, stdout %q", rc, out.Bytes())
	}
}

func TestErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.tdb")
	for _, tc := range []struct {
		args []string
		rc   int
		msg  string
	}{
		{[]string{"fetch", missing}, exitUsage, "usage"},
		{[]string{"drop", missing, "00"}, exitUsage, "usage"},
		{[]string{"fetch", missing, "zz"}, exitUsage, "not hex"},
		{[]string{"fetch", missing, "00"}, exitFailed, "Failed to open TDB file " + missing},
		{[]string{"store", missing, "00"}, exitFailed, "Failed to open TDB file " + missing},
	} {
		var out, errb bytes.Buffer
		if rc := run(tc.args, strings.NewReader(""), &out, &errb); rc != tc.rc || !strings.Contains(errb.String(), tc.msg) {
			t.Errorf("%v: rc %d stderr %q, want rc %d and %q", tc.args, rc, errb.String(), tc.rc, tc.msg)
		}
	}
}
