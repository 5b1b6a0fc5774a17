package dbfmt

import (
	"errors"
	"fmt"
)

// Rec is one record of a marshalled buffer: the key, its header and data.
type Rec struct {
	Key    []byte
	Header Header
	Data   []byte
}

// recFixed is the fixed part of a marshalled record: length, request id,
// key length, data length.
const recFixed = 16

// MarshalRecs appends the marshalled form of recs to b.
func MarshalRecs(b []byte, recs []Rec) []byte {
	for _, r := range recs {
		b = AppendRec(b, r)
	}
	return b
}

// AppendRec appends one marshalled record to b.
func AppendRec(b []byte, r Rec) []byte {
	dlen := HeaderSize + len(r.Data)
	n := recFixed + len(r.Key) + dlen
	off := len(b)
	b = append(b, make([]byte, n)...)
	p := b[off:]
	le.PutUint32(p[0:], uint32(n))
	le.PutUint32(p[4:], 0)
	le.PutUint32(p[8:], uint32(len(r.Key)))
	le.PutUint32(p[12:], uint32(dlen))
	copy(p[recFixed:], r.Key)
	r.Header.put(p[recFixed+len(r.Key):])
	copy(p[recFixed+len(r.Key)+HeaderSize:], r.Data)
	return b
}

// RecSize is the marshalled size of r.
func RecSize(r Rec) int { return recFixed + len(r.Key) + HeaderSize + len(r.Data) }

// ErrTruncated says a buffer or file ends inside a record or header.
var ErrTruncated = errors.New("truncated")

// UnmarshalRecs decodes count records from b, which must hold exactly
// them. The records' slices point into b.
func UnmarshalRecs(b []byte, count int) ([]Rec, error) {
	recs := make([]Rec, 0, min(count, len(b)/recFixed))
	off := 0
	for i := 0; i < count; i++ {
		if len(b)-off < recFixed {
			return nil, fmt.Errorf("record %d at offset %d: %w", i, off, ErrTruncated)
		}
		p := b[off:]
		n := int(le.Uint32(p[0:]))
		klen, dlen := int(le.Uint32(p[8:])), int(le.Uint32(p[12:]))
		if n != recFixed+klen+dlen || klen < 0 || dlen < 0 {
			return nil, fmt.Errorf("record %d at offset %d: length %d does not match key %d and data %d", i, off, n, klen, dlen)
		}
		if n > len(p) {
			return nil, fmt.Errorf("record %d at offset %d: %d bytes announced, %d left: %w", i, off, n, len(p), ErrTruncated)
		}
		h, data, err := SplitValue(p[recFixed+klen : n])
		if err != nil {
			return nil, fmt.Errorf("record %d at offset %d: %v", i, off, err)
		}
		recs = append(recs, Rec{Key: p[recFixed : recFixed+klen], Header: h, Data: data})
		off += n
	}
	if off != len(b) {
		return nil, fmt.Errorf("%d bytes after the last of %d records", len(b)-off, count)
	}
	return recs, nil
}
