package eventd

import (
	"errors"
	"fmt"
	"time"

	"github.com/ctdb-go/ctdb/internal/scriptdir"
)

var (
	// ErrCancelled is returned by Run for a monitor event that another event
	// pre-empted (CTDB's ECANCELED). The caller should not count it as a
	// health result.
	ErrCancelled = errors.New("eventd: event cancelled")
	// ErrClosed is returned by Run once the Runner is closed.
	ErrClosed = errors.New("eventd: runner closed")
	// ErrNoScript: EnableScript/DisableScript of a name that is not there.
	ErrNoScript = scriptdir.ErrNoScript
)

// State is the result of one script.
type State int

const (
	StateOK        State = iota // exited 0
	StateError                  // exited non-zero, or died of a signal it was not sent by us
	StateTimedOut               // the event deadline passed while it ran (or a hung copy is still alive)
	StateDisabled               // not executable: not run
	StateCannotRun              // exec failed (bad interpreter, no shebang, a directory...)
)

func (s State) String() string {
	switch s {
	case StateOK:
		return "OK"
	case StateError:
		return "ERROR"
	case StateTimedOut:
		return "TIMEDOUT"
	case StateDisabled:
		return "DISABLED"
	case StateCannotRun:
		return "CANNOT RUN"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Outcome is the result of a whole event.
type Outcome int

const (
	OutcomeOK        Outcome = iota // every enabled script succeeded
	OutcomeError                    // a script failed or could not run; ExitCode is its code
	OutcomeTimedOut                 // the event deadline passed
	OutcomeCancelled                // pre-empted, closed, or the caller's context ended
)

func (o Outcome) String() string {
	switch o {
	case OutcomeOK:
		return "OK"
	case OutcomeError:
		return "ERROR"
	case OutcomeTimedOut:
		return "TIMEDOUT"
	case OutcomeCancelled:
		return "CANCELLED"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// exitCannotRun is the ExitCode of a script that could not be executed, as
// a shell reports "cannot execute".
const exitCannotRun = 126

// ScriptResult is what one script of an event did.
type ScriptResult struct {
	Name         string
	State        State
	ExitCode     int    // exit status; 128+N when killed by signal N; 126 for CANNOT RUN
	Signal       string // e.g. "SIGSEGV" when the script died of a signal
	Err          string // why it could not run, or "cancelled"
	Output       string // combined stdout+stderr, the last Config.OutputMax bytes
	Start        time.Time
	End          time.Time
	PID          int  // the script's pid (also its process group id)
	StillRunning bool // a hung copy of this script is still alive
}

// EventResult is the outcome of one event. Scripts holds the scripts run (or
// skipped as DISABLED) up to and including the first one that failed.
type EventResult struct {
	Event    string
	Args     []string
	Outcome  Outcome
	ExitCode int // of the failing script when Outcome is OutcomeError
	Scripts  []ScriptResult
	Start    time.Time
	End      time.Time
}

// ScriptInfo is one script of the directory.
type ScriptInfo struct {
	Name    string
	Enabled bool
}

// HungScript is a timed-out script that survived SIGKILL (stuck in the
// kernel). It stays listed until it finally exits.
type HungScript struct {
	Name  string
	Event string
	PID   int
	Since time.Time // when that run started
}

// IgnoresTimeout reports whether ctdbd treats a timeout of event as success,
// as CTDB does for the events whose callers have their own timeouts.
func IgnoresTimeout(event string) bool {
	switch event {
	case "startrecovery", "recovered", "takeip", "releaseip":
		return true
	}
	return false
}

// clone returns a deep copy, so callers cannot change stored results.
func (e *EventResult) clone() *EventResult {
	c := *e
	c.Args = append([]string(nil), e.Args...)
	c.Scripts = append([]ScriptResult(nil), e.Scripts...)
	return &c
}
