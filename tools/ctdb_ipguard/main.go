// Command ctdb_ipguard is the public-address guard that ctdbd starts on
// every node: it removes the node's public addresses when ctdbd stops
// pinging it (ctdbd hung or killed). See package internal/ipguard.
//
//	ctdb_ipguard TIMEOUT LOG-LOCATION LOG-LEVEL
package main

import (
	"os"

	"github.com/ctdb-go/ctdb/internal/gomaxprocs"
	"github.com/ctdb-go/ctdb/internal/ipguard"
)

func main() {
	gomaxprocs.Daemon()
	os.Exit(ipguard.Main(os.Args[1:]))
}
