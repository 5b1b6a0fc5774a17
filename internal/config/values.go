package config

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
)

// parseBool accepts the spellings CTDB's config parser accepts.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0":
		return false, nil
	}
	return false, fmt.Errorf("must be a boolean (true/false, yes/no, on/off, 1/0)")
}

// parseIntRange parses a decimal integer in [lo, hi].
func parseIntRange(s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("must be an integer from %d to %d", lo, hi)
	}
	return n, nil
}

var logLevels = []string{"ERROR", "WARNING", "NOTICE", "INFO", "DEBUG"}

// parseLogLevel returns the upper-case level name.
func parseLogLevel(s string) (string, error) {
	up := strings.ToUpper(s)
	for _, l := range logLevels {
		if up == l {
			return l, nil
		}
	}
	return "", fmt.Errorf("must be one of %s", strings.Join(logLevels, ", "))
}

// checkLogLocation validates the forms CTDB's logging accepts.
func checkLogLocation(s string) error {
	switch s {
	case "syslog", "syslog:nonblocking", "syslog:udp", "syslog:udp-rfc5424":
		return nil
	}
	if p, ok := strings.CutPrefix(s, "file:"); ok {
		return checkAbsPath(p)
	}
	if p, ok := strings.CutPrefix(s, "syslog:unix:"); ok {
		return checkAbsPath(p)
	}
	return fmt.Errorf("must be file:PATH, syslog, syslog:nonblocking, syslog:udp, " +
		"syslog:udp-rfc5424 or syslog:unix:PATH")
}

func checkAbsPath(p string) error {
	if !filepath.IsAbs(p) {
		return fmt.Errorf("path %q must be absolute", p)
	}
	return nil
}

// parseNodeAddress returns the canonical form of an IP address.
func parseNodeAddress(s string) (string, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return "", fmt.Errorf("must be an IPv4 or IPv6 address")
	}
	return a.Unmap().String(), nil
}

// checkNodesList accepts a file path; CTDB's "!command" form is not
// supported.
func checkNodesList(s string) error {
	if s == "" {
		return fmt.Errorf("must be a file path")
	}
	if strings.HasPrefix(s, "!") {
		return fmt.Errorf("commands (!COMMAND) are not supported, give a file path")
	}
	return nil
}
