package dbfmt

import (
	"encoding/binary"
	"fmt"
)

// HeaderSize is the size of the record header.
const HeaderSize = 24

// le is the byte order of CTDB's files on the little-endian machines we
// support (CTDB writes its structures in host order).
var le = binary.LittleEndian

// Record flags (CTDB's CTDB_REC_FLAG_*).
const (
	RecFlagMigratedWithData uint32 = 0x00010000
	RecFlagVacuumMigrated   uint32 = 0x00020000
	RecFlagAutomatic        uint32 = 0x00040000
	RecFlagRODelegation     uint32 = 0x00100000
)

// Header is the record header that precedes every value.
type Header struct {
	RSN     uint64
	DMaster uint32
	Flags   uint32
}

// Marshal encodes h.
func (h Header) Marshal() []byte {
	b := make([]byte, HeaderSize)
	h.put(b)
	return b
}

func (h Header) put(b []byte) {
	le.PutUint64(b[0:], h.RSN)
	le.PutUint32(b[8:], h.DMaster)
	le.PutUint32(b[12:], 0)
	le.PutUint32(b[16:], h.Flags)
	le.PutUint32(b[20:], 0)
}

// Value is a stored value: the header followed by the data.
func Value(h Header, data []byte) []byte {
	b := make([]byte, HeaderSize+len(data))
	h.put(b)
	copy(b[HeaderSize:], data)
	return b
}

// SplitValue decodes a stored value into its header and data.
func SplitValue(v []byte) (Header, []byte, error) {
	if len(v) < HeaderSize {
		return Header{}, nil, fmt.Errorf("record of %d bytes is shorter than the %d-byte record header", len(v), HeaderSize)
	}
	return Header{RSN: le.Uint64(v[0:]), DMaster: le.Uint32(v[8:]), Flags: le.Uint32(v[16:])}, v[HeaderSize:], nil
}

// SeqnumKey is the key of the sequence number record (NUL included).
var SeqnumKey = []byte("__db_sequence_number__\x00")

// SeqnumData is the data of the sequence number record.
func SeqnumData(n uint64) []byte {
	b := make([]byte, 8)
	le.PutUint64(b, n)
	return b
}

// ParseSeqnum decodes the sequence number record's data.
func ParseSeqnum(data []byte) (uint64, error) {
	if len(data) != 8 {
		return 0, fmt.Errorf("sequence number record has %d bytes of data, want 8", len(data))
	}
	return le.Uint64(data), nil
}

// DBID is CTDB 4.17's database id of a name: TDB's Jenkins hash of the
// name including its terminating NUL.
func DBID(name string) uint32 {
	return jenkinsHash(append([]byte(name), 0))
}
