// Package config loads a node's configuration from its config directory
// (default /etc/ctdb, relocatable with --config-dir or $CTDB_BASE so several
// nodes can run on one machine):
//
//	ctdb.conf        INI options (see ParseConf)
//	nodes            cluster node addresses; PNN = line index (see ParseNodes)
//	public_addresses ADDR/MASK IFACE[,IFACE...] (see ParsePublicAddresses)
//	ctdb.tunables    Name=value tunables (see tunables.LoadFile)
//
// ctdb.conf follows ctdb.conf(5): sections [logging], [cluster], [event],
// [failover], [legacy] and [database] with CTDB's option names. We add one
// section of our own:
//
//	[paths]
//	    run directory = /var/run/ctdb     # pid file and default socket
//	    state directory = /var/lib/ctdb   # persistent node state
//	    socket = /var/run/ctdb/ctdbd.socket
//
// CTDB fixes these at build time; making them options (and environment
// variables $CTDB_RUNDIR, $CTDB_VARDIR, $CTDB_SOCKET, which win over the
// file) lets test clusters keep each node's files apart.
//
// ctdb.conf is read by our own INI parser (ini.go), which keeps line
// numbers for errors and sees a key set twice. It used to hand its result
// to viper, which only stored and returned it; viper is gone because every
// binary that reads ctdb.conf linked it, and its package initialisation
// and pages cost each start about 8 ms of CPU: ctdb-config and ctdb-path
// run from eventscripts many times a minute, and the ctdb tool's start is
// most of a `ctdb status`.
//
// Every error names the file, the line when there is one, and the problem,
// e.g. "/etc/ctdb/nodes:3: invalid address \"10.0.0.x\"".
package config
