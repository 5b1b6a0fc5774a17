// Command ctdb_probe runs stat or statfs of a cluster-filesystem path in a
// detached, time-bounded worker process. See package internal/probe.
package main

import (
	"os"

	"github.com/ctdb-go/ctdb/internal/gomaxprocs"
	"github.com/ctdb-go/ctdb/internal/probe"
)

func main() {
	gomaxprocs.Daemon()
	os.Exit(probe.Main(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}
