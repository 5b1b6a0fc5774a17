// Command ctdb-recoverd is the recovery daemon that ctdbd starts on every
// node: leader election, cluster checks and recoveries. See
// internal/recoverd.
package main

import (
	"os"

	"github.com/ctdb-go/ctdb/internal/gomaxprocs"
	"github.com/ctdb-go/ctdb/internal/recoverd"
)

func main() {
	gomaxprocs.Daemon()
	os.Exit(recoverd.Main())
}
