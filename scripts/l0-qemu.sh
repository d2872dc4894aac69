#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An L0 that behaves like PowerVM: QEMU built from Debian's source package
# (the same 10.0.2 as the system's qemu-system-ppc, ppc64 target only) with
# this project's patches (qemu/*.patch): a machine option
# x-nested-papr-grant that sets the nested API v2 capability word apart from
# max-cpu-compat, enforced when the L1 sets an L2's logical PVR.
#   scripts/l0-qemu.sh
# Leaves $CACHE/l0-qemu/qemu-system-ppc64 (its firmware is the system's,
# /usr/share/qemu). Rebuilt only when the version or a patch changes; ccache
# serves a rebuild.
set -euo pipefail
. "$(dirname "$0")/versions.sh"

say() { printf '[l0-qemu] %s\n' "$*"; }
die() { printf '[l0-qemu] error: %s\n' "$*" >&2; exit 1; }

base=$CACHE/l0-qemu
bin=$base/qemu-system-ppc64
key=$( (echo "$L0_QEMU_VERSION"; cat "$TOP"/qemu/*.patch) | sha256sum | cut -d' ' -f1)
[ -x "$bin" ] && [ "$(cat "$base/.key" 2>/dev/null)" = "$key" ] && exit 0

# The source package, with a private APT configuration (deb-src only).
apt_dir=$CACHE/apt-src
mkdir -p "$base"
private_apt "$apt_dir" <<EOF
deb-src http://deb.debian.org/debian bookworm-backports main
EOF
upstream=${L0_QEMU_VERSION#*:}
upstream=${upstream%%-*}
orig=$apt_dir/qemu_${upstream}.orig.tar.xz
if [ ! -f "$orig" ]; then
	say "downloading the source of qemu $L0_QEMU_VERSION"
	apt-get update -q >/dev/null 2>&1 || true
	# The upstream tarball is what the package is built from; the Debian
	# part of this backport is not on the mirror (404), and nothing of it
	# is needed for one target.
	(cd "$apt_dir" && apt-get source -q --download-only "qemu=$L0_QEMU_VERSION" \
		>download.log 2>&1) || true
	[ -f "$apt_dir/qemu_${upstream}.orig.tar.xz" ] ||
		die "no qemu_${upstream}.orig.tar.xz (see $apt_dir/download.log)"
fi

src=$base/src
rm -rf "$src"
mkdir -p "$src"
say "unpacking and patching"
tar -xf "$orig" -C "$src" --strip-components=1
for p in "$TOP"/qemu/*.patch; do
	patch -s -d "$src" -p1 <"$p" || die "$(basename "$p") does not apply"
done

# glib's headers and .pc files in a private sysroot: on these machines
# libglib2.0-dev cannot be installed, as the libpcre2-dev it needs wants an
# older libpcre2-8-0 than the one installed (10.42-1 against 10.42-1+deb12u1,
# the same library). The binary links against the system's libraries.
sysroot=$base/sysroot
libdir=usr/lib/x86_64-linux-gnu
if [ ! -f "$sysroot/.done" ]; then
	say "unpacking glib's development files into $sysroot"
	rm -rf "$sysroot" "$apt_dir/dev"
	mkdir -p "$sysroot" "$apt_dir/dev"
	(cd "$apt_dir/dev" && APT_CONFIG= apt-get download -q -o APT::Sandbox::User=root \
		libglib2.0-dev libpcre2-dev libffi-dev libmount-dev libblkid-dev \
		libselinux1-dev libsepol-dev zlib1g-dev >/dev/null) ||
		die "apt-get download of glib's development packages failed"
	for deb in "$apt_dir"/dev/*.deb; do
		dpkg -x "$deb" "$sysroot"
	done
	# Links to the shared libraries point at the system's copies, .pc files
	# at the sysroot.
	for l in "$sysroot/$libdir"/*.so; do
		t=$(readlink "$l") || continue
		[ -e "$sysroot/$libdir/$t" ] || ln -sfn "/$libdir/$(basename "$t")" "$l"
	done
	sed -i "s|^prefix=/usr|prefix=$sysroot/usr|" "$sysroot/$libdir"/pkgconfig/*.pc \
		"$sysroot"/usr/share/pkgconfig/*.pc 2>/dev/null || true
	touch "$sysroot/.done"
fi
export PKG_CONFIG_PATH=$sysroot/$libdir/pkgconfig:$sysroot/usr/share/pkgconfig

say "building qemu-system-ppc64 (ppc64 target only; about 10 minutes on 2 cores the first time)"
cc=gcc
if command -v ccache >/dev/null; then
	export CCACHE_DIR=$CACHE/ccache CCACHE_BASEDIR=$src
	cc="ccache gcc"
fi
mkdir -p "$src/build"
# Debian's python3, which has Debian's meson (bookworm-backports), not the
# caller's (a pyenv one, say).
(cd "$src/build" &&
	../configure --target-list=ppc64-softmmu --without-default-features \
		--enable-fdt=system --disable-docs --disable-werror --cc="$cc" \
		--python=/usr/bin/python3 --disable-install-blobs \
		>"$base/build.log" 2>&1 &&
	ninja -j"$(nproc)" qemu-system-ppc64 >>"$base/build.log" 2>&1) ||
	{ tail -30 "$base/build.log" >&2; die "build failed (log: $base/build.log)"; }
cp "$src/build/qemu-system-ppc64" "$bin.new"
mv "$bin.new" "$bin"
rm -rf "$src"
echo "$key" >"$base/.key"
say "ok: $bin"
