package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// runEventRun: `ctdb event run [TIMEOUT] [legacy] EVENT [ARGS...]`.
// Silent on success; otherwise CTDB's message on stdout and its exit code:
// 8 failed, 110 timed out, 125 cancelled.
func runEventRun(e *env, ec eventCmd) error {
	// The run takes as long as the event: the -t limit comes on top of the
	// event's own timeout; with the daemon's default timeout only the max
	// runtime bounds the wait.
	ctx, cancel := e.ctx, context.CancelFunc(func() {})
	if ec.timeout > 0 {
		d := time.Duration(ec.timeout*float64(time.Second)) + e.opts.timelimit
		ctx, cancel = context.WithTimeout(e.ctx, d)
	}
	defer cancel()
	var st protocol.EventStatus
	req := protocol.EventRun{Event: ec.event, Args: ec.args, Timeout: ec.timeout}
	err := e.c.Call(ctx, e.dst, protocol.OpEventRun, req, &st)
	var outcome string
	switch {
	case err == nil:
		outcome = runOutcome(st)
	case protocol.IsStatus(err, protocol.StatusEventFailed):
		outcome = stateError
	case protocol.IsStatus(err, protocol.StatusEventTimedOut):
		outcome = stateTimedOut
	case protocol.IsStatus(err, protocol.StatusCancelled):
		outcome = stateCancelled
	default:
		return fmt.Errorf("Failed to run event %s in %s: %w", ec.event, eventComponent, err)
	}
	return exitCode(writeEventRunResult(e.out, ec.event, outcome))
}

// runOutcome is the outcome of a completed run: the daemon's, or derived
// from the scripts when it gives none.
func runOutcome(st protocol.EventStatus) string {
	if st.Outcome != "" {
		return st.Outcome
	}
	switch eventStatusCode(st) {
	case 0:
		return stateOK
	case exitETIMEDOUT:
		return stateTimedOut
	}
	return stateError
}

// writeEventRunResult prints ctdb-event's message for an outcome and
// returns the exit code.
func writeEventRunResult(w io.Writer, event, outcome string) int {
	switch outcome {
	case stateOK:
		return 0
	case stateTimedOut:
		printf(w, "Event %s in %s timed out\n", event, eventComponent)
		return exitETIMEDOUT
	case stateCancelled:
		printf(w, "Event %s in %s got cancelled\n", event, eventComponent)
		return exitECANCELED
	}
	printf(w, "Event %s in %s failed\n", event, eventComponent)
	return exitENOEXEC
}
