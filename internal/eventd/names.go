package eventd

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/ctdb-go/ctdb/internal/scriptdir"
)

// eventNameRE: an event name is a simple word (compiled on first use, so
// that ctdbd's start does not pay for it).
var eventNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`) })

const monitorEvent = "monitor"

// validScriptName: see scriptdir.ValidName.
func validScriptName(name string) bool {
	return scriptdir.ValidName(name)
}

// checkRequest validates the arguments of Run.
func checkRequest(event string, args []string, timeout time.Duration) error {
	if !eventNameRE().MatchString(event) {
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
