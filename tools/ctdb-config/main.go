// Command ctdb-config validates, dumps and reads ctdb.conf with CTDB's
// arguments: ctdb-config validate | dump | get SECTION KEY.
package main

import (
	"os"

	"github.com/ctdb-go/ctdb/internal/helpers"
)

func main() {
	os.Exit(helpers.ConfigMain(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}
