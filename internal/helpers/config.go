package helpers

import (
	"fmt"
	"io"
	"os"

	"github.com/ctdb-go/ctdb/internal/config"
)

// Exit codes of ctdb-config, as CTDB's: 1 usage, 2 no such file or
// option (ENOENT), 22 invalid configuration or arguments (EINVAL).
const (
	exitUsage    = 1
	exitNotFound = 2
	exitInvalid  = 22
)

const configUsage = `Usage: ctdb-config [<options>] <command> [<args>]

Commands:
  dump                    Dump configuration
  get <section> <key>     Get a config value
  validate                Validate configuration file
`

// ConfigMain is ctdb-config: the configuration directory is $CTDB_BASE
// (default /etc/ctdb), as for ctdbd.
func ConfigMain(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	args = dropDebugOption(args)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stderr, configUsage)
		return exitUsage
	}
	want := map[string]int{"dump": 1, "get": 3, "validate": 1}
	n, ok := want[args[0]]
	if !ok {
		fmt.Fprint(stderr, configUsage)
		return exitUsage
	}
	if len(args) != n {
		fmt.Fprintf(stderr, "Usage: ctdb-config %s\n", map[string]string{
			"dump": "dump", "get": "get <section> <key>", "validate": "validate"}[args[0]])
		return exitInvalid
	}
	path := config.ResolveConfigDir(config.Options{Getenv: getenv}) + "/" + config.ConfFileName
	if _, err := config.ParseConf(path, getenv); err != nil {
		fmt.Fprintln(stderr, err)
		fmt.Fprintf(stderr, "Failed to load config file %s\n", path)
		return exitInvalid
	}
	set, err := config.FileValues(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitInvalid
	}
	switch args[0] {
	case "validate":
		if _, err := os.Stat(path); err != nil {
			fmt.Fprintf(stderr, "Failed to load config file %s\n", path)
			return exitNotFound
		}
	case "dump":
		config.Dump(stdout, set)
	case "get":
		if !config.KnownOption(args[1], args[2]) {
			fmt.Fprintf(stderr, "Configuration option [%s] -> \"%s\" not defined\n", args[1], args[2])
			return exitNotFound
		}
		fmt.Fprintln(stdout, config.OptionValue(set, args[1], args[2]))
	}
	return 0
}

// dropDebugOption removes CTDB's -d/--debug LEVEL option, which only sets
// the helpers' own log level.
func dropDebugOption(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-d" || a == "--debug":
			i++
		case len(a) > 8 && a[:8] == "--debug=":
		default:
			out = append(out, a)
		}
	}
	return out
}
