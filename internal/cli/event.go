package cli

import (
	"strconv"
)

// eventComponent is the only event component of CTDB 4.x; the word is
// optional in every event command and appears in messages.
const eventComponent = "legacy"

// defaultEvent is the event that event status and scriptstatus show when
// none is given.
const defaultEvent = "monitor"

const eventUsage = `
  event status [legacy] [<event>]
  event run [<timeout>] [legacy] <event> [<args>...]
  event script list [legacy]
  event script enable|disable [legacy] <script>
`

// eventCmd is a parsed `ctdb event ...` command line.
type eventCmd struct {
	sub     string // status, run, script list, script enable, script disable
	event   string
	args    []string // run: the event's arguments
	timeout float64  // run: seconds, 0 = the daemon's EventScriptTimeout
	script  string   // script enable/disable
}

func stripLegacy(args []string) []string {
	if len(args) > 0 && args[0] == eventComponent {
		return args[1:]
	}
	return args
}

// parseTimeout accepts event run's optional timeout: a non-negative
// number of seconds starting with a digit.
func parseTimeout(s string) (float64, bool) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	t, err := strconv.ParseFloat(s, 64)
	if err != nil || t < 0 || t > 1e9 {
		return 0, false
	}
	return t, true
}

func parseEventArgs(args []string) (eventCmd, error) {
	bad := &usageError{"event"}
	if len(args) == 0 {
		return eventCmd{}, bad
	}
	switch args[0] {
	case "status":
		rest := stripLegacy(args[1:])
		ec := eventCmd{sub: "status", event: defaultEvent}
		if len(rest) > 1 {
			return ec, bad
		}
		if len(rest) == 1 {
			ec.event = rest[0]
		}
		return ec, nil
	case "run":
		rest := args[1:]
		ec := eventCmd{sub: "run"}
		if len(rest) > 0 {
			if t, ok := parseTimeout(rest[0]); ok {
				ec.timeout, rest = t, rest[1:]
			}
		}
		rest = stripLegacy(rest)
		if len(rest) == 0 {
			return ec, bad
		}
		ec.event, ec.args = rest[0], rest[1:]
		return ec, nil
	case "script":
		return parseEventScriptArgs(args[1:])
	}
	return eventCmd{}, bad
}

func parseEventScriptArgs(args []string) (eventCmd, error) {
	bad := &usageError{"event"}
	if len(args) == 0 {
		return eventCmd{}, bad
	}
	rest := stripLegacy(args[1:])
	switch args[0] {
	case "list":
		if len(rest) != 0 {
			return eventCmd{}, bad
		}
		return eventCmd{sub: "script list"}, nil
	case "enable", "disable":
		if len(rest) != 1 {
			return eventCmd{}, bad
		}
		return eventCmd{sub: "script " + args[0], script: rest[0]}, nil
	}
	return eventCmd{}, bad
}

func checkEvent(args []string) error {
	_, err := parseEventArgs(args)
	return err
}

// runEvent: `ctdb event status|run|script ...`.
func runEvent(e *env, args []string) error {
	ec, err := parseEventArgs(args)
	if err != nil {
		return err
	}
	switch ec.sub {
	case "status":
		return runEventStatus(e, ec.event)
	case "run":
		return runEventRun(e, ec)
	case "script list":
		return runEventScriptList(e)
	default:
		return runEventScriptSet(e, ec.script, ec.sub == "script enable")
	}
}
