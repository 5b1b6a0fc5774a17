package cli

import (
	"fmt"
	"io"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// Script states as the daemon reports them and CTDB prints them.
const (
	stateOK        = "OK"
	stateError     = "ERROR"
	stateTimedOut  = "TIMEDOUT"
	stateDisabled  = "DISABLED"
	stateCannotRun = "CANNOT RUN"
	stateCancelled = "CANCELLED" // event outcome only
)

// fetchEventStatus gets the last result of an event. A daemon that
// answers "not found" instead of NeverRun means the same.
func fetchEventStatus(e *env, event string) (protocol.EventStatus, error) {
	var st protocol.EventStatus
	err := e.call(protocol.OpEventStatus, protocol.EventName{Event: event}, &st)
	if protocol.IsStatus(err, protocol.StatusNotFound) {
		return protocol.EventStatus{Event: event, NeverRun: true}, nil
	}
	if err != nil {
		return st, fmt.Errorf("Failed to get status for event %s in %s: %w", event, eventComponent, err)
	}
	if st.Event == "" {
		st.Event = event
	}
	return st, nil
}

// runEventStatus: `ctdb event status [legacy] [EVENT]`. Exits 0 if the
// event succeeded, else with the failing script's exit code (ERROR), 110
// (TIMEDOUT) or 22 (never run), as ctdb-event does.
func runEventStatus(e *env, event string) error {
	st, err := fetchEventStatus(e, event)
	if err != nil {
		return err
	}
	writeEventStatus(e.out, st, !e.opts.machine)
	if st.NeverRun {
		return exitCode(exitEINVAL)
	}
	return exitCode(eventStatusCode(st))
}

// runScriptstatus: `ctdb scriptstatus [EVENT]`, the same listing as
// event status but always exit 0, as in CTDB.
func runScriptstatus(e *env, args []string) error {
	event := defaultEvent
	if len(args) == 1 {
		event = args[0]
	}
	st, err := fetchEventStatus(e, event)
	if err != nil {
		printf(e.errOut, "%v\n", err)
		return nil
	}
	writeEventStatus(e.out, st, !e.opts.machine)
	return nil
}

// writeEventStatus prints one line per script, as ctdb-event does, and,
// if withHung, a line per timed-out script still not reaped (our
// extension: such a script is usually stuck on a hung filesystem).
func writeEventStatus(w io.Writer, st protocol.EventStatus, withHung bool) {
	if st.NeverRun {
		printf(w, "Event %s has never run in %s\n", st.Event, eventComponent)
	} else {
		for _, s := range st.Scripts {
			writeScriptStatus(w, s)
		}
	}
	if withHung {
		for _, h := range st.Hung {
			printf(w, "  HUNG: %s pid %d (event %s) since %s\n", h.Name, h.PID, h.Event, ctime(h.Since))
		}
	}
}

// scriptState is the state shown for a script: a script whose earlier
// run is still hung shows as TIMEDOUT.
func scriptState(s protocol.ScriptStatus) string {
	if s.StillRunning {
		return stateTimedOut
	}
	return s.State
}

// writeScriptStatus prints one script's line (CTDB's print_status_one)
// and, for a failure, its output.
func writeScriptStatus(w io.Writer, s protocol.ScriptStatus) {
	state := scriptState(s)
	switch state {
	case stateDisabled:
		printf(w, "%-20s %-10s\n", s.Name, state)
		return
	case stateTimedOut:
		printf(w, "%-20s %-10s %s\n", s.Name, state, ctime(s.Start))
	case stateCannotRun:
		printf(w, "%-20s %-10s (%s)\n", s.Name, state, s.Error)
	default: // OK, ERROR
		printf(w, "%-20s %-10s %.3f %s\n", s.Name, state, s.End.Sub(s.Start).Seconds(), ctime(s.Start))
	}
	if state != stateOK {
		printf(w, "  OUTPUT: %s\n", s.Output)
	}
}

// eventStatusCode is the exit code of event status: 0 for success, the
// exit code of the failing script for ERROR, 110 for a timeout, 125 for a
// cancelled event. The daemon's Outcome decides; without one, the first
// failing script does.
func eventStatusCode(st protocol.EventStatus) int {
	switch st.Outcome {
	case stateOK:
		return 0
	case stateTimedOut:
		return exitETIMEDOUT
	case stateCancelled:
		return exitECANCELED
	case stateError:
		if st.ExitCode > 0 {
			return st.ExitCode
		}
	}
	for _, s := range st.Scripts {
		switch scriptState(s) {
		case stateOK, stateDisabled:
			continue
		case stateTimedOut:
			return exitETIMEDOUT
		}
		if s.ExitCode > 0 {
			return s.ExitCode
		}
		return 1
	}
	if st.Outcome != "" {
		return 1 // a failure the scripts do not explain
	}
	return 0
}
