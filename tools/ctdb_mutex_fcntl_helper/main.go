// Command ctdb_mutex_fcntl_helper takes and holds the cluster lock: an
// fcntl lock on byte 0 of a file in the cluster filesystem. See package
// internal/clusterlock for the protocol.
//
//	ctdb_mutex_fcntl_helper FILE [RECHECK_INTERVAL [PING_TIMEOUT [RECHECK_TIMEOUT]]]
package main

import (
	"os"

	"github.com/ctdb-go/ctdb/internal/clusterlock"
	"github.com/ctdb-go/ctdb/internal/gomaxprocs"
)

func main() {
	gomaxprocs.Daemon()
	os.Exit(clusterlock.HelperMain(os.Args[1:]))
}
