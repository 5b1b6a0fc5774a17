package cli

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// errNoLeader: the local node knows of no leader (an election is under
// way), so nothing can be asked of the leader.
var errNoLeader = errors.New("the leader is not known")

// leader returns the leader's PNN as the local node knows it.
func (e *env) leader() (uint32, error) {
	var st protocol.Status
	if err := e.callLocal(protocol.OpGetStatus, nil, &st); err != nil {
		return 0, fmt.Errorf("cannot get the leader from node %d: %w", e.pnn, err)
	}
	if st.Leader == protocol.PNNUnknown {
		return 0, errNoLeader
	}
	return st.Leader, nil
}

// takeoverRun asks the leader for a takeover run (IP reallocation).
func (e *env) takeoverRun() error {
	leader, err := e.leader()
	if err != nil {
		return err
	}
	if err := e.callTo(e.dstOf(leader), protocol.OpTakeoverRun, nil, nil); err != nil {
		return fmt.Errorf("leader %d: %w", leader, err)
	}
	return nil
}

func checkMoveip(args []string) error {
	if err := checkIPArg(args[0]); err != nil {
		return err
	}
	if _, ok := parsePNNArg(args[1]); !ok {
		return failf("Invalid PNN %s", args[1])
	}
	return nil
}

// runMoveip: `ctdb moveip ADDR PNN` asks the leader to move the address
// to the node, after checking that the node exists and lists the address.
// Silent on success.
func runMoveip(e *env, args []string) error {
	addr, _ := parseIP(args[0])
	pnn, _ := parsePNNArg(args[1])
	nodes, err := e.localNodemap()
	if err != nil {
		return err
	}
	if err := checkTargetNode(nodes, pnn); err != nil {
		return err
	}
	l, err := e.publicIPs(pnn)
	if err != nil {
		return failf("%v", err)
	}
	if findPublicIP(l.IPs, addr) == nil {
		return failf("Node %d CANNOT host IP address %s", pnn, addr)
	}
	leader, err := e.leader()
	if err == nil {
		err = e.callTo(e.dstOf(leader), protocol.OpMoveIP, protocol.MoveIP{Addr: addr.String(), PNN: pnn}, nil)
	}
	if err != nil {
		return failf("Failed to move IP %s to node %d: %v", args[0], pnn, err)
	}
	return nil
}

// checkTargetNode refuses a node that does not exist or cannot be
// reached, with CTDB's messages.
func checkTargetNode(nodes []protocol.NodeInfo, pnn uint32) error {
	n := findNode(nodes, pnn)
	if n == nil {
		return failf("Node %d does not exist", pnn)
	}
	if n.Flags&(protocol.FlagDisconnected|protocol.FlagDeleted) != 0 {
		return failf("Node %d has status %s", pnn, flagsString(n.Flags))
	}
	return nil
}

func checkAddip(args []string) error {
	if err := checkIPMaskArg(args[0]); err != nil {
		return err
	}
	return checkIfaceArg(args[1])
}

// runAddip: `ctdb addip ADDR/BITS IFACE` adds a public address to the
// node at run time, then, as CTDB does, asks the leader for a takeover
// run so the address gets a home. An address the node already has is left
// alone (note on stderr, exit 0).
func runAddip(e *env, args []string) error {
	addr, bits, _ := parseIPMask(args[0])
	known, err := e.nodeKnowsIP(addr)
	if err != nil {
		return err
	}
	if known {
		printf(e.errOut, "Node already knows about IP %s\n", addr)
		return nil
	}
	req := protocol.IPRequest{Addr: addr.String(), Bits: bits, Iface: args[1]}
	if err := e.call(protocol.OpAddIP, req, nil); err != nil {
		return failf("Failed to add public IP to node %d: %v", e.cmdPNN, err)
	}
	if err := e.takeoverRun(); err != nil {
		return failf("Added IP %s to node %d, but the takeover run failed: %v", addr, e.cmdPNN, err)
	}
	return nil
}

// nodeKnowsIP reports whether the command's node lists addr.
func (e *env) nodeKnowsIP(addr netip.Addr) (bool, error) {
	l, err := e.publicIPs(e.cmdPNN)
	if err != nil {
		return false, failf("%v", err)
	}
	return findPublicIP(l.IPs, addr) != nil, nil
}

// runDelip: `ctdb delip ADDR` removes a public address from the node (the
// daemon releases it first if it holds it). An address the node does not
// have is a note on stderr with exit 0, as in CTDB.
func runDelip(e *env, args []string) error {
	addr, _ := parseIP(args[0])
	known, err := e.nodeKnowsIP(addr)
	if err != nil {
		return err
	}
	if !known {
		printf(e.errOut, "Node does not know about IP address %s\n", addr)
		return nil
	}
	if err := e.call(protocol.OpDelIP, protocol.IPRequest{Addr: addr.String()}, nil); err != nil {
		return failf("Failed to delete public IP from node %d: %v", e.cmdPNN, err)
	}
	return nil
}

func checkGratarp(args []string) error {
	if err := checkIPArg(args[0]); err != nil {
		return err
	}
	return checkIfaceArg(args[1])
}

// runGratarp: `ctdb gratarp ADDR IFACE` has the node announce the address
// on the interface (gratuitous ARP, or unsolicited NA for IPv6).
func runGratarp(e *env, args []string) error {
	addr, _ := parseIP(args[0])
	req := protocol.IPRequest{Addr: addr.String(), Iface: args[1]}
	if err := e.call(protocol.OpGratARP, req, nil); err != nil {
		return failf("Unable to send gratuitous arp from node %d: %v", e.cmdPNN, err)
	}
	return nil
}

// runIpreallocate: `ctdb ipreallocate` asks the leader for a takeover run
// and returns when it is done.
func runIpreallocate(e *env, args []string) error {
	if err := e.takeoverRun(); err != nil {
		return failf("IP reallocation failed: %v", err)
	}
	return nil
}

// runReloadips: `ctdb reloadips [all|PNN,...]` has the nodes (default:
// this one) re-read their public addresses file, then asks the leader for
// a takeover run. "all" skips the nodes that cannot be reached; a node
// named explicitly must be reachable. A node that fails to reload does
// not stop the others nor the takeover run, but makes the exit code 1.
func runReloadips(e *env, args []string) error {
	pnns, err := e.reloadTargets(args)
	if err != nil {
		return err
	}
	failed := false
	for _, p := range pnns {
		if err := e.callTo(e.dstOf(p), protocol.OpReloadIPs, nil, nil); err != nil {
			printf(e.errOut, "Failed to reload IPs on node %d: %v\n", p, err)
			failed = true
		}
	}
	if err := e.takeoverRun(); err != nil {
		return failf("Reloaded IPs, but the takeover run failed: %v", err)
	}
	if failed {
		return exitCode(1)
	}
	return nil
}

// reloadTargets resolves reloadips' node list against the local nodemap.
func (e *env) reloadTargets(args []string) ([]uint32, error) {
	if len(args) == 0 {
		return []uint32{e.cmdPNN}, nil
	}
	nodes, err := e.localNodemap()
	if err != nil {
		return nil, err
	}
	list, all, _ := parseNodeList(args[0])
	var out []uint32
	if all {
		for _, n := range nodes {
			if n.Flags&(protocol.FlagDisconnected|protocol.FlagDeleted) == 0 {
				out = append(out, n.PNN)
			}
		}
		return out, nil
	}
	seen := map[uint32]bool{}
	for _, p := range list {
		if err := checkTargetNode(nodes, p); err != nil {
			return nil, err
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}
