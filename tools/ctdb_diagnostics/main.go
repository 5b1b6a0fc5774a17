// Command ctdb_diagnostics collects a support bundle from the cluster's
// nodes. See internal/diagnostics.
package main

import (
	"os"
	"time"

	"github.com/ctdb-go/ctdb/internal/diagnostics"
)

func main() {
	os.Exit(diagnostics.Main(os.Args[1:], diagnostics.Env{
		Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr, Now: time.Now, Hostname: os.Hostname,
	}))
}
