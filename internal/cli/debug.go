package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// debugLevelByNumber is CTDB's numeric debug level scale (0-10) mapped to
// level names, as CTDB's debug_level_parse accepts it.
var debugLevelByNumber = []string{"ERROR", "WARNING", "WARNING", "NOTICE", "NOTICE",
	"INFO", "INFO", "INFO", "INFO", "INFO", "DEBUG"}

var debugLevelNames = []string{"ERROR", "WARNING", "NOTICE", "INFO", "DEBUG"}

// parseDebugLevel turns a level given on the command line (a name in any
// case, ERR/WARN, or CTDB's number 0-10) into the level name sent to the
// daemon.
func parseDebugLevel(s string) (string, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		if n >= 0 && n < len(debugLevelByNumber) {
			return debugLevelByNumber[n], true
		}
		return "", false
	}
	v := strings.ToUpper(s)
	switch v {
	case "ERR":
		v = "ERROR"
	case "WARN":
		v = "WARNING"
	}
	for _, l := range debugLevelNames {
		if l == v {
			return l, true
		}
	}
	return "", false
}

func checkSetdebug(args []string) error {
	if _, ok := parseDebugLevel(args[0]); !ok {
		return failf("Invalid debug level '%s'. Valid levels are:\n\tERROR | WARNING | NOTICE | INFO | DEBUG", args[0])
	}
	return nil
}

// runSetdebug: `ctdb setdebug LEVEL`, silent on success.
func runSetdebug(e *env, args []string) error {
	level, _ := parseDebugLevel(args[0])
	if err := e.call(protocol.OpSetDebug, protocol.DebugLevel{Level: level}, nil); err != nil {
		return fmt.Errorf("Failed to set debug level on node %d: %w", e.cmdPNN, err)
	}
	return nil
}

// runGetdebug: `ctdb getdebug` prints the level name, e.g. NOTICE.
func runGetdebug(e *env, args []string) error {
	var d protocol.DebugLevel
	if err := e.call(protocol.OpGetDebug, nil, &d); err != nil {
		return fmt.Errorf("Failed to get debug level from node %d: %w", e.cmdPNN, err)
	}
	printf(e.out, "%s\n", d.Level)
	return nil
}
