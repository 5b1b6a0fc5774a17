// Command ctdb is the CTDB administration tool: it talks to the local
// ctdbd over its unix socket. All logic lives in internal/cli.
package main

import (
	"os"

	"github.com/ctdb-go/ctdb/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}
