package logging

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sirupsen/logrus"
)

// DefaultLevel is CTDB's default debug level.
const DefaultLevel = "NOTICE"

// ctdbLevels lists CTDB's debug levels in numeric order (0..4) with the
// logrus level each one maps to. CTDB has one level more than the usual
// error/warn/info/debug set, so everything shifts by one below WARNING:
// NOTICE is logrus Info, INFO is Debug and DEBUG is Trace.
var ctdbLevels = []struct {
	name  string
	level logrus.Level
}{
	{"ERROR", logrus.ErrorLevel},
	{"WARNING", logrus.WarnLevel},
	{"NOTICE", logrus.InfoLevel},
	{"INFO", logrus.DebugLevel},
	{"DEBUG", logrus.TraceLevel},
}

// levelAliases are short spellings accepted on input only.
var levelAliases = map[string]string{"ERR": "ERROR", "WARN": "WARNING"}

// ParseLevel turns a CTDB debug level into a logrus level. It accepts the
// names ERROR, WARNING, NOTICE, INFO and DEBUG in any case, the aliases
// ERR and WARN, and CTDB's numeric levels 0 (ERROR) to 4 (DEBUG).
// Surrounding spaces are ignored; anything else is an error.
func ParseLevel(s string) (logrus.Level, error) {
	v := strings.ToUpper(strings.TrimSpace(s))
	if n, err := strconv.Atoi(v); err == nil {
		if n >= 0 && n < len(ctdbLevels) {
			return ctdbLevels[n].level, nil
		}
		return 0, levelError(s)
	}
	if full, ok := levelAliases[v]; ok {
		v = full
	}
	for _, l := range ctdbLevels {
		if l.name == v {
			return l.level, nil
		}
	}
	return 0, levelError(s)
}

func levelError(s string) error {
	return fmt.Errorf("invalid debug level %q: want ERROR, WARNING, NOTICE, INFO, DEBUG or 0-4", s)
}

// LevelName is the CTDB name of a logrus level, as `ctdb getdebug` prints
// it. Panic and Fatal count as ERROR.
func LevelName(lv logrus.Level) string {
	if lv <= logrus.ErrorLevel {
		return "ERROR"
	}
	for _, l := range ctdbLevels {
		if l.level == lv {
			return l.name
		}
	}
	return "DEBUG"
}

// syslogSeverity maps a logrus level to an RFC 5424 severity: Panic and
// Fatal are crit (2), then err (3), warning (4), notice (5), info (6) and
// debug (7) as the CTDB names suggest.
func syslogSeverity(lv logrus.Level) int {
	switch lv {
	case logrus.PanicLevel, logrus.FatalLevel:
		return 2
	case logrus.ErrorLevel:
		return 3
	case logrus.WarnLevel:
		return 4
	case logrus.InfoLevel:
		return 5
	case logrus.DebugLevel:
		return 6
	default:
		return 7
	}
}
