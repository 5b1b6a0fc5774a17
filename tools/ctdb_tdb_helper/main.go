// Command ctdb_tdb_helper stores and fetches one record of a TDB file
// through Samba's libtdb, for `ctdb tstore` and `ctdb tfetch`:
//
//	ctdb_tdb_helper store FILE HEXKEY   < value
//	ctdb_tdb_helper fetch FILE HEXKEY   > value
//
// Exit codes: 0 done, 1 failed (a message on stderr), 2 usage, 3 no record
// (fetch). The key is hex so that any bytes pass through argv.
//
// It is the only program besides ctdbd that links libtdb (cgo): the ctdb
// tool stays a static binary, which starts in about 2 ms less, and every
// `ctdb status` or eventscript call of the tool pays that start.
package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/ctdb-go/ctdb/internal/helperbin"
	"github.com/ctdb-go/ctdb/internal/tdb"
)

const (
	exitFailed   = 1
	exitUsage    = 2
	exitNoRecord = helperbin.TDBNoRecord // the ctdb tool's side of the contract
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) != 3 || (args[0] != "store" && args[0] != "fetch") {
		fmt.Fprintln(stderr, "usage: ctdb_tdb_helper store|fetch FILE HEXKEY")
		return exitUsage
	}
	path := args[1]
	key, err := hex.DecodeString(args[2])
	if err != nil {
		fmt.Fprintf(stderr, "ctdb_tdb_helper: key %q is not hex\n", args[2])
		return exitUsage
	}
	db, err := tdb.Open(path, tdb.OpenOptions{ReadOnly: args[0] == "fetch"})
	if err != nil {
		fmt.Fprintf(stderr, "Failed to open TDB file %s\n", path)
		return exitFailed
	}
	defer db.Close()
	if args[0] == "store" {
		value, err := io.ReadAll(stdin)
		if err != nil {
			fmt.Fprintf(stderr, "Failed to read the record from stdin: %v\n", err)
			return exitFailed
		}
		if err := db.Store(key, value); err != nil {
			fmt.Fprintf(stderr, "Failed to store record: %v\n", err)
			return exitFailed
		}
		return 0
	}
	v, ok, err := db.Fetch(key)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "Failed to fetch record: %v\n", err)
		return exitFailed
	case !ok:
		return exitNoRecord
	}
	if _, err := stdout.Write(v); err != nil {
		fmt.Fprintf(stderr, "Failed to write the record: %v\n", err)
		return exitFailed
	}
	return 0
}
