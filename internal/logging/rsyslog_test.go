package logging

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/testutil/rsyslogd"
)

// TestSyslogThroughRsyslogd checks that a real syslog daemon parses our
// messages: tag and PID per entry, one message per line.
func TestSyslogThroughRsyslogd(t *testing.T) {
	srv := rsyslogd.Start(t)
	l, err := New(Options{Location: "syslog:unix:" + srv.Socket, Tag: "ctdbd", PID: 31337})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	marker := fmt.Sprint(time.Now().UnixNano())

	l.WithField("pnn", 1).Info("Recovery has started " + marker)
	l.WithTag("ctdb-eventd").Info("01.reclock: hello " + marker)
	l.Warn("two lines " + marker + "\nsecond line " + marker)

	wants := []string{
		"ctdbd[31337]: Recovery has started " + marker + " pnn=1",
		"ctdb-eventd[31337]: 01.reclock: hello " + marker,
		"ctdbd[31337]: two lines " + marker,
		"ctdbd[31337]: second line " + marker,
	}
	for _, w := range wants {
		line := srv.WaitFor(t, w, 5*time.Second)
		if !strings.HasSuffix(line, " "+w) {
			t.Errorf("rsyslogd line %q does not end with %q", line, " "+w)
		}
	}
	if d := l.Dropped(); d != 0 {
		t.Errorf("Dropped = %d with a live rsyslogd", d)
	}
}

// TestUDPFormatsThroughRsyslogd sends the UDP message forms (RFC 3164
// with host name, RFC 5424) to rsyslogd's network-style socket; its parser
// must find our host name, tag and PID in both.
func TestUDPFormatsThroughRsyslogd(t *testing.T) {
	srv := rsyslogd.Start(t)
	for _, location := range []string{"syslog:udp", "syslog:udp-rfc5424"} {
		l, err := New(Options{Location: location, Tag: "ctdbd", Hostname: "node1", PID: 777})
		if err != nil {
			t.Fatal(err)
		}
		// Same formatter, but sent to rsyslogd instead of 127.0.0.1:514.
		s := newDatagramSink("unixgram", srv.NetSocket)
		l.sink, l.Out = s, s
		marker := fmt.Sprint(time.Now().UnixNano())
		l.WithTag("ctdb-recoverd").Info("leader is node 0 " + marker)
		l.Close()
		want := " node1 ctdb-recoverd[777]: leader is node 0 " + marker
		if line := srv.WaitFor(t, marker, 5*time.Second); !strings.HasSuffix(line, want) {
			t.Errorf("%s: rsyslogd line %q does not end with %q", location, line, want)
		}
	}
}
