#!/bin/sh
# ctdb-go's notification hook. ctdbd runs "$CTDB_BASE/notify.sh EVENT" when
# the node's state changes: init, setup, startup, healthy, unhealthy.
#
# It runs every executable NN.name.script in events/notification/ beside
# this file, in name order, with EVENT as the only argument. It fails when
# any of them fails, after running them all.

here=$(dirname "$0")
status=0
for hook in "$here"/events/notification/*.script; do
	[ -f "$hook" ] && [ -x "$hook" ] || continue
	"$hook" "$1" || status=1
done
exit "$status"
