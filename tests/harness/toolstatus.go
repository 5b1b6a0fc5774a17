package harness

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ToolStatus is the human output of `ctdb status`, for what has no other
// way to read it: Samba's CTDB (its -X output lacks the generation, the
// recovery mode and the leader) and the benchmark, which reads both
// systems through their own tools so they are measured alike. Tests of
// ctdb-go read the status through the client library (ReadStatus).
type ToolStatus struct {
	Flags      map[int]string // pnn -> "OK", "DISCONNECTED|INACTIVE"...
	This       int            // the answering node's pnn, -1 if not shown
	Generation string
	RecMode    string // "NORMAL (0)", "RECOVERY (1)"
	Leader     string // a pnn, or "UNKNOWN"
}

var statusNode = regexp.MustCompile(`^pnn:(\d+)\s+\S+\s+(\S+)(\s+\(THIS NODE\))?`)

// ParseToolStatus parses `ctdb status`; ok is false when the output lacks the
// generation or leader lines.
func ParseToolStatus(out string) (ToolStatus, bool) {
	st := ToolStatus{Flags: map[int]string{}, This: -1}
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimRight(l, "\r")
		switch {
		case statusNode.MatchString(l):
			m := statusNode.FindStringSubmatch(l)
			pnn, _ := strconv.Atoi(m[1])
			st.Flags[pnn] = m[2]
			if m[3] != "" {
				st.This = pnn
			}
		case strings.HasPrefix(l, "Generation:"):
			st.Generation = strings.TrimPrefix(l, "Generation:")
		case strings.HasPrefix(l, "Recovery mode:"):
			st.RecMode = strings.TrimPrefix(l, "Recovery mode:")
		case strings.HasPrefix(l, "Leader:"):
			st.Leader = strings.TrimPrefix(l, "Leader:")
		case strings.HasPrefix(l, "Recovery master:"): // older CTDB
			st.Leader = strings.TrimPrefix(l, "Recovery master:")
		}
	}
	return st, st.Generation != "" && st.Leader != ""
}

// Normal reports recovery mode NORMAL.
func (s ToolStatus) Normal() bool { return strings.HasPrefix(s.RecMode, "NORMAL") }

// LeaderPNN is the leader, or -1 when unknown.
func (s ToolStatus) LeaderPNN() int {
	n, err := strconv.Atoi(strings.TrimSpace(s.Leader))
	if err != nil {
		return -1
	}
	return n
}

// Problem says why s is not a settled view with the wanted flags ("" when
// it is): recovery mode NORMAL, a leader, a valid generation, and every
// node of want with flags it accepts.
func (s ToolStatus) Problem(want map[int]func(string) bool) string {
	if !s.Normal() || s.LeaderPNN() < 0 || s.Generation == "INVALID" {
		return fmt.Sprintf("recovery mode %s, leader %s, generation %s", s.RecMode, s.Leader, s.Generation)
	}
	for pnn, ok := range want {
		if !ok(s.Flags[pnn]) {
			return fmt.Sprintf("node %d is %q", pnn, s.Flags[pnn])
		}
	}
	return ""
}

// machineFlags are the flag columns of `ctdb -X status` and `ctdb -X
// nodestatus` (after Node and IP), in the order `ctdb status` names them.
var machineFlags = []string{"DISCONNECTED", "UNKNOWN", "BANNED", "DISABLED", "UNHEALTHY", "STOPPED", "INACTIVE"}

// ParseMachineNodes reads the node lines of `ctdb -X status` or `ctdb -X
// nodestatus` (both systems print the same columns): pnn -> flags as
// `ctdb status` shows them ("OK", "DISCONNECTED|INACTIVE", ...), in the
// order of ctdb-go's and CTDB's printer.
func ParseMachineNodes(out string) map[int]string {
	nodes := map[int]string{}
	order := []string{"DISCONNECTED", "UNKNOWN", "DISABLED", "BANNED", "UNHEALTHY", "STOPPED", "INACTIVE"}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Split(strings.TrimSpace(l), "|")
		if len(f) < 3+len(machineFlags) || f[0] != "" {
			continue
		}
		pnn, err := strconv.Atoi(f[1])
		if err != nil {
			continue // the header
		}
		set := map[string]bool{}
		for k, name := range machineFlags {
			set[name] = f[3+k] == "1"
		}
		var names []string
		for _, name := range order {
			if set[name] {
				names = append(names, name)
			}
		}
		if len(names) == 0 {
			names = []string{"OK"}
		}
		nodes[pnn] = strings.Join(names, "|")
	}
	return nodes
}
