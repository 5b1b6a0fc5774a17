package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// runEventScriptList: `ctdb event script list [legacy]`, as CTDB 4.17: the
// packaged scripts first ("*" when events/legacy links to them), then,
// after a blank line, the node's other scripts ("*" when executable).
func runEventScriptList(e *env) error {
	var l protocol.ScriptList
	if err := e.call(protocol.OpEventScriptList, nil, &l); err != nil {
		return fmt.Errorf("Failed to list event scripts in %s: %w", eventComponent, err)
	}
	writeScriptList(e.out, l.Packaged)
	if len(l.Packaged) > 0 && len(l.Scripts) > 0 {
		printf(e.out, "\n")
	}
	writeScriptList(e.out, l.Scripts)
	return nil
}

// writeScriptList prints "* name" for an enabled script, "  name" for a
// disabled one.
func writeScriptList(w io.Writer, scripts []protocol.Script) {
	for _, s := range scripts {
		flag := ' '
		if s.Enabled {
			flag = '*'
		}
		printf(w, "%c %s\n", flag, s.Name)
	}
}

// runEventScriptSet: `ctdb event script enable|disable [legacy] NAME`,
// silent on success. An unknown script is CTDB's message on stdout and
// exit 2 (ENOENT).
func runEventScriptSet(e *env, name string, enable bool) error {
	err := e.call(protocol.OpEventScriptSet, protocol.ScriptSet{Name: name, Enable: enable}, nil)
	if protocol.IsStatus(err, protocol.StatusNotFound) {
		printf(e.out, "Script %s does not exist in %s\n", name, eventComponent)
		return exitCode(exitENOENT)
	}
	if protocol.IsStatus(err, protocol.StatusBadRequest) && strings.Contains(err.Error(), "not a file or a link") {
		printf(e.out, "Script %s is not a file or a link\n", name)
		return exitCode(exitEINVAL)
	}
	if err != nil {
		verb := "disable"
		if enable {
			verb = "enable"
		}
		return fmt.Errorf("Failed to %s script %s in %s: %w", verb, name, eventComponent, err)
	}
	return nil
}
