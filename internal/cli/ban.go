package cli

import (
	"fmt"
	"strconv"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

func checkBan(args []string) error {
	if n, err := strconv.ParseUint(args[0], 10, 32); err != nil || n == 0 {
		return fmt.Errorf("invalid ban time %q: must be a positive number of seconds", args[0])
	}
	return nil
}

// runBan bans the node (-n, default this one) for SECONDS: it becomes
// inactive until the time is up or it is unbanned. Silent on success.
func runBan(e *env, args []string) error {
	secs, _ := strconv.ParseUint(args[0], 10, 32)
	nodes, err := e.localNodemap()
	if err != nil {
		return err
	}
	if n := findNode(nodes, e.cmdPNN); n != nil && n.Flags&protocol.FlagBanned != 0 {
		printf(e.errOut, "Node %d is already banned\n", e.cmdPNN)
		return nil
	}
	if err := e.call(protocol.OpBan, protocol.Ban{Seconds: uint32(secs)}, nil); err != nil {
		return failf("Failed to ban node %d: %v", e.cmdPNN, err)
	}
	return waitForFlag(e, flagChange{flag: protocol.FlagBanned, set: true, desc: "banned"})
}

func runUnban(e *env, args []string) error {
	nodes, err := e.localNodemap()
	if err != nil {
		return err
	}
	if n := findNode(nodes, e.cmdPNN); n != nil && n.Flags&protocol.FlagBanned == 0 {
		printf(e.errOut, "Node %d is not banned\n", e.cmdPNN)
		return nil
	}
	if err := e.call(protocol.OpBan, protocol.Ban{Seconds: 0}, nil); err != nil {
		return failf("Failed to unban node %d: %v", e.cmdPNN, err)
	}
	return waitForFlag(e, flagChange{flag: protocol.FlagBanned, set: false, desc: "banned"})
}

// runReloadnodes asks every connected node to re-read its nodes file (the
// file must already be the same on all nodes), as CTDB's reloadnodes.
func runReloadnodes(e *env, args []string) error {
	nodes, err := e.localNodemap()
	if err != nil {
		return err
	}
	var failed []string
	for _, n := range nodes {
		if n.Flags&(protocol.FlagDisconnected|protocol.FlagDeleted) != 0 {
			continue
		}
		if err := e.callTo(n.PNN, protocol.OpReloadNodes, nil, nil); err != nil {
			failed = append(failed, fmt.Sprintf("node %d: %v", n.PNN, err))
		}
	}
	if len(failed) > 0 {
		return failf("Failed to reload the nodes file on %v", failed)
	}
	return nil
}
