// Package eventd runs CTDB-style event scripts inside ctdbd.
//
// Scripts are the files named NN.name.script in CTDB 4.x's directory
// ($CTDB_BASE/events/legacy, usually symlinks to the packaged copies in the
// data directory) and the files named NN.name in the older
// $CTDB_BASE/events.d; both run, merged in name order, and a name in
// events/legacy hides the same name in events.d. Enable and disable work as
// CTDB's: a packaged script is enabled by a symlink, which disable removes
// (never touching its target); a regular file is chmod-ed. A script is
// enabled when what it resolves to has any execute bit; the
// enabled scripts of an event run one after another, in name order, as
// "script EVENT ARGS...", and the event stops at the first script that does
// not succeed. One timeout bounds the whole event, not each script.
//
// Only one event runs at a time. Other events queue in arrival order, with
// CTDB's special rules for monitor: any new event cancels a running (or
// queued) monitor, and a monitor that arrives while another event is running
// or queued is cancelled at once. Cancelled runs return ErrCancelled and are
// not remembered as the event's last status.
//
// A script that overruns the deadline gets the optional debug script, then
// SIGTERM to its process group, then SIGKILL. A script stuck in the kernel (a
// hung cluster filesystem) survives even SIGKILL, so the runner never waits
// for a child without a bound: such a script is reported as TIMEDOUT, kept on
// the Hung list until it really exits, and not started again meanwhile.
package eventd
