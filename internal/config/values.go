package config

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// warning is an apply result that accepts the value but should be logged:
// CTDB accepts it, and we would not have.
type warning string

func (w warning) Error() string { return string(w) }

func warnf(format string, args ...any) error { return warning(fmt.Sprintf(format, args...)) }

// parseBool accepts the spellings CTDB's config parser accepts: true/false
// and yes/no in any case. CTDB 4.17 refuses on/off and 1/0, and so do we.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true", "yes":
		return true, nil
	case "false", "no":
		return false, nil
	}
	return false, fmt.Errorf("must be a boolean (true/false or yes/no)")
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

// maxNumericLogLevel is the highest numeric level CTDB 4.17 accepts.
const maxNumericLogLevel = 10

// parseLogLevel returns the upper-case level name. A number 0-10 (Samba's
// debug levels, which CTDB accepts) is mapped to its name with a warning:
// 0 ERROR, 1 WARNING, 2 NOTICE, 3 INFO, 4 and above DEBUG.
func parseLogLevel(s string) (string, error) {
	up := strings.ToUpper(s)
	for _, l := range logLevels {
		if up == l {
			return l, nil
		}
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= maxNumericLogLevel {
		l := logLevels[min(n, len(logLevels)-1)]
		return l, warnf("numeric log level %d taken as %s; prefer the name", n, l)
	}
	return "", fmt.Errorf("must be one of %s (or a number from 0 to %d)", strings.Join(logLevels, ", "), maxNumericLogLevel)
}

// checkTransport accepts CTDB's only transport.
func checkTransport(s string) error {
	if s != "tcp" {
		return fmt.Errorf(`must be "tcp"`)
	}
	return nil
}

// confScript resolves a script named in ctdb.conf as CTDB does: any
// directory part is ignored and the file is taken from the configuration
// directory. It must exist and be executable.
func confScript(c *Config, v string) (string, error) {
	p := filepath.Join(c.ConfigDir, filepath.Base(v))
	fi, err := os.Stat(p)
	switch {
	case err != nil:
		return "", fmt.Errorf("script %s does not exist (a script is looked up in the configuration directory)", p)
	case !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0:
		return "", fmt.Errorf("script %s is not an executable file", p)
	}
	return p, nil
}

// setDBDir stores a database directory, which must exist, as CTDB checks.
func setDBDir(dst *string, v string) error {
	fi, err := os.Stat(v)
	if err != nil || !fi.IsDir() {
		return fmt.Errorf("directory %q does not exist", v)
	}
	*dst = filepath.Clean(v)
	return nil
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
