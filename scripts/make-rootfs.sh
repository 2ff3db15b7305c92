#!/usr/bin/env bash
# Builds a minimal busybox root filesystem in DIR from Debian's busybox-static.
#
#   scripts/make-rootfs.sh DIR
#
# DIR/bin/busybox is a copy of the static /bin/busybox (override with BUSYBOX=/path), every applet
# it lists is a relative symlink in DIR/bin, and DIR gets the usual empty directories plus a
# minimal etc/passwd, etc/group and etc/hostname. Running it again on the same DIR is cheap and
# leaves an identical tree.
set -euo pipefail
set -f  # applet names such as "[" must never glob

die() { echo "make-rootfs.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: make-rootfs.sh DIR"
dir=$1
busybox=${BUSYBOX:-/bin/busybox}

[ -x "$busybox" ] || die "$busybox not found: install Debian's busybox-static (apt-get install busybox-static)"
# The rootfs must work after pivot_root with no libraries in it: refuse a dynamic busybox.
if command -v file >/dev/null 2>&1; then
  file -L "$busybox" | grep -q 'statically linked' \
    || die "$busybox is not statically linked: install busybox-static, not busybox"
elif [ -r /usr/share/doc/busybox-static/copyright ] || dpkg -s busybox-static >/dev/null 2>&1; then
  :
else
  die "cannot tell whether $busybox is static; install busybox-static"
fi

mkdir -p "$dir"
cd "$dir"

for d in bin sbin usr/bin usr/sbin etc root var/log run proc sys dev home/user; do
  mkdir -p "$d"
done
mkdir -p tmp
chmod 1777 tmp
chmod 0700 root
chmod 0755 . bin etc var run proc sys dev

if ! cmp -s "$busybox" bin/busybox; then
  cp -f "$busybox" bin/busybox.tmp
  chmod 0755 bin/busybox.tmp
  mv -f bin/busybox.tmp bin/busybox
fi

applets=$(bin/busybox --list) || die "bin/busybox --list failed"
[ -n "$applets" ] || die "bin/busybox --list printed no applets"
# Only the applets that are not yet a "busybox" symlink get one: one find, one ln, no fork per applet.
missing=$(comm -23 <(printf '%s\n' $applets | grep -vx busybox | LC_ALL=C sort -u) \
                   <(find bin -maxdepth 1 -type l -lname busybox -printf '%f\n' | LC_ALL=C sort -u))
if [ -n "$missing" ]; then
  (cd bin && for applet in $missing; do ln -sfn busybox "$applet"; done)
fi

write_if_changed() { # FILE CONTENT
  if [ ! -f "$1" ] || [ "$(cat "$1")" != "$2" ]; then
    printf '%s\n' "$2" > "$1"
  fi
}
write_if_changed etc/passwd 'root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false'
write_if_changed etc/group 'root:x:0:
user:x:1000:
nogroup:x:65534:'
write_if_changed etc/hostname 'burrow'
chmod 0644 etc/passwd etc/group etc/hostname
chown 1000:1000 home/user 2>/dev/null || true
