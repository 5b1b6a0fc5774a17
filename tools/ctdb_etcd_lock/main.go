// Command ctdb_etcd_lock holds the cluster lock in etcd (v3 API), for
// ctdb.conf's "cluster lock = !/usr/libexec/ctdb/ctdb_etcd_lock OPTIONS".
// See package internal/etcdlock.
package main

import (
	"os"

	"github.com/ctdb-go/ctdb/internal/etcdlock"
	"github.com/ctdb-go/ctdb/internal/gomaxprocs"
)

func main() {
	gomaxprocs.Daemon()
	os.Exit(etcdlock.Main(os.Args[1:]))
}
