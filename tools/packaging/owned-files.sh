#!/bin/sh
# owned-files.sh DESTDIR PATH...
# Warns (on stderr) about every PATH that already exists under DESTDIR and
# that a Debian package owns, before `make install` writes over it. With an
# empty DESTDIR it asks the system's dpkg database; with a DESTDIR it asks
# the database inside it, if there is one (an image or chroot). Never fails.
destdir=$1
shift
command -v dpkg-query >/dev/null 2>&1 || exit 0
admin=
if [ -n "$destdir" ]; then
	[ -f "$destdir/var/lib/dpkg/status" ] || exit 0
	admin="--admindir=$destdir/var/lib/dpkg"
fi
found=
for p in "$@"; do
	if [ -e "$destdir$p" ] || [ -L "$destdir$p" ]; then
		found="$found $p"
	fi
done
[ -n "$found" ] || exit 0
# shellcheck disable=SC2086 # $found is a list of paths without spaces
dpkg-query ${admin:+"$admin"} -S $found 2>/dev/null |
while IFS= read -r line; do
	case "$line" in
	diversion\ *) continue ;;
	esac
	pkg=${line%%: /*}
	path=${line#"$pkg": }
	echo "make install: warning: $path belongs to the Debian package $pkg and will be overwritten;" \
		"remove the package first or install with another PREFIX/SYSCONFDIR" >&2
done
exit 0
