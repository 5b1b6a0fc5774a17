// Command ctdbd is the cluster daemon: one per node. See internal/daemon.
package main

import (
	"os"

	"github.com/ctdb-go/ctdb/internal/daemon"
	"github.com/ctdb-go/ctdb/internal/gomaxprocs"
)

func main() {
	gomaxprocs.Daemon()
	os.Exit(daemon.Main(os.Args[1:]))
}
