package eventd

import (
	"bytes"
	"fmt"

	"github.com/sirupsen/logrus"
)

// tailBuffer keeps the last max bytes written to it and counts all of them.
type tailBuffer struct {
	max   int
	buf   []byte
	total int64
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.total += int64(len(p))
	if len(p) >= b.max {
		b.buf = append(b.buf[:0], p[len(p)-b.max:]...)
		return len(p), nil
	}
	b.buf = append(b.buf, p...)
	if len(b.buf) > 2*b.max { // trim now and then, not on every write
		b.buf = b.buf[:copy(b.buf, b.buf[len(b.buf)-b.max:])]
	}
	return len(p), nil
}

// String returns the kept bytes, prefixed with a note when some were dropped.
func (b *tailBuffer) String() string {
	kept := b.buf
	if len(kept) > b.max {
		kept = kept[len(kept)-b.max:]
	}
	if int64(len(kept)) == b.total {
		return string(kept)
	}
	return fmt.Sprintf("[output truncated: last %d of %d bytes]\n%s", len(kept), b.total, kept)
}

// maxLogLine is the longest piece of an output line logged as one message.
const maxLogLine = 4096

// lineLogger logs output line by line as "NAME: line". A line longer than
// max is logged in pieces so a script cannot make it buffer without bound.
type lineLogger struct {
	name    string
	log     *logrus.Entry
	max     int
	partial []byte
}

func (l *lineLogger) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.partial = append(l.partial, p...)
			l.emitLong()
			break
		}
		l.partial = append(l.partial, p[:i]...)
		l.emit(l.partial)
		l.partial = l.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

// emitLong logs full max-sized pieces of an unfinished line.
func (l *lineLogger) emitLong() {
	for len(l.partial) >= l.max {
		l.emit(l.partial[:l.max])
		l.partial = l.partial[:copy(l.partial, l.partial[l.max:])]
	}
}

// Flush logs an unfinished last line.
func (l *lineLogger) Flush() {
	if len(l.partial) > 0 {
		l.emit(l.partial)
		l.partial = l.partial[:0]
	}
}

func (l *lineLogger) emit(line []byte) {
	l.log.Info(l.name + ": " + string(bytes.TrimRight(line, "\r")))
}
