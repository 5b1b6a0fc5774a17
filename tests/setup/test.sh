#!/usr/bin/env bash
# The body of `make test`: prepare the machine (machine.sh: as root it
# installs the missing Debian packages and sets the FUSE sysctls; without
# root it says what is missing), run every test and the short fuzz run,
# then print a summary that repeats every "SKIP: suite: reason" line the
# tests recorded. Under CI=true a skipped required suite fails the run.
set -uo pipefail
cd "$(dirname "$0")/../.."
GO=${GO:-go}
# Suites that must run in CI (tests/harness/suite names them).
required="netns fuse syslog ctdb"

bash tests/setup/machine.sh || { echo "test: machine set-up failed" >&2; exit 1; }

skips=$(mktemp)
trap 'rm -f "$skips"' EXIT
export CTDB_TEST_SKIPS=$skips
t0=$(date +%s)
rc=0
"$GO" test -count=1 -timeout 28m ./... || rc=1
"${MAKE:-make}" --no-print-directory fuzz || rc=1

echo
echo "=== make test summary ($(( $(date +%s) - t0 )) s)"
sort -u "$skips"
if [ "${CI:-}" = true ]; then
	for s in $required; do
		if grep -q "^SKIP: $s: " "$skips"; then
			echo "FAIL: required suite $s skipped under CI=true"
			rc=1
		fi
	done
fi
if [ "$rc" = 0 ]; then
	echo "PASS"
else
	echo "FAIL"
fi
exit "$rc"
