package logging

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sirupsen/logrus"
)

// Options configures New.
type Options struct {
	// Location is where lines go; see parseLocation for the values
	// ("stderr", "file:PATH", "syslog[:nonblocking|udp|udp-rfc5424]",
	// "syslog:unix:PATH"). Ignored when Output is set.
	Location string
	// Output, when non-nil, receives the CTDB lines instead of Location
	// (tests, t.Log adapters). The Logger does not close it.
	Output io.Writer
	// Level is a CTDB debug level (see ParseLevel); "" means NOTICE.
	Level string
	// Tag is the process tag ("ctdbd", "ctdb-recoverd"...); "" means the
	// base name of the executable.
	Tag string
	// Hostname is printed in each line; "" means os.Hostname up to the
	// first dot.
	Hostname string
	// PID is printed after the tag; 0 means os.Getpid().
	PID int
}

// Logger is a logrus.Logger writing CTDB lines to one output. Use the
// embedded logrus API to log; the methods here manage level and output.
type Logger struct {
	*logrus.Logger
	tag  string
	sink sink
}

// New builds a Logger. A log file is opened (created 0644) before New
// returns, so a bad path is reported here; a syslog socket is connected
// lazily and its absence is never an error.
func New(o Options) (*Logger, error) {
	o = withDefaults(o)
	level, err := ParseLevel(o.Level)
	if err != nil {
		return nil, err
	}
	s, style, err := openOutput(o)
	if err != nil {
		return nil, err
	}
	lg := logrus.New()
	lg.Out = s
	lg.Level = level
	if style == nil {
		lg.Formatter = &LineFormatter{Tag: o.Tag, Hostname: o.Hostname, PID: o.PID}
	} else {
		lg.Formatter = &syslogFormatter{style: *style, tag: o.Tag, hostname: o.Hostname, pid: o.PID}
	}
	return &Logger{Logger: lg, tag: o.Tag, sink: s}, nil
}

func withDefaults(o Options) Options {
	if o.Level == "" {
		o.Level = DefaultLevel
	}
	if o.Tag == "" {
		o.Tag = filepath.Base(os.Args[0])
	}
	if o.Hostname == "" {
		o.Hostname = shortHostname()
	}
	if o.PID == 0 {
		o.PID = os.Getpid()
	}
	return o
}

// shortHostname is the host name up to the first dot, as CTDB prints it.
func shortHostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "localhost"
	}
	short, _, _ := strings.Cut(h, ".")
	return short
}

// openOutput opens the sink; style is non-nil for syslog outputs.
func openOutput(o Options) (sink, *syslogStyle, error) {
	if o.Output != nil {
		return writerSink{o.Output}, nil, nil
	}
	loc, err := parseLocation(o.Location)
	if err != nil {
		return nil, nil, err
	}
	switch loc.kind {
	case "file":
		s, err := openFileSink(loc.path)
		if err != nil {
			return nil, nil, fmt.Errorf("log location %q: %w", o.Location, err)
		}
		return s, nil, nil
	case "syslog":
		return newDatagramSink(loc.network, loc.addr), &loc.style, nil
	}
	return writerSink{os.Stderr}, nil, nil
}

// Tag is the logger's default process tag.
func (l *Logger) Tag() string { return l.tag }

// WithTag starts an entry logged under another process tag, e.g. the
// eventscript lines ctdbd logs as "ctdb-eventd".
func (l *Logger) WithTag(tag string) *logrus.Entry { return l.WithField(TagField, tag) }

// SetLevelName sets the level from a CTDB level name or number.
func (l *Logger) SetLevelName(name string) error {
	lv, err := ParseLevel(name)
	if err != nil {
		return err
	}
	l.SetLevel(lv)
	return nil
}

// LevelName is the current level's CTDB name.
func (l *Logger) LevelName() string { return LevelName(l.GetLevel()) }

// Reopen reopens a log file (after rotation, on SIGHUP). It does nothing
// for other outputs. On error the old file stays in use.
func (l *Logger) Reopen() error { return l.sink.Reopen() }

// Close releases the output; later entries are discarded.
func (l *Logger) Close() error { return l.sink.Close() }

// Dropped is the number of syslog messages lost because the syslog socket
// was missing, refused or full; always 0 for other outputs.
func (l *Logger) Dropped() uint64 {
	if d, ok := l.sink.(*datagramSink); ok {
		return d.Dropped()
	}
	return 0
}
