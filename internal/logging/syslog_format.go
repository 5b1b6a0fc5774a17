package logging

import (
	"strconv"
	"strings"

	"github.com/sirupsen/logrus"
)

// syslogStyle selects the syslog message header.
type syslogStyle int

const (
	// rfc3164Local is BSD syslog without host name, as syslog(3) sends it
	// to /dev/log: <PRI>Mmm dd hh:mm:ss TAG[PID]: MSG
	rfc3164Local syslogStyle = iota
	// rfc3164 adds the host name, for UDP:
	// <PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG
	rfc3164
	// rfc5424 is <PRI>1 TIME HOST TAG PID - - MSG
	rfc5424
)

// facilityDaemon is the syslog facility of every message (3, "daemon").
const facilityDaemon = 3

// syslogFormatter renders an entry as syslog messages, one per line of the
// message, each terminated by '\n'. The newline is a separator for
// datagramSink, which sends each line as one datagram; it is not part of
// the message.
type syslogFormatter struct {
	style    syslogStyle
	tag      string
	hostname string
	pid      int
}

var _ logrus.Formatter = (*syslogFormatter)(nil)

func (f *syslogFormatter) Format(e *logrus.Entry) ([]byte, error) {
	header := f.header(e)
	var b strings.Builder
	for _, l := range messageLines(e) {
		b.WriteString(header)
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return []byte(b.String()), nil
}

// header is everything before the message text, including the separator.
func (f *syslogFormatter) header(e *logrus.Entry) string {
	pri := "<" + strconv.Itoa(facilityDaemon*8+syslogSeverity(e.Level)) + ">"
	tag := entryTag(e, f.tag)
	pid := strconv.Itoa(f.pid)
	switch f.style {
	case rfc5424:
		host := f.hostname
		if host == "" {
			host = "-"
		}
		return pri + "1 " + e.Time.Format(TimeFormat) + " " + host + " " + tag + " " + pid + " - - "
	case rfc3164:
		return pri + e.Time.Format(time3164) + " " + f.hostname + " " + tag + "[" + pid + "]: "
	default:
		return pri + e.Time.Format(time3164) + " " + tag + "[" + pid + "]: "
	}
}

// time3164 is the BSD syslog time stamp; the day is padded with a space.
const time3164 = "Jan _2 15:04:05"
