package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// fetchTunables lists the tunables of the node the command is about.
func fetchTunables(e *env) ([]protocol.Tunable, error) {
	var l protocol.TunableList
	if err := e.call(protocol.OpListTunables, nil, &l); err != nil {
		return nil, fmt.Errorf("Failed to get list of variables from node %d: %w", e.cmdPNN, err)
	}
	return l.Vars, nil
}

// findTunable matches a tunable name case-insensitively, as CTDB does.
func findTunable(vars []protocol.Tunable, name string) (protocol.Tunable, bool) {
	for _, v := range vars {
		if strings.EqualFold(v.Name, name) {
			return v, true
		}
	}
	return protocol.Tunable{}, false
}

// writeTunable prints one "Name = value" line; listvars, getvar and their
// -X forms all use it.
func writeTunable(w io.Writer, name string, value uint32) {
	printf(w, "%-26s = %d\n", name, value)
}

// runListvars: `ctdb listvars`.
func runListvars(e *env, args []string) error {
	vars, err := fetchTunables(e)
	if err != nil {
		return err
	}
	for _, v := range vars {
		writeTunable(e.out, v.Name, v.Value)
	}
	return nil
}

// runGetvar: `ctdb getvar NAME` prints the name as typed, like CTDB. An
// unknown name is "No such tunable NAME" on stdout and exit 1.
func runGetvar(e *env, args []string) error {
	vars, err := fetchTunables(e)
	if err != nil {
		return err
	}
	v, ok := findTunable(vars, args[0])
	if !ok {
		printf(e.out, "No such tunable %s\n", args[0])
		return exitCode(1)
	}
	writeTunable(e.out, args[0], v.Value)
	return nil
}

// parseTunableValue parses a value as CTDB's strtoul with base 0 does
// (decimal, 0x hex, 0 octal), within uint32.
func parseTunableValue(s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 0, 32)
	if err != nil {
		return 0, failf("Invalid value '%s' for a tunable: want an unsigned 32-bit number", s)
	}
	return uint32(n), nil
}

func checkSetvar(args []string) error {
	_, err := parseTunableValue(args[1])
	return err
}

// runSetvar: `ctdb setvar NAME VALUE`, silent on success.
func runSetvar(e *env, args []string) error {
	value, err := parseTunableValue(args[1])
	if err != nil {
		return err
	}
	vars, err := fetchTunables(e)
	if err != nil {
		return err
	}
	v, ok := findTunable(vars, args[0])
	if !ok {
		printf(e.out, "No such tunable %s\n", args[0])
		return exitCode(1)
	}
	if err := e.call(protocol.OpSetTunable, protocol.Tunable{Name: v.Name, Value: value}, nil); err != nil {
		return fmt.Errorf("Failed to set tunable %s on node %d: %w", v.Name, e.cmdPNN, err)
	}
	return nil
}
