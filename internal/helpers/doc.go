// Package helpers holds the command lines of CTDB's small helpers that
// eventscripts call from $CTDB_HELPER_BINDIR: ctdb-config (validate, dump
// and get ctdb.conf) and ctdb-path (where CTDB's files are). They take
// CTDB's arguments and print what CTDB 4.17's helpers print; they are
// written from scratch on top of internal/config.
package helpers
