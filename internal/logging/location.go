package logging

import (
	"fmt"
	"strings"
)

// Default syslog destinations, as CTDB uses them.
const (
	syslogSocket  = "/dev/log"
	syslogUDPAddr = "127.0.0.1:514"
)

// location is a parsed Options.Location.
type location struct {
	kind    string // "stderr", "file" or "syslog"
	path    string // file
	network string // syslog: "unixgram" or "udp"
	addr    string // syslog socket path or host:port
	style   syslogStyle
}

// parseLocation understands CTDB's "[logging] location" values plus
// "syslog:unix:PATH":
//
//	"" or "stderr"        standard error
//	"file:PATH"           append to PATH
//	"syslog"              Unix datagram socket /dev/log, RFC 3164 without host
//	"syslog:nonblocking"  the same (our syslog writes never block anyway)
//	"syslog:udp"          UDP to 127.0.0.1:514, RFC 3164 with host name
//	"syslog:udp-rfc5424"  UDP to 127.0.0.1:514, RFC 5424
//	"syslog:unix:PATH"    Unix datagram socket PATH, like "syslog"
func parseLocation(s string) (location, error) {
	switch {
	case s == "" || s == "stderr":
		return location{kind: "stderr"}, nil
	case strings.HasPrefix(s, "file:"):
		path := strings.TrimPrefix(s, "file:")
		if path == "" {
			return location{}, locationError(s, "file: needs a path")
		}
		return location{kind: "file", path: path}, nil
	case s == "syslog" || s == "syslog:nonblocking":
		return syslogLocation("unixgram", syslogSocket, rfc3164Local), nil
	case s == "syslog:udp":
		return syslogLocation("udp", syslogUDPAddr, rfc3164), nil
	case s == "syslog:udp-rfc5424":
		return syslogLocation("udp", syslogUDPAddr, rfc5424), nil
	case strings.HasPrefix(s, "syslog:unix:"):
		path := strings.TrimPrefix(s, "syslog:unix:")
		if path == "" {
			return location{}, locationError(s, "syslog:unix: needs a socket path")
		}
		return syslogLocation("unixgram", path, rfc3164Local), nil
	}
	return location{}, locationError(s, "want stderr, file:PATH, syslog, syslog:nonblocking, "+
		"syslog:udp, syslog:udp-rfc5424 or syslog:unix:PATH")
}

func syslogLocation(network, addr string, style syslogStyle) location {
	return location{kind: "syslog", network: network, addr: addr, style: style}
}

func locationError(s, why string) error {
	return fmt.Errorf("invalid log location %q: %s", s, why)
}
