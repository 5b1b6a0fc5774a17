// Package labelsrv is a tiny TCP server for failover tests and benchmarks:
// run inside a node's network namespace, it answers every connection with
// the node's label, so a client can tell which node serves a public
// address, and holds the connection open until the client closes it (or it
// is reset).
package labelsrv

import (
	"fmt"
	"net"
	"os"
	"time"
)

// Serve listens on addr and serves label forever; it returns an exit
// status only when listening or accepting fails.
func Serve(addr, label string) int {
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
			c.Read(buf)
			c.Close()
		}()
	}
}

// The environment that turns a test or benchmark binary into a label
// server (see ServeIfAsked).
const (
	ListenEnv = "CTDB_LABELSRV_LISTEN" // address to listen on
	LabelEnv  = "CTDB_LABELSRV_LABEL"  // the label
)

// ServeIfAsked serves, and never returns, when the process was started
// with ListenEnv set (by Env); otherwise it returns at once. Call it first
// in main or TestMain.
func ServeIfAsked() {
	if addr := os.Getenv(ListenEnv); addr != "" {
		os.Exit(Serve(addr, os.Getenv(LabelEnv)))
	}
}

// Env is the environment that makes the binary serve label on addr.
func Env(addr, label string) []string {
	return []string{ListenEnv + "=" + addr, LabelEnv + "=" + label}
}
