// Command bench is the benchmark suite (package tests/bench/suite): it
// runs each scenario against ctdb-go and Samba's CTDB (when installed),
// repeats it, and prints one table of medians and spreads, also written as
// Markdown and JSON.
//
//	go run ./tests/bench [-reps 5] [-smoke] [-only scenario,...] [-out results] [-systems ctdb-go,ctdb] [-bin DIR] [-resume FILE.json]
//
// It must run as root for the network-namespace and FUSE scenarios (they
// report n/a otherwise). All traffic stays on loopback or inside the
// namespaces it creates; it kills only processes it started, by PID.
package main

import (
	"os"

	"github.com/ctdb-go/ctdb/tests/bench/suite"
	"github.com/ctdb-go/ctdb/tests/hangfs"
	"github.com/ctdb-go/ctdb/tests/labelsrv"
)

func main() {
	labelsrv.ServeIfAsked()
	// The hung-fs scenario mounts FUSE: do it in a private mount namespace
	// so the mount never leaks into the host's or the network namespaces'
	// view. This re-runs the binary there and exits with its status.
	hangfs.ReexecInPrivateMountNS(nil)
	os.Exit(suite.Main(os.Args, os.Stdout, os.Stderr))
}
