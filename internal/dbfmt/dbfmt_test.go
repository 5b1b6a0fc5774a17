package dbfmt

import (
	"bytes"
	"errors"
	"math/rand"
	"os"
	"strings"
	"testing"
	"time"
)

func TestDBIDMatchesCTDB417(t *testing.T) {
	// Ids printed by `ctdb getdbmap` of CTDB 4.17.12.
	for name, id := range map[string]uint32{"test.tdb": 0xc445c6ab, "g_lock.tdb": 0x4d2a432b,
		"other.tdb": 0xeeec5421, "rep.tdb": 0x64c8480e, "vol.tdb": 0x900f773e} {
		if got := DBID(name); got != id {
			t.Errorf("DBID(%s) = %#x, want %#x", name, got, id)
		}
	}
}

func TestHeaderRoundTrip(t *testing.T) {
	h := Header{RSN: 0x0102030405060708, DMaster: 7, Flags: RecFlagAutomatic}
	v := Value(h, []byte("data"))
	if len(v) != HeaderSize+4 {
		t.Fatalf("value length %d", len(v))
	}
	// RSN first, little endian; reserved words zero.
	if v[0] != 8 || v[8] != 7 || v[12] != 0 || v[16] != 0 || v[18] != 4 || v[20] != 0 {
		t.Fatalf("layout % x", v[:HeaderSize])
	}
	h2, d, err := SplitValue(v)
	if err != nil || h2 != h || string(d) != "data" {
		t.Fatalf("round trip: %+v %q %v", h2, d, err)
	}
	if _, _, err := SplitValue(v[:23]); err == nil {
		t.Fatal("23-byte value accepted")
	}
	n, err := ParseSeqnum(SeqnumData(42))
	if err != nil || n != 42 {
		t.Fatalf("seqnum %d %v", n, err)
	}
	if _, err := ParseSeqnum([]byte{1, 2}); err == nil {
		t.Fatal("short seqnum accepted")
	}
}

func randRecs(r *rand.Rand, n int) []Rec {
	recs := make([]Rec, n)
	for i := range recs {
		k := make([]byte, 1+r.Intn(40))
		d := make([]byte, r.Intn(3000))
		r.Read(k)
		r.Read(d)
		recs[i] = Rec{Key: k, Header: Header{RSN: r.Uint64(), DMaster: r.Uint32(), Flags: r.Uint32()}, Data: d}
	}
	return recs
}

func equalRecs(a, b []Rec) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i].Key, b[i].Key) || a[i].Header != b[i].Header || !bytes.Equal(a[i].Data, b[i].Data) {
			return false
		}
	}
	return true
}

func TestRecBufferRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, n := range []int{0, 1, 17} {
		recs := randRecs(r, n)
		b := MarshalRecs(nil, recs)
		got, err := UnmarshalRecs(b, n)
		if err != nil || !equalRecs(recs, got) {
			t.Fatalf("n=%d: %v", n, err)
		}
		if n > 0 {
			if _, err := UnmarshalRecs(b[:len(b)-1], n); !errors.Is(err, ErrTruncated) {
				t.Fatalf("truncated buffer: %v", err)
			}
			if _, err := UnmarshalRecs(b, n+1); err == nil {
				t.Fatal("count beyond the buffer accepted")
			}
		}
	}
}

func TestBackupRoundTripManyBuffers(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	recs := randRecs(r, 200) // ~300 kB: several buffers
	in := Backup{Name: "secrets.tdb", Flags: DBFlagPersistent, Timestamp: time.Unix(1700000000, 0), DBID: DBID("secrets.tdb"), Recs: recs}
	b, err := MarshalBackup(in)
	if err != nil {
		t.Fatal(err)
	}
	if nbuf := le.Uint64(b[24:]); nbuf < 3 {
		t.Fatalf("%d buffers, want several", nbuf)
	}
	out, err := UnmarshalBackup(b)
	if err != nil {
		t.Fatal(err)
	}
	if out.Name != in.Name || out.Flags != in.Flags || !out.Timestamp.Equal(in.Timestamp) || out.DBID != in.DBID || !equalRecs(out.Recs, recs) {
		t.Fatalf("round trip differs: %s %#x %v %#x", out.Name, out.Flags, out.Timestamp, out.DBID)
	}
	for _, cut := range []int{10, 104, 120, len(b) / 2, len(b) - 1} {
		if _, err := UnmarshalBackup(b[:cut]); err == nil {
			t.Errorf("backup cut at %d bytes accepted", cut)
		}
	}
	if _, err := UnmarshalBackup(append(b, 0)); err == nil {
		t.Error("trailing byte accepted")
	}
}

func TestDecodeCTDB417Backup(t *testing.T) {
	f, err := os.Open("testdata/ctdb417-test.tdb.bak")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := ReadBackup(f, "testdata/ctdb417-test.tdb.bak")
	if err != nil {
		t.Fatal(err)
	}
	if b.Name != "test.tdb" || b.Flags != DBFlagPersistent || len(b.Recs) != 4 {
		t.Fatalf("header: %q flags %#x, %d records", b.Name, b.Flags, len(b.Recs))
	}
	got := map[string]string{}
	for _, r := range b.Recs {
		if r.Header.DMaster != 0 {
			t.Errorf("record %q: dmaster %d", r.Key, r.Header.DMaster)
		}
		got[string(r.Key)] = string(r.Data)
	}
	want := map[string]string{"key1": "value1", `k\00ey2`: `va\0Alue2`, "key3": "/etc/hostname", string(SeqnumKey): string(SeqnumData(2))}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("record %q = %q, want %q", k, got[k], v)
		}
	}
	// Our encoder writes the same bytes for the same content and buffer id.
	again, err := MarshalBackup(*b)
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile("testdata/ctdb417-test.tdb.bak")
	if !bytes.Equal(again, orig) {
		t.Fatalf("re-encoded backup differs from CTDB's:\n% x\n% x", again, orig)
	}
}

func TestEscapeAndDump(t *testing.T) {
	var b bytes.Buffer
	WriteRec(&b, SeqnumKey, Header{RSN: 2}, SeqnumData(2))
	want := "key(23) = \"__db_sequence_number__\\00\"\ndmaster: 0\nrsn: 2\nflags: 0x00000000\ndata(8) = \"\\02\\00\\00\\00\\00\\00\\00\\00\"\n\n"
	if b.String() != want {
		t.Fatalf("got %q\nwant %q", b.String(), want)
	}
	if got := Escape([]byte(`k\00"`)); got != `k\5C00\22` {
		t.Fatalf("Escape = %s", got)
	}
}

func TestParsePtrans(t *testing.T) {
	recs, err := ParsePtrans(strings.NewReader("\"a\" \"1\"\n\n\"b c\"\t\"\"\n"), "stdin")
	if err != nil || len(recs) != 2 || string(recs[1].Key) != "b c" || len(recs[1].Value) != 0 {
		t.Fatalf("%q %v", recs, err)
	}
	for in, msg := range map[string]string{
		"\"a\" \"1\"\na b\n":      "stdin:2:",
		"\"a\n":                   "unmatched",
		"\"a\" \"b\" \"c\"\n":     "after the value",
		"\"a\"\n":                 "missing value",
		"\"ok\" \"1\"\n\"x\" y\n": "stdin:2",
	} {
		if _, err := ParsePtrans(strings.NewReader(in), "stdin"); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("input %q: error %v, want %q", in, err, msg)
		}
	}
}
