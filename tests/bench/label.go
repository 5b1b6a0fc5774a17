package main

import (
	"fmt"
	"net"
	"os"
	"time"
)

// The suite binary started with listenEnv set is a tiny TCP server, run
// inside a node's network namespace: it answers every connection with its
// label, so the client can tell which node serves a public address.
const (
	listenEnv = "CTDB_BENCH_LISTEN"
	labelEnv  = "CTDB_BENCH_LABEL"
)

func serveLabel(addr, label string) int {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for {
		c, err := l.Accept()
		if err != nil {
			return 1
		}
		go func() {
			fmt.Fprintln(c, label)
			buf := make([]byte, 1)
			c.SetReadDeadline(time.Now().Add(time.Minute))
			c.Read(buf) // hold the connection until the client closes it
			c.Close()
		}()
	}
}
