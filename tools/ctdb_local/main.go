// Command ctdb_local starts and stops ctdbd nodes on this machine, on
// loopback addresses, for trying the daemon out and for tests.
package main

import (
	"os"

	"github.com/ctdb-go/ctdb/internal/localcluster"
)

func main() {
	os.Exit(localcluster.Main(os.Args[1:], os.Stdout, os.Stderr))
}
