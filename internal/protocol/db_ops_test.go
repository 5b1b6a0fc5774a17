package protocol

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestBlobRoundTrip(t *testing.T) {
	for _, b := range [][]byte{nil, {}, {0}, bytes.Repeat([]byte{0xff, 1, 2}, 1000)} {
		in := DBRecords{Count: 3, Recs: b, Chunks: 2, Seqnum: 9}
		enc, err := MarshalBody(in)
		if err != nil {
			t.Fatal(err)
		}
		// The same text as plain []byte would give.
		std, _ := json.Marshal(struct {
			Count  int    `json:"count"`
			Recs   []byte `json:"recs"`
			Chunks int    `json:"chunks"`
			Seqnum uint64 `json:"seqnum"`
		}{3, b, 2, 9})
		if len(b) > 0 && !bytes.Equal(enc, std) {
			t.Fatalf("encoding differs:\n%s\n%s", enc, std)
		}
		var out DBRecords
		if err := UnmarshalBody(enc, &out); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Recs, b) || out.Count != 3 || out.Chunks != 2 || out.Seqnum != 9 {
			t.Fatalf("round trip: %+v", out)
		}
	}
	var out DBRecords
	if err := UnmarshalBody([]byte(`{"recs":"QUJ\u0044"}`), &out); err != nil || string(out.Recs) != "ABC" {
		t.Fatalf("escaped: %q %v", out.Recs, err)
	}
	for _, bad := range []string{`{"recs":"@@@"}`, `{"recs":12}`} {
		if err := UnmarshalBody([]byte(bad), &out); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
