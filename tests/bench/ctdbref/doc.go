// Package ctdbref is Samba's CTDB (the Debian package `ctdb`, 4.17) as a
// system.System for the benchmark suite, so every scenario can run against
// the real thing next to ctdb-go. The package's binaries are used as
// installed: /usr/sbin/ctdbd, /usr/bin/ctdb, the helpers in
// /usr/libexec/ctdb and the scripts in /usr/share/ctdb/events/legacy.
//
// # Two ways to run N daemons on one machine
//
// As installed (New, the default): ctdbd has fixed paths, so each one
// starts in its own mount namespace (`unshare --mount --propagation
// slave`) where its node directory is bind-mounted over /etc/ctdb, its
// run/ over /run/ctdb and its var/ over /var/lib/ctdb. The host's
// directories are never written; only an empty /run/ctdb is created as
// the mount point if missing. Every daemon then behaves exactly as a
// production one (except realtime scheduling, see below). The ctdb tool
// (Cluster.Ctdb) runs in the node's namespace through `nsenter --mount`.
//
// Test mode (NewWith(Options{TestMode: true})): CTDB_TEST_MODE=yes and
// CTDB_BASE = the node directory, as CTDB's own ctdb/tests/local_daemons.sh
// does. In 4.17 that also changes behaviour (ctdbd.c, ctdb_monitor.c,
// ctdb_takeover.c, ctdb_recoverd.c): no realtime scheduling; fast_start,
// so a node skips the RerecoveryTimeout+3 s (13 s) wait after its first
// recovery before the startup event, and comes up that much sooner than a
// production ctdbd; and no public IP checks, so ctdbd never learns it
// already holds an address, reruns takeip on every takeover run,
// 10.interface fails ("Address already assigned") and the node is banned.
// PublicAddresses is therefore refused in test mode.
//
// Processes of node N carry CTDBREF_NODE=BASE/nodeN in their environment
// (inherited by ctdbd's forks, eventd, helpers and scripts); that is how
// DaemonPID, PIDs, Stop and StopAll find them in /proc.
//
// # Layout under Base
//
//	shared/reclock      the cluster lock (when ClusterOptions.Reclock is "")
//	services            /etc/services for the nodes (only for a non-default port)
//	nodeN/              /etc/ctdb (test mode: CTDB_BASE) of node N: ctdb.conf,
//	                    nodes, ctdb.tunables, public_addresses, copies of the
//	                    package's functions and notify.sh, events/legacy/
//	nodeN/run/          /run/ctdb: ctdbd.socket, ctdbd.pid, eventd.socket
//	nodeN/var/          /var/lib/ctdb; var/scripts is the scripts' state
//	nodeN/db/           volatile, persistent and state databases
//	nodeN/sysetc/       CTDB_SYS_ETCDIR, empty: the host's /etc/default/ctdb is not read
//	nodeN/log.ctdb      the node's log; nodeN/start.log the start command's output
//
// # What each ClusterOptions field becomes
//
//   - Addrs: the nodes file and `[cluster] node address`.
//   - Port: CTDB 4.17 has no port setting: ctdbd and its tools take the
//     port from getservbyname("ctdb", "tcp"), else 4379, and the nodes
//     file takes bare addresses only. For another port a copy of the
//     host's /etc/services with `ctdb PORT/tcp` is bind-mounted over
//     /etc/services in the daemon's mount namespace (in test mode too).
//     Port 0 means 4379.
//   - Wrap: applied to the whole daemon command line (around unshare).
//     The ctdb tool runs without it: it only talks over Unix sockets.
//   - Tunables: ctdb.tunables, NAME=VALUE lines.
//   - Reclock: `[cluster] cluster lock` (4.17's name; `recovery lock` is
//     its deprecated alias).
//   - Enabled eventscripts, as links into /usr/share/ctdb/events/legacy
//     (what `ctdb event script enable` makes): 00.ctdb always; 01.reclock
//     when ReclockScript (4.17's 01.reclock never monitors; its init
//     creates the lock's directory, but reads only `recovery lock`, so
//     with `cluster lock` it exits 0 at once); 10.interface when
//     PublicAddresses is set. 05.system stays disabled, as in ctdb-go's
//     implementation (tests/bench/ours).
//   - TrivialScripts: events/legacy/NN.trivialK.script (NN = 20, 21...;
//     K = 1, 2...), each `#!/bin/sh` and `exit 0`.
//   - PublicAddresses: every node's public_addresses. It needs Wrap:
//     10.interface adds and removes addresses, sets
//     /proc/sys/net/ipv4/conf/all/arp_filter, flushes routes and calls
//     iptables in the daemon's network namespace, which must not be the
//     host's. Without iptables installed its ip_block/ip_unblock fail
//     silently (logged as "flock: failed to execute iptables"), which
//     10.interface tolerates.
//
// Every ctdb.conf also sets `[legacy] realtime scheduling = false`, so no
// SCHED_FIFO daemon runs on a shared test machine. ctdbd still locks its
// memory (mlockall) in both modes, which inflates its resident size.
package ctdbref
