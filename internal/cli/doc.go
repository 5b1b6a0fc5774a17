// Package cli is the ctdb command-line tool: it parses CTDB's global
// options, sends controls to ctdbd over its unix socket and prints the
// answers in the exact layouts of CTDB 4.17's ctdb tool, which operators'
// scripts parse (see /work/shared/reference/ctdb-tool-output.md).
//
// Each verb lives in its own file as a run function that fetches through
// the small caller interface and a pure formatter that writes to an
// io.Writer, so formatters are golden-tested (testdata/*.golden, rewritten
// with `go test ./internal/cli -update`) against a fake daemon.
//
// Output streams and exit codes follow CTDB: results and CTDB's own
// "soft" failures (e.g. "No such tunable X", "Event monitor in legacy
// failed") go to stdout, other errors to stderr; nodestatus exits with the
// OR of the shown nodes' flags, event commands with CTDB's errno codes.
package cli
