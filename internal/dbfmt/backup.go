package dbfmt

import (
	"bytes"
	"fmt"
	"io"
	"time"
)

// Backup file constants of CTDB 4.17's `ctdb backupdb`.
const (
	BackupVersion = 3
	backupNameLen = 64
	backupHdrSize = 5*8 + backupNameLen
	// MaxBufferSize is where a backup starts a new buffer, as CTDB does.
	MaxBufferSize = 100 * 1000
	bufHdrSize    = 4 + 4 + 8
)

// Database flags (CTDB's CTDB_DB_FLAGS_*).
const (
	DBFlagPersistent uint32 = 0x01
	DBFlagReadonly   uint32 = 0x02
	DBFlagSticky     uint32 = 0x04
	DBFlagReplicated uint32 = 0x08
)

// Backup is a decoded backup file.
type Backup struct {
	Name      string
	Flags     uint32
	Timestamp time.Time
	DBID      uint32 // of the first buffer (0 when there is none)
	Recs      []Rec
}

// MarshalBackup writes b in CTDB 4.17's layout, in buffers of at most
// about MaxBufferSize bytes.
func MarshalBackup(b Backup) ([]byte, error) {
	if len(b.Name) >= backupNameLen || b.Name == "" {
		return nil, fmt.Errorf("database name %q must have 1 to %d bytes", b.Name, backupNameLen-1)
	}
	var bufs [][]byte
	var counts []int
	var cur []byte
	n := 0
	for _, r := range b.Recs {
		if len(cur) > 0 && len(cur)+RecSize(r) > MaxBufferSize {
			bufs, counts = append(bufs, cur), append(counts, n)
			cur, n = nil, 0
		}
		cur = AppendRec(cur, r)
		n++
	}
	if n > 0 {
		bufs, counts = append(bufs, cur), append(counts, n)
	}
	out := make([]byte, backupHdrSize)
	le.PutUint64(out[0:], BackupVersion)
	le.PutUint64(out[8:], uint64(b.Timestamp.Unix()))
	le.PutUint64(out[16:], uint64(b.Flags))
	le.PutUint64(out[24:], uint64(len(bufs)))
	le.PutUint64(out[32:], uint64(len(b.Recs)))
	copy(out[40:], b.Name)
	for i, buf := range bufs {
		h := make([]byte, bufHdrSize)
		le.PutUint32(h[0:], b.DBID)
		le.PutUint32(h[4:], uint32(counts[i]))
		le.PutUint64(h[8:], uint64(len(buf)))
		out = append(append(out, h...), buf...)
	}
	return out, nil
}

// ReadBackup decodes a whole backup file; file names it in errors.
func ReadBackup(r io.Reader, file string) (*Backup, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<34))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	b, err := UnmarshalBackup(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return b, nil
}

// UnmarshalBackup decodes a backup file's bytes.
func UnmarshalBackup(data []byte) (*Backup, error) {
	if len(data) < backupHdrSize {
		return nil, fmt.Errorf("not a CTDB backup: %d bytes, shorter than the %d-byte header: %w", len(data), backupHdrSize, ErrTruncated)
	}
	if v := le.Uint64(data[0:]); v != BackupVersion {
		return nil, fmt.Errorf("not a CTDB backup: version %d, want %d", v, BackupVersion)
	}
	nameb := data[40:backupHdrSize]
	if i := bytes.IndexByte(nameb, 0); i >= 0 {
		nameb = nameb[:i]
	} else {
		return nil, fmt.Errorf("not a CTDB backup: database name is not terminated")
	}
	b := &Backup{Name: string(nameb), Timestamp: time.Unix(int64(le.Uint64(data[8:])), 0),
		Flags: uint32(le.Uint64(data[16:]))}
	if b.Name == "" {
		return nil, fmt.Errorf("not a CTDB backup: empty database name")
	}
	nbuf, nrec := le.Uint64(data[24:]), le.Uint64(data[32:])
	off := backupHdrSize
	for i := uint64(0); i < nbuf; i++ {
		if len(data)-off < bufHdrSize {
			return nil, fmt.Errorf("buffer %d of %d at offset %d: %w", i+1, nbuf, off, ErrTruncated)
		}
		id, count, blen := le.Uint32(data[off:]), le.Uint32(data[off+4:]), le.Uint64(data[off+8:])
		if i == 0 {
			b.DBID = id
		}
		off += bufHdrSize
		if blen > uint64(len(data)-off) {
			return nil, fmt.Errorf("buffer %d of %d at offset %d: %d bytes announced, %d left: %w", i+1, nbuf, off, blen, len(data)-off, ErrTruncated)
		}
		recs, err := UnmarshalRecs(data[off:off+int(blen)], int(count))
		if err != nil {
			return nil, fmt.Errorf("buffer %d of %d: %w", i+1, nbuf, err)
		}
		b.Recs = append(b.Recs, recs...)
		off += int(blen)
	}
	if off != len(data) {
		return nil, fmt.Errorf("%d bytes after the last buffer", len(data)-off)
	}
	if uint64(len(b.Recs)) != nrec {
		return nil, fmt.Errorf("header announces %d records, the buffers hold %d", nrec, len(b.Recs))
	}
	return b, nil
}
