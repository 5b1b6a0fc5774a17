package eventd

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// scriptNameRE matches script names. Anything else in the directory (backup
// files such as "50.x~", "50.x.rpmnew", "50.x.dpkg-old", "50.x.swp", names
// with extra or leading dots, README...) is ignored. It also excludes '/', so
// a valid name never leaves the directory.
var scriptNameRE = regexp.MustCompile(`^[0-9]{2}\.[A-Za-z0-9_-]+$`)

// eventNameRE: an event name is a simple word.
var eventNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)

const monitorEvent = "monitor"

func validScriptName(name string) bool {
	return scriptNameRE.MatchString(name)
}

// checkRequest validates the arguments of Run.
func checkRequest(event string, args []string, timeout time.Duration) error {
	if !eventNameRE.MatchString(event) {
		return fmt.Errorf("eventd: invalid event name %q: want a word of letters, digits, '_' or '-'", event)
	}
	for i, a := range args {
		if strings.IndexByte(a, 0) >= 0 {
			return fmt.Errorf("eventd: event %s: argument %d contains a NUL byte", event, i+1)
		}
	}
	if timeout <= 0 {
		return fmt.Errorf("eventd: event %s: timeout is %v, must be positive", event, timeout)
	}
	return nil
}
