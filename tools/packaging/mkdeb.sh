#!/bin/sh
# mkdeb.sh BIN OUTDIR [VERSION]
# Builds the Debian package ctdb-go_VERSION_ARCH.deb in OUTDIR from the
# binaries and man pages in BIN (make build) and this source tree, with
# Debian's paths, and prints its path. All of the package's layout is here.
# Needs dpkg-deb; no debhelper.
set -eu
bin=$1
out=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
here="$src/tools/packaging"
version=${3:-$("$bin/ctdbd" --version)}
arch=$(dpkg --print-architecture)
pkg=ctdb-go

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/root"

inst() { # MODE SRC DEST
	install -D -m "$1" "$2" "$root$3"
}

# Programs.
inst 0755 "$bin/ctdbd" /usr/sbin/ctdbd
for p in ctdb onnode ctdb_diagnostics ctdb_local; do
	inst 0755 "$bin/$p" "/usr/bin/$p"
done
for p in ctdb-recoverd ctdb_probe ctdb_mutex_fcntl_helper ctdb_etcd_lock ctdb-config ctdb-path ctdb_ipguard ctdb_tdb_helper; do
	inst 0755 "$bin/$p" "/usr/libexec/ctdb/$p"
done

# Eventscripts: CTDB's data directory; postinst enables the default ones
# with links in /etc/ctdb/events/legacy.
for s in "$src"/events.d/[0-9][0-9].*; do
	inst 0755 "$s" "/usr/share/ctdb/events/legacy/$(basename "$s").script"
done
install -d -m 0755 "$root/etc/ctdb/events/legacy" "$root/etc/ctdb/events/notification"

# Configuration: conffiles.
inst 0644 "$src/functions" /etc/ctdb/functions
for f in ctdb.conf script.options ctdb.tunables; do
	inst 0644 "$src/etc/$f" "/etc/ctdb/$f"
done
inst 0755 "$src/etc/notify.sh" /etc/ctdb/notify.sh
inst 0755 "$src/etc/nfs-ganesha-callout" /etc/ctdb/nfs-ganesha-callout
for d in nfs-checks.d nfs-checks-ganesha.d; do
	for f in "$src/etc/$d"/*.check; do
		inst 0644 "$f" "/etc/ctdb/$d/$(basename "$f")"
	done
done
inst 0644 "$here/ctdb.logrotate" /etc/logrotate.d/ctdb
inst 0644 "$src/etc/systemd/ctdb.service" /lib/systemd/system/ctdb.service

# Documentation and examples (nodes and public_addresses differ per site).
doc=/usr/share/doc/$pkg
inst 0644 "$here/copyright" "$doc/copyright"
inst 0644 "$src/README.md" "$doc/README.md"
for f in nodes public_addresses; do
	inst 0644 "$src/etc/$f" "$doc/examples/$f"
done
for m in "$bin"/man/*.[0-9]; do
	sec=${m##*.}
	install -d "$root/usr/share/man/man$sec"
	gzip -9n <"$m" >"$root/usr/share/man/man$sec/$(basename "$m").gz"
	chmod 0644 "$root/usr/share/man/man$sec/$(basename "$m").gz"
done

# Control files.
install -d "$root/DEBIAN"
(cd "$root" && find etc -type f | sed 's@^@/@' | sort) >"$root/DEBIAN/conffiles"
for s in postinst prerm postrm; do
	install -m 0755 "$here/$s" "$root/DEBIAN/$s"
done
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
	"$here/control" >"$root/DEBIAN/control"

mkdir -p "$out"
deb="$out/${pkg}_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >/dev/null
echo "$deb"
