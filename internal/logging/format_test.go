package logging

import (
	"errors"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
)

// testTime is 2026-11-22 04:16:08.125204999 UTC; the formatter truncates
// to microseconds.
var testTime = time.Date(2026, 11, 22, 4, 16, 8, 125204999, time.UTC)

func entry(at time.Time, lv logrus.Level, msg string, data logrus.Fields) *logrus.Entry {
	e := logrus.NewEntry(logrus.New())
	e.Time, e.Level, e.Message = at, lv, msg
	if data != nil {
		e.Data = data
	}
	return e
}

func TestLineFormatterGolden(t *testing.T) {
	plus2 := time.FixedZone("", 2*3600)
	minus530 := time.FixedZone("", -(5*3600 + 30*60))
	tests := []struct {
		name string
		e    *logrus.Entry
		want string
	}{
		{"plain", entry(testTime, logrus.InfoLevel, "Recovery has started", nil),
			"2026-11-22T04:16:08.125204+00:00 node1 ctdbd[4242]: Recovery has started\n"},
		{"positive offset", entry(testTime.In(plus2), logrus.InfoLevel, "x", nil),
			"2026-11-22T06:16:08.125204+02:00 node1 ctdbd[4242]: x\n"},
		{"negative offset", entry(testTime.In(minus530), logrus.InfoLevel, "x", nil),
			"2026-11-21T22:46:08.125204-05:30 node1 ctdbd[4242]: x\n"},
		{"tag override", entry(testTime, logrus.InfoLevel, "01.reclock: some output",
			logrus.Fields{TagField: "ctdb-eventd"}),
			"2026-11-22T04:16:08.125204+00:00 node1 ctdb-eventd[4242]: 01.reclock: some output\n"},
		{"non-string tag ignored", entry(testTime, logrus.InfoLevel, "x", logrus.Fields{TagField: 7}),
			"2026-11-22T04:16:08.125204+00:00 node1 ctdbd[4242]: x\n"},
		{"fields sorted and quoted", entry(testTime, logrus.ErrorLevel, "connect failed", logrus.Fields{
			"pnn": 1, "node": "10.0.0.1", "error": errors.New("connection refused"), "empty": "",
			"eq": "a=b", TagField: "ctdb-recoverd"}),
			"2026-11-22T04:16:08.125204+00:00 node1 ctdb-recoverd[4242]: connect failed" +
				` empty="" eq="a=b" error="connection refused" node=10.0.0.1 pnn=1` + "\n"},
		{"field with newline stays on one line", entry(testTime, logrus.InfoLevel, "x",
			logrus.Fields{"out": "a\nb"}),
			"2026-11-22T04:16:08.125204+00:00 node1 ctdbd[4242]: x out=\"a\\nb\"\n"},
		{"multi-line, fields on first line", entry(testTime, logrus.WarnLevel,
			"monitor event failed:\n10.interface: eth0 down\r\n\n10.interface: done\n",
			logrus.Fields{"rc": 1}),
			"2026-11-22T04:16:08.125204+00:00 node1 ctdbd[4242]: monitor event failed: rc=1\n" +
				"2026-11-22T04:16:08.125204+00:00 node1 ctdbd[4242]: 10.interface: eth0 down\n" +
				"2026-11-22T04:16:08.125204+00:00 node1 ctdbd[4242]: \n" +
				"2026-11-22T04:16:08.125204+00:00 node1 ctdbd[4242]: 10.interface: done\n"},
		{"empty message", entry(testTime, logrus.InfoLevel, "", nil),
			"2026-11-22T04:16:08.125204+00:00 node1 ctdbd[4242]: \n"},
	}
	f := &LineFormatter{Tag: "ctdbd", Hostname: "node1", PID: 4242}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.Format(tt.e)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestSyslogFormatterGolden(t *testing.T) {
	nov2 := time.Date(2026, 11, 2, 4, 16, 8, 125204999, time.UTC)
	eventd := logrus.Fields{TagField: "ctdb-eventd"}
	tests := []struct {
		name  string
		style syslogStyle
		e     *logrus.Entry
		want  string
	}{
		{"local notice", rfc3164Local, entry(testTime, logrus.InfoLevel, "hello", nil),
			"<29>Nov 22 04:16:08 ctdbd[42]: hello\n"},
		{"local error, padded day", rfc3164Local, entry(nov2, logrus.ErrorLevel, "bad", nil),
			"<27>Nov  2 04:16:08 ctdbd[42]: bad\n"},
		{"local tag override, two lines", rfc3164Local,
			entry(testTime, logrus.TraceLevel, "01.reclock: a\n01.reclock: b", eventd),
			"<31>Nov 22 04:16:08 ctdb-eventd[42]: 01.reclock: a\n" +
				"<31>Nov 22 04:16:08 ctdb-eventd[42]: 01.reclock: b\n"},
		{"udp with host", rfc3164, entry(testTime, logrus.WarnLevel, "w", logrus.Fields{"k": "v"}),
			"<28>Nov 22 04:16:08 node1 ctdbd[42]: w k=v\n"},
		{"rfc5424", rfc5424, entry(testTime, logrus.DebugLevel, "i", eventd),
			"<30>1 2026-11-22T04:16:08.125204+00:00 node1 ctdb-eventd 42 - - i\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &syslogFormatter{style: tt.style, tag: "ctdbd", hostname: "node1", pid: 42}
			got, err := f.Format(tt.e)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
