package cli

import (
	"fmt"

	"github.com/ctdb-go/ctdb/internal/manpages"
)

// commandHelp prints a command's section of ctdb(1), the same text the
// manual page shows (see internal/manpages).
func (r *Runner) commandHelp(name string) int {
	if findCommand(name) == nil {
		fmt.Fprintf(r.Stderr, "Unknown command '%s'\n", name)
		printUsage(r.Stderr)
		return 1
	}
	text, ok := manpages.CommandHelp(name)
	if !ok {
		printCommandUsage(r.Stdout, name)
		return 0
	}
	fmt.Fprint(r.Stdout, text)
	return 0
}
