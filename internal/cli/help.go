package cli

import (
	"fmt"

	"github.com/ctdb-go/ctdb/internal/manpages/helptext"
)

// commandHelp prints a command's section of ctdb(1), the same text the
// manual page shows (see internal/manpages/helptext). CTDB 4.17 has no help command:
// for a name the tool does not have, "help" is what is unknown, and the
// answer is CTDB's one line.
func (r *Runner) commandHelp(name string) int {
	if findCommand(name) == nil {
		fmt.Fprintln(r.Stderr, "Unknown command 'help'")
		return 1
	}
	text, ok := helptext.Command(name)
	if !ok {
		printCommandUsage(r.Stdout, name)
		return 0
	}
	fmt.Fprint(r.Stdout, text)
	return 0
}
