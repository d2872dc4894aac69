#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The real client: Debian's ppc64el QEMU, to run inside the nested host (L1).
#   scripts/client-qemu.sh
# Downloads qemu-system-ppc (the pinned bookworm-backports version) with its
# dependency closure for ppc64el, unpacks the packages (dpkg -x: no chroot,
# no maintainer scripts) and stages what the L1 needs to run it:
# qemu-system-ppc64, the libraries it loads, the loader, VOF and SLOF. The
# result, $CACHE/client-qemu/root, is copied into the L1's initramfs by
# initramfs.sh. A private APT configuration is used, so the machine's own
# package lists and status are not touched. A run with everything in place
# does nothing.
set -euo pipefail
. "$(dirname "$0")/versions.sh"

say() { printf '[client-qemu] %s\n' "$*"; }
die() { printf '[client-qemu] error: %s\n' "$*" >&2; exit 1; }

apt_dir=$CACHE/apt-ppc64el
base=$CACHE/client-qemu
stamp=$base/.done-$CLIENT_QEMU_VERSION
[ -f "$stamp" ] && exit 0

# bookworm-security is left out: its ppc64el index has failed here with
# "File has unexpected size"; nothing below needs it.
private_apt "$apt_dir" ppc64el <<EOF
deb [arch=ppc64el] http://deb.debian.org/debian bookworm main
deb [arch=ppc64el] http://deb.debian.org/debian bookworm-updates main
deb [arch=ppc64el] http://deb.debian.org/debian bookworm-backports main
EOF

# (Output captured first: with pipefail, grep -q closing the pipe early would
# make apt-cache's SIGPIPE count as a failure.)
resolves() {
	local m
	m=$(apt-cache madison qemu-system-ppc 2>/dev/null)
	[[ $m == *"$CLIENT_QEMU_VERSION"* ]]
}
if ! resolves; then
	say "apt-get update (private configuration, ppc64el)"
	for try in 1 2 3; do
		apt-get update -q >/dev/null 2>&1 && break
		resolves && break
		sleep 5
	done
	resolves || die "qemu-system-ppc $CLIENT_QEMU_VERSION not in bookworm-backports (ppc64el)"
fi

# The closure: what apt would install on an empty ppc64el system, with QEMU
# from bookworm-backports and everything else from bookworm.
say "downloading qemu-system-ppc $CLIENT_QEMU_VERSION (ppc64el) and its dependencies"
apt-get install -q -y --download-only -t bookworm-backports \
	"qemu-system-ppc=$CLIENT_QEMU_VERSION" >"$apt_dir/download.log" 2>&1 ||
	{ tail -20 "$apt_dir/download.log" >&2; die "apt-get install --download-only failed"; }

unpacked=$base/unpacked
rm -rf "$base" && mkdir -p "$unpacked"
n=0
for deb in "$apt_dir"/archives/*.deb; do
	dpkg -x "$deb" "$unpacked"
	n=$((n + 1))
done
say "unpacked $n packages ($(du -sh "$unpacked" | cut -f1))"

# Stage the binary, the libraries it needs and the loader; the firmware
# QEMU looks for by name.
root=$base/root
mkdir -p "$root/usr/share/qemu"
nlibs=$(stage_binaries "$unpacked" "$root" usr/bin/qemu-system-ppc64) ||
	die "staging qemu-system-ppc64 failed (above)"
for fw in vof.bin slof.bin; do
	f=$unpacked/usr/share/qemu/$fw
	# Firmware may be a link to another package's file, absolute or not.
	while [ -L "$f" ]; do
		t=$(readlink "$f")
		case "$t" in /*) f=$unpacked$t ;; *) f=$(dirname "$f")/$t ;; esac
	done
	[ -f "$f" ] || die "no $fw in the packages"
	cp "$f" "$root/usr/share/qemu/$fw"
done
say "staged qemu-system-ppc64, $nlibs libraries: $(du -sh "$root" | cut -f1)"
rm -rf "$unpacked"
touch "$stamp"
