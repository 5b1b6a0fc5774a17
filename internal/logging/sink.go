package logging

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// sink is where a Logger's formatted bytes go. Reopen and Close may be
// called from any goroutine; Write is serialized by logrus.
type sink interface {
	io.Writer
	Reopen() error
	Close() error
}

// writerSink writes to a caller's writer (stderr, a test buffer). Reopen
// and Close do nothing: the writer is not ours.
type writerSink struct{ w io.Writer }

func (s writerSink) Write(p []byte) (int, error) { return s.w.Write(p) }
func (s writerSink) Reopen() error               { return nil }
func (s writerSink) Close() error                { return nil }

// fileSink appends to a file that Reopen can swap for a fresh one, so an
// external log rotation (rename, then SIGHUP) works.
type fileSink struct {
	path string
	mu   sync.Mutex
	f    *os.File // nil after Close: writes are then discarded
}

// openFileSink opens the log file at start. Its directory is created if
// missing, as CTDB's default /var/log/ctdb may not exist on a fresh system;
// Reopen does not, so a rotation into a vanished directory is reported.
func openFileSink(path string) (*fileSink, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create directory of log file %s: %w", path, err)
	}
	f, err := openLogFile(path)
	if err != nil {
		return nil, err
	}
	return &fileSink{path: path, f: f}, nil
}

func openLogFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log file: %w", err)
	}
	return f, nil
}

func (s *fileSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return len(p), nil
	}
	return s.f.Write(p)
}

// Reopen opens the path again and switches to it; on failure the old
// file stays in use.
func (s *fileSink) Reopen() error {
	f, err := openLogFile(s.path)
	if err != nil {
		return err
	}
	s.mu.Lock()
	old := s.f
	if old != nil {
		s.f = f
	}
	s.mu.Unlock()
	if old == nil { // closed meanwhile: stay closed
		return f.Close()
	}
	return old.Close()
}

func (s *fileSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}
