// Command ctdb-path prints where CTDB's files are, with CTDB's arguments:
// ctdb-path config | pidfile DAEMON | socket DAEMON | {datadir|etcdir|rundir|vardir} [append PATH].
package main

import (
	"os"

	"github.com/ctdb-go/ctdb/internal/helpers"
)

func main() {
	os.Exit(helpers.PathMain(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}
