// Package logging builds the daemon's loggers: logrus underneath, CTDB 4.x
// lines on top.
//
// Every line looks like CTDB's:
//
//	2026-11-22T04:16:08.125204+00:00 HOST ctdbd[PID]: message key=value
//
// The time is local time in RFC 3339 form with microseconds and a numeric
// offset, HOST is the short host name, and the tag names the process
// (ctdbd, ctdb-recoverd, ctdb-eventd...). An entry carrying the field
// TagField uses that tag instead of the logger's, so ctdbd can log its
// eventscripts' output as ctdb-eventd with its own PID. Other fields follow
// the message as sorted key=value pairs, quoted when needed, so structured
// logging stays grep-able.
//
// A message with several lines becomes several log lines, each with the
// full prefix; the fields go on the first line so that the following lines
// (typically script output) stay verbatim.
//
// Levels use CTDB's names (ERROR, WARNING, NOTICE, INFO, DEBUG); see
// ParseLevel for the mapping onto logrus levels.
//
// Outputs (Options.Location): stderr, a file (reopened by Logger.Reopen on
// SIGHUP), or syslog over a Unix or UDP datagram socket. Syslog messages
// are written by this package, not log/syslog, because the tag varies per
// entry; writes never block and are dropped (and counted) when the syslog
// daemon is missing or slow.
package logging
