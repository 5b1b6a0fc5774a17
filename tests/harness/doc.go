// Package harness is what the tests that run the real binaries (tests/,
// tests/eventscripts) and the benchmark suite (tests/bench) share:
//
//   - the network-namespace IP cluster's network (IPNet): node and client
//     hosts, public addresses, a label server per node, and the address
//     sampler (who holds what, reaching an address, holding a connection);
//   - a node's status read through the client library (never by parsing
//     the human output of `ctdb status`) and the "converged" check;
//   - running a tool and capturing its output and exit code (RunTool);
//   - free ports, waits (Until, Eventually, WaitGone), file copies;
//   - environment knobs (EnvInt, EnvHold, EnvTunables) and duration
//     summaries for the long randomised tests;
//   - suite skips: one "SKIP: suite: reason" line that `make test` repeats
//     in its summary (package suite, re-exported here).
//
// Nothing here calls t.Fatal except the helpers that take a testing.TB;
// everything else returns errors, so the benchmark suite uses it as well.
package harness
