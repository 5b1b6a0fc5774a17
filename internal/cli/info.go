package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// runGetpid: `ctdb getpid` prints ctdbd's process id.
func runGetpid(e *env, args []string) error {
	var p protocol.PIDReply
	if err := e.call(protocol.OpGetPID, nil, &p); err != nil {
		return fmt.Errorf("Failed to get ctdbd PID from node %d: %w", e.cmdPNN, err)
	}
	printf(e.out, "%d\n", p.PID)
	return nil
}

// runstates are CTDB's run states; `ctdb runstate STATE...` accepts them
// in any case.
var runstates = []string{"INIT", "SETUP", "FIRST_RECOVERY", "STARTUP", "RUNNING", "SHUTDOWN"}

// runRunstate: `ctdb runstate [STATE...]` prints the run state; with
// arguments it fails (exit 1, message on stdout as in CTDB) unless the
// node is in one of them.
func runRunstate(e *env, args []string) error {
	var rs protocol.Runstate
	if err := e.call(protocol.OpGetRunstate, nil, &rs); err != nil {
		return fmt.Errorf("Failed to get run state from node %d: %w", e.cmdPNN, err)
	}
	found := len(args) == 0
	for _, a := range args {
		if !validRunstate(a) {
			printf(e.out, "Invalid run state (%s)\n", a)
			return exitCode(1)
		}
		if strings.EqualFold(a, rs.Name) {
			found = true
			break
		}
	}
	if !found {
		printf(e.out, "CTDB not in required run state (got %s)\n", rs.Name)
		return exitCode(1)
	}
	printf(e.out, "%s\n", rs.Name)
	return nil
}

func validRunstate(s string) bool {
	for _, r := range runstates {
		if strings.EqualFold(r, s) {
			return true
		}
	}
	return false
}

// runGetcapabilities: `ctdb getcapabilities`.
func runGetcapabilities(e *env, args []string) error {
	var c protocol.Capabilities
	if err := e.call(protocol.OpGetCapabilities, nil, &c); err != nil {
		return fmt.Errorf("Failed to get capabilities from node %d: %w", e.cmdPNN, err)
	}
	writeCapabilities(e.out, c, e.opts.machine, e.sep())
	return nil
}

func writeCapabilities(w io.Writer, c protocol.Capabilities, machine bool, sep string) {
	if machine {
		writeRow(w, sep, "LEADER", "LMASTER")
		writeRow(w, sep, boolDigit(c.Leader), boolDigit(c.LMaster))
		return
	}
	printf(w, "LEADER: %s\n", yesNo(c.Leader))
	printf(w, "LMASTER: %s\n", yesNo(c.LMaster))
}

func yesNo(b bool) string {
	if b {
		return "YES"
	}
	return "NO"
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// runPing: `ctdb ping` prints the round-trip time and the daemon's number
// of connected clients.
func runPing(e *env, args []string) error {
	var p protocol.PingReply
	start := e.now()
	if err := e.call(protocol.OpPing, nil, &p); err != nil {
		return fmt.Errorf("Failed to ping node %d: %w", e.cmdPNN, err)
	}
	rtt := e.now().Sub(start).Seconds()
	printf(e.out, "response from %d time=%.6f sec  (%d clients)\n", e.cmdPNN, rtt, p.Clients)
	return nil
}
