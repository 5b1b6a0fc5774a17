package main

// The suite binary started with listenEnv set is a tiny TCP server, run
// inside a node's network namespace: it answers every connection with its
// label, so the client can tell which node serves a public address.
const (
	listenEnv = "CTDB_BENCH_LISTEN"
	labelEnv  = "CTDB_BENCH_LABEL"
)
