package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/internal/version"
)

// runVersion: `ctdb version` prints the tool's release, without asking a
// daemon (as CTDB's does).
func runVersion(e *env, args []string) error {
	printf(e.out, "%s\n", version.Version)
	return nil
}

// runChecktcpport: `ctdb checktcpport PORT` tells whether something
// listens on TCP port PORT by binding the port on the wildcard address,
// as CTDB does: exit 0 when the bind works (nothing listens), else the
// bind's errno (98, EADDRINUSE, when something listens). 50.samba's port
// check relies on that 98. Like CTDB's tool it needs no daemon, and an
// unparsable PORT counts as 0.
func runChecktcpport(e *env, args []string) error {
	port, _ := strconv.ParseUint(args[0], 10, 16)
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, syscall.IPPROTO_TCP)
	if err != nil {
		return &exitError{code: errnoCode(err), msg: fmt.Sprintf("Failed to open socket: %v", err)}
	}
	defer syscall.Close(fd)
	syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: int(port)}); err != nil {
		return &exitError{code: errnoCode(err), msg: fmt.Sprintf("Failed to bind to TCP port %d", port)}
	}
	return nil
}

// errnoCode is the exit code for a failed system call: its errno, as CTDB
// returns it.
func errnoCode(err error) int {
	var en syscall.Errno
	if errors.As(err, &en) && en > 0 && en < 256 {
		return int(en)
	}
	return 1
}

func checkSetifacelink(args []string) error {
	if args[1] != "up" && args[1] != "down" {
		return &usageError{"setifacelink"}
	}
	return nil
}

// runSetifacelink: `ctdb setifacelink IFACE up|down` sets the link state
// the daemon keeps for one of its public address interfaces
// (10.interface calls it at every monitor event).
func runSetifacelink(e *env, args []string) error {
	var l protocol.IfaceList
	if err := e.call(protocol.OpGetIfaces, nil, &l); err != nil {
		return fmt.Errorf("Failed to get interface information: %w", err)
	}
	found := false
	for _, i := range l.Ifaces {
		found = found || i.Name == args[0]
	}
	if !found {
		printf(e.out, "Interface %s not configured on node %d\n", args[0], e.cmdPNN)
		return exitCode(1)
	}
	if err := e.call(protocol.OpSetIfaceLink, protocol.IfaceLink{Name: args[0], Up: args[1] == "up"}, nil); err != nil {
		return failf("Failed to set link state of interface %s on node %d: %v", args[0], e.cmdPNN, err)
	}
	return nil
}

// atoiC parses a leading decimal number as C's strtol does for CTDB's
// arguments: "abc" is 0.
func atoiC(s string, bits int) int64 {
	end := 0
	if end < len(s) && (s[end] == '-' || s[end] == '+') {
		end++
	}
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, _ := strconv.ParseInt(s[:end], 10, bits)
	return n
}

// runProcessExists: `ctdb process-exists PID [SRVID]`, CTDB's answer on
// stdout and exit 0 (exists) or 1. A process exists for ctdbd when it is a
// connected client; nothing registers SRVIDs with our daemon, so a query
// with one is answered like CTDB answers for an unregistered SRVID.
func runProcessExists(e *env, args []string) error {
	pid := int32(atoiC(args[0], 32))
	var srvid uint64
	if len(args) == 2 {
		srvid, _ = strconv.ParseUint(args[1], 0, 64)
	}
	var r protocol.ProcessExists
	if err := e.call(protocol.OpProcessExists, protocol.ProcessQuery{PID: pid, SRVID: srvid, HasSRVID: srvid != 0}, &r); err != nil {
		return fmt.Errorf("Failed to check process %d on node %d: %w", pid, e.cmdPNN, err)
	}
	what := fmt.Sprintf("PID %d", pid)
	if srvid != 0 {
		what += fmt.Sprintf(" with SRVID 0x%x", srvid)
	}
	if !r.Exists {
		printf(e.out, "%s does not exist\n", what)
		return exitCode(1)
	}
	printf(e.out, "%s exists\n", what)
	return nil
}

func checkOnOff(cmd string) func([]string) error {
	return func(args []string) error {
		if args[0] != "on" && args[0] != "off" {
			return &usageError{cmd}
		}
		return nil
	}
}

// runSetleaderrole and runSetlmasterrole: `ctdb setleaderrole on|off`,
// `ctdb setlmasterrole on|off`. A leader that loses the LEADER role steps
// down and another node is elected.
func runSetleaderrole(e *env, args []string) error {
	on := args[0] == "on"
	return setRole(e, protocol.SetCapabilities{Leader: &on}, "LEADER")
}

func runSetlmasterrole(e *env, args []string) error {
	on := args[0] == "on"
	return setRole(e, protocol.SetCapabilities{LMaster: &on}, "LMASTER")
}

func setRole(e *env, req protocol.SetCapabilities, role string) error {
	if err := e.call(protocol.OpSetCapabilities, req, nil); err != nil {
		return failf("Failed to set %s role on node %d: %v", role, e.cmdPNN, err)
	}
	return nil
}

// runRecover: `ctdb recover` has the leader run a recovery and waits,
// within the max runtime, until it completed: a new generation with
// recovery mode NORMAL on the node.
func runRecover(e *env, args []string) error {
	var before protocol.Status
	if err := e.call(protocol.OpGetStatus, nil, &before); err != nil {
		return fmt.Errorf("Failed to get status from node %d: %w", e.cmdPNN, err)
	}
	if err := e.call(protocol.OpRecover, nil, nil); err != nil {
		return failf("Failed to start a recovery: %v", err)
	}
	for {
		var st protocol.Status
		if err := e.call(protocol.OpGetStatus, nil, &st); err == nil &&
			st.Generation != before.Generation && st.RecMode == protocol.RecModeNormal {
			return nil
		}
		select {
		case <-e.ctx.Done():
			return fmt.Errorf("recovery did not complete: %w", e.ctx.Err())
		case <-time.After(e.poll):
		}
	}
}

// runDumpmemory and runRddumpmemory: `ctdb dumpmemory`, `ctdb
// rddumpmemory`, the memory use of ctdbd (and its address guard) or of
// the recovery daemon. The layout is ours: CTDB prints a talloc report,
// which a Go daemon does not have.
func runDumpmemory(e *env, args []string) error {
	return dumpMemory(e, protocol.OpDumpMemory, "ctdbd")
}

func runRddumpmemory(e *env, args []string) error {
	return dumpMemory(e, protocol.OpRecdDumpMemory, "recovery daemon")
}

func dumpMemory(e *env, op protocol.Op, who string) error {
	var r protocol.MemoryReport
	if err := e.call(op, nil, &r); err != nil {
		return fmt.Errorf("Failed to get the %s memory report of node %d: %w", who, e.cmdPNN, err)
	}
	printf(e.out, "%s", r.Text)
	if !strings.HasSuffix(r.Text, "\n") && r.Text != "" {
		printf(e.out, "\n")
	}
	return nil
}
