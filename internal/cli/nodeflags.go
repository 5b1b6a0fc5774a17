package cli

import (
	"fmt"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// flagChange describes disable, enable, stop and continue: the flag an
// administrator sets or clears on a node.
type flagChange struct {
	flag    uint32
	set     bool
	desc    string // "disabled", "stopped": for "Node N is already ..."
	failure string // "Failed to %s node N"
}

var (
	disableChange  = flagChange{protocol.FlagPermanentlyDisabled, true, "disabled", "disable"}
	enableChange   = flagChange{protocol.FlagPermanentlyDisabled, false, "disabled", "enable"}
	stopChange     = flagChange{protocol.FlagStopped, true, "stopped", "stop"}
	continueChange = flagChange{protocol.FlagStopped, false, "stopped", "continue stopped"}
)

func runDisable(e *env, args []string) error  { return changeFlag(e, disableChange) }
func runEnable(e *env, args []string) error   { return changeFlag(e, enableChange) }
func runStop(e *env, args []string) error     { return changeFlag(e, stopChange) }
func runContinue(e *env, args []string) error { return changeFlag(e, continueChange) }

// changeFlag does what CTDB's disable/enable/stop/continue do: nothing
// (with a note on stderr, exit 0) if the node already is in that state;
// else it asks the node to change the flag and waits until the local
// nodemap shows the change, bounded by the max runtime. Silent on success.
// (CTDB then triggers a takeover run itself; our daemon does that when
// flags change.)
func changeFlag(e *env, fc flagChange) error {
	nodes, err := e.localNodemap()
	if err != nil {
		return err
	}
	if n := findNode(nodes, e.cmdPNN); n != nil && (n.Flags&fc.flag != 0) == fc.set {
		if fc.set {
			printf(e.errOut, "Node %d is already %s\n", e.cmdPNN, fc.desc)
		} else {
			printf(e.errOut, "Node %d is not %s\n", e.cmdPNN, fc.desc)
		}
		return nil
	}
	req := protocol.ModifyFlags{Clear: fc.flag}
	if fc.set {
		req = protocol.ModifyFlags{Set: fc.flag}
	}
	if err := e.call(protocol.OpModifyFlags, req, nil); err != nil {
		return failf("Failed to %s node %d: %v", fc.failure, e.cmdPNN, err)
	}
	return waitForFlag(e, fc)
}

// waitForFlag polls the local nodemap until the node's flag is as asked.
func waitForFlag(e *env, fc flagChange) error {
	for {
		nodes, err := e.localNodemap()
		if err == nil {
			if n := findNode(nodes, e.cmdPNN); n != nil && (n.Flags&fc.flag != 0) == fc.set {
				return nil
			}
		}
		select {
		case <-e.ctx.Done():
			return fmt.Errorf("node %d did not become %s: %w", e.cmdPNN, flagStateName(fc), e.ctx.Err())
		case <-time.After(e.poll):
		}
	}
}

func flagStateName(fc flagChange) string {
	if fc.set {
		return fc.desc
	}
	return "not " + fc.desc
}
