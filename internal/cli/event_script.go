package cli

import (
	"errors"
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
// silent on success. Enabling an unknown script is CTDB's message on stdout
// and exit 2 (ENOENT); disabling one succeeds, as in CTDB 4.17. A script
// that is neither a file nor a link is exit 22 (EINVAL).
func runEventScriptSet(e *env, name string, enable bool) error {
	err := e.call(protocol.OpEventScriptSet, protocol.ScriptSet{Name: name, Enable: enable}, nil)
	if !enable && protocol.IsStatus(err, protocol.StatusNotFound) {
		return nil // CTDB 4.17: disabling a script that is nowhere succeeds
	}
	if protocol.IsStatus(err, protocol.StatusNotFound) {
		printf(e.out, "Script %s does not exist in %s\n", name, eventComponent)
		return exitCode(exitENOENT)
	}
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Status == protocol.StatusBadRequest && strings.HasSuffix(pe.Msg, " is not a file or a link") {
		printf(e.out, "%s\n", pe.Msg)
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
