package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// flagUnknown is CTDB's NODE_FLAGS_UNKNOWN ("this node's state is not
// known"), which has an UNKNOWN column in -X output. The protocol package
// does not define it (our daemon never reports it); the value is ours.
const flagUnknown uint32 = 0x40

// flagNames is the order in which CTDB's pretty-printer joins flag names.
// DISABLED is the permanently-disabled bit only; INACTIVE is added when any
// inactive bit is set.
var flagNames = []struct {
	flag uint32
	name string
}{
	{protocol.FlagDisconnected, "DISCONNECTED"},
	{flagUnknown, "UNKNOWN"},
	{protocol.FlagPermanentlyDisabled, "DISABLED"},
	{protocol.FlagBanned, "BANNED"},
	{protocol.FlagUnhealthy, "UNHEALTHY"},
	{protocol.FlagDeleted, "DELETED"},
	{protocol.FlagStopped, "STOPPED"},
	{protocol.FlagInactive, "INACTIVE"},
}

// flagsString renders node flags as `ctdb status` does: "OK" or names
// joined with "|", e.g. "STOPPED|INACTIVE".
func flagsString(flags uint32) string {
	var names []string
	for _, f := range flagNames {
		if flags&f.flag != 0 {
			names = append(names, f.name)
		}
	}
	if len(names) == 0 {
		return "OK"
	}
	return strings.Join(names, "|")
}

func findNode(nodes []protocol.NodeInfo, pnn uint32) *protocol.NodeInfo {
	for i := range nodes {
		if nodes[i].PNN == pnn {
			return &nodes[i]
		}
	}
	return nil
}

// localNodemap fetches the node map as the local daemon sees it.
func (e *env) localNodemap() ([]protocol.NodeInfo, error) {
	var nm protocol.Nodemap
	if err := e.callLocal(protocol.OpGetNodemap, nil, &nm); err != nil {
		return nil, fmt.Errorf("Failed to get nodemap from node %d: %w", e.pnn, err)
	}
	return nm.Nodes, nil
}

// writeNodemap prints one "pnn:N ADDR FLAGS" line per node that is not
// deleted, after a "Number of nodes:" header if header is set. Deleted
// nodes count in the header, which says how many of them there are.
//
// CTDB prints PARTIALLYONLINE for a healthy node with a link down; our
// daemon does not report interfaces yet, so that never shows.
func writeNodemap(w io.Writer, nodes []protocol.NodeInfo, thisPNN uint32, header bool) {
	if header {
		deleted := 0
		for _, n := range nodes {
			if n.Flags&protocol.FlagDeleted != 0 {
				deleted++
			}
		}
		if deleted == 0 {
			printf(w, "Number of nodes:%d\n", len(nodes))
		} else {
			printf(w, "Number of nodes:%d (including %d deleted nodes)\n", len(nodes), deleted)
		}
	}
	for _, n := range nodes {
		if n.Flags&protocol.FlagDeleted != 0 {
			continue
		}
		this := ""
		if n.PNN == thisPNN {
			this = " (THIS NODE)"
		}
		printf(w, "pnn:%d %-16s %s%s\n", n.PNN, n.Address, flagsString(n.Flags), this)
	}
}

// nodemapHeader is the header of `ctdb -X status` and `ctdb -X nodestatus`.
var nodemapHeader = []string{"Node", "IP", "Disconnected", "Unknown", "Banned", "Disabled",
	"Unhealthy", "Stopped", "Inactive", "PartiallyOnline", "ThisNode"}

// writeNodemapMachine prints the machine-readable node table: a header,
// then one row per node that is not deleted.
func writeNodemapMachine(w io.Writer, sep string, nodes []protocol.NodeInfo, thisPNN uint32) {
	writeRow(w, sep, nodemapHeader...)
	bit := func(flags, f uint32) string {
		if flags&f != 0 {
			return "1"
		}
		return "0"
	}
	for _, n := range nodes {
		if n.Flags&protocol.FlagDeleted != 0 {
			continue
		}
		this := "N"
		if n.PNN == thisPNN {
			this = "Y"
		}
		writeRow(w, sep, fmt.Sprint(n.PNN), n.Address,
			bit(n.Flags, protocol.FlagDisconnected),
			bit(n.Flags, flagUnknown),
			bit(n.Flags, protocol.FlagBanned),
			bit(n.Flags, protocol.FlagPermanentlyDisabled),
			bit(n.Flags, protocol.FlagUnhealthy),
			bit(n.Flags, protocol.FlagStopped),
			bit(n.Flags, protocol.FlagInactive),
			"0", // PartiallyOnline: see writeNodemap
			this)
	}
}

// writeRow prints a machine-readable row: every field between separators,
// "|a|b|".
func writeRow(w io.Writer, sep string, fields ...string) {
	var b strings.Builder
	b.WriteString(sep)
	for _, f := range fields {
		b.WriteString(f)
		b.WriteString(sep)
	}
	b.WriteString("\n")
	io.WriteString(w, b.String())
}

// FlagsString renders node flags as `ctdb status` shows them ("OK",
// "DISCONNECTED|INACTIVE", ...), for tests that read the status through
// the client library.
func FlagsString(flags uint32) string { return flagsString(flags) }
