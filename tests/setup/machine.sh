#!/usr/bin/env bash
# Prepares this machine for the tests: installs the Debian packages listed in
# tests/setup/debian-packages that are missing, and sets the kernel knobs the
# tests need. Idempotent; does nothing that is already done. Needs root to
# install; without root it only reports what is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
need=()
while read -r pkg proof _; do
	case "$pkg" in ''|\#*) continue ;; esac
	[ -e "$proof" ] || need+=("$pkg")
done <"$here/debian-packages"
if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "setup: not root, cannot install: ${need[*]}" >&2
	else
		export DEBIAN_FRONTEND=noninteractive
		echo "setup: installing ${need[*]}"
		apt-get update -qq </dev/null
		apt-get install -y -qq --no-install-recommends "${need[@]}" </dev/null >/dev/null
	fi
fi
# The hung-filesystem tests need FUSE requests that never time out by
# themselves (kernel >= 6.14 can abort them).
if [ "$(id -u)" = 0 ]; then
	for k in fs.fuse.default_request_timeout fs.fuse.max_request_timeout; do
		v=$(sysctl -n "$k" 2>/dev/null || echo 0)
		[ "$v" = 0 ] || sysctl -qw "$k=0" || echo "setup: warning: $k=$v"
	done
fi
