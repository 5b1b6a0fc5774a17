package logging

import (
	"strings"
	"testing"
)

func TestParseLocation(t *testing.T) {
	tests := []struct {
		in   string
		want location
	}{
		{"", location{kind: "stderr"}},
		{"stderr", location{kind: "stderr"}},
		{"file:/var/log/log.ctdb", location{kind: "file", path: "/var/log/log.ctdb"}},
		{"syslog", location{kind: "syslog", network: "unixgram", addr: "/dev/log", style: rfc3164Local}},
		{"syslog:nonblocking", location{kind: "syslog", network: "unixgram", addr: "/dev/log", style: rfc3164Local}},
		{"syslog:udp", location{kind: "syslog", network: "udp", addr: "127.0.0.1:514", style: rfc3164}},
		{"syslog:udp-rfc5424", location{kind: "syslog", network: "udp", addr: "127.0.0.1:514", style: rfc5424}},
		{"syslog:unix:/tmp/x.sock", location{kind: "syslog", network: "unixgram", addr: "/tmp/x.sock", style: rfc3164Local}},
	}
	for _, tt := range tests {
		got, err := parseLocation(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("parseLocation(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseLocationRejects(t *testing.T) {
	for _, in := range []string{"file:", "file", "syslog:", "syslog:tcp", "syslog:unix:", "/var/log/x", "STDERR"} {
		_, err := parseLocation(in)
		if err == nil {
			t.Errorf("parseLocation(%q) succeeded, want an error", in)
			continue
		}
		if !strings.Contains(err.Error(), `"`+in+`"`) {
			t.Errorf("error %q does not name the value %q", err, in)
		}
	}
}
