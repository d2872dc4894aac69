#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvm-unit-tests, the KVM developers' own suite, for the nested host (make
# peer): builds it for ppc64le and stages it, with the tools its runner
# needs, as an addition to a variant's initramfs.
#   scripts/peer.sh VARIANT...
# For each VARIANT (whose initramfs carries the real client, QEMU) it writes
# out/VARIANT/initramfs-peer.cpio.gz: the variant's initramfs followed by
# the stage (the kernel unpacks concatenated archives in order). In the
# guest, /tests/kut_peer runs the suite's run_tests.sh, unmodified, with
# that QEMU (selftests/peer/).
#
# The suite's source, the first that is set or exists:
#   KUT_SRC=DIR        a kvm-unit-tests tree (built out of tree, left as is)
#   KUT_TARBALL=FILE   a release or snapshot tarball, by default the one in
#                      ../shared/peers/ beside this project or in
#                      /work/shared/peers/
# With neither, it says so and exits 3, which make peer reports as a skip.
# The runner is bash with GNU getopt and timeout; they come from Debian's
# ppc64el packages (bookworm), as the client QEMU does.
set -euo pipefail
. "$(dirname "$0")/versions.sh"

say() { printf '[peer] %s\n' "$*"; }
die() { printf '[peer] error: %s\n' "$*" >&2; exit 1; }

[ $# -gt 0 ] || die "usage: scripts/peer.sh VARIANT..."
base=$OUT/peer
mkdir -p "$base"

# The source.
src=
if [ -n "${KUT_SRC:-}" ]; then
	[ -f "$KUT_SRC/powerpc/unittests.cfg" ] || die "KUT_SRC=$KUT_SRC is not a kvm-unit-tests tree"
	src=$(cd "$KUT_SRC" && pwd)
	key="tree $src $(cd "$src" && git rev-parse HEAD 2>/dev/null || echo no-git)"
else
	tarball=${KUT_TARBALL:-}
	if [ -z "$tarball" ]; then
		# Beside the project, and where this workplace keeps it for a
		# clone made elsewhere (CI's).
		for t in "$TOP"/../shared/peers/kvm-unit-tests-*.tar.* \
			/work/shared/peers/kvm-unit-tests-*.tar.*; do
			[ -f "$t" ] && { tarball=$t; break; }
		done
	fi
	if [ -z "$tarball" ] || [ ! -f "$tarball" ]; then
		say "no kvm-unit-tests source: set KUT_SRC to a tree or KUT_TARBALL to a tarball" \
			"(none in ../shared/peers/ or /work/shared/peers/ either)"
		exit 3
	fi
	key="tarball $(sha256sum "$tarball" | cut -d' ' -f1)"
fi

# The build, out of the source tree: configure in the build directory.
build=$base/kvm-unit-tests
if [ "$(cat "$build/.key" 2>/dev/null)" != "$key" ]; then
	rm -rf "$build"
	mkdir -p "$build"
	if [ -z "$src" ]; then
		say "unpacking ${tarball##*/}"
		mkdir -p "$base/src"
		rm -rf "$base/src"/*
		tar -xf "$tarball" -C "$base/src"
		src=$(find "$base/src" -mindepth 1 -maxdepth 1 -type d | head -1)
		[ -f "$src/powerpc/unittests.cfg" ] || die "${tarball##*/} holds no kvm-unit-tests tree"
	fi
	say "building kvm-unit-tests (ppc64, little endian, ${CROSS}gcc)"
	(cd "$build" && "$src/configure" --arch=ppc64 --endian=little --cross-prefix="$CROSS" \
		--disable-pretty-print-stacks \
		>configure.log 2>&1) || die "configure failed (${build#"$TOP"/}/configure.log)"
	make -C "$build" -j"$(nproc)" >"$build/make.log" 2>&1 ||
		die "build failed (${build#"$TOP"/}/make.log)"
	echo "$key" >"$build/.key"
fi
# What the guest needs of it: the runner, its scripts, the test images.
[ -n "$src" ] || src=$(find "$base/src" -mindepth 1 -maxdepth 1 -type d | head -1)

# bash, GNU getopt, timeout and env, and getconf for the runner (busybox
# has neither the enhanced getopt nor timeout --foreground), from Debian.
tools=$base/tools
if [ ! -f "$tools/.done" ]; then
	apt_dir=$CACHE/apt-ppc64el
	private_apt "$apt_dir" ppc64el <<EOF
deb [arch=ppc64el] http://deb.debian.org/debian bookworm main
EOF
	rm -rf "$tools" && mkdir -p "$tools/debs" "$tools/unpacked"
	say "downloading bash, coreutils, util-linux, libc-bin, libtinfo6 (ppc64el)"
	got=
	for try in 1 2 3; do
		(cd "$tools/debs" && apt-get download -q bash coreutils util-linux libc-bin libtinfo6 libc6 \
			>"$tools/download.log" 2>&1) && got=1 && break
		apt-get update -q >/dev/null 2>&1 || true
		sleep 5
	done
	[ -n "$got" ] || die "apt-get download failed (${tools#"$TOP"/}/download.log)"
	for deb in "$tools"/debs/*.deb; do
		dpkg -x "$deb" "$tools/unpacked"
	done
	touch "$tools/.done"
fi

stage=$base/stage
rm -rf "$stage"
mkdir -p "$stage"/{kut/powerpc,kut/scripts,tests}
progs=()
for b in bash getopt timeout env getconf; do
	if [ -f "$tools/unpacked/bin/$b" ]; then progs+=("bin/$b"); else progs+=("usr/bin/$b"); fi
done
stage_binaries "$tools/unpacked" "$stage" "${progs[@]}" >/dev/null ||
	die "staging the runner's tools failed (above)"

# The suite as run_tests.sh finds it in its own tree.
cp "$src/run_tests.sh" "$stage/kut/"
cp "$src"/scripts/*.bash "$stage/kut/scripts/"
cp "$src/powerpc/run" "$src/powerpc/unittests.cfg" "$stage/kut/powerpc/"
cp "$src/errata.txt" "$build/config.mak" "$build/build-head" "$stage/kut/"
cp "$build"/powerpc/*.elf "$build/powerpc/boot_rom.bin" "$stage/kut/powerpc/"
rm -f "$stage/kut/powerpc/boot_rom.elf"
# configure wrote the build's paths and the build machine as HOST; the
# guest runs the suite from /kut, and configure run there would have
# written HOST=ppc64 (uname -m), without which the runner finds no KVM.
sed -i "s|$build|/kut|g; s|$src|/kut|g; s|^HOST=.*|HOST=ppc64|" "$stage/kut/config.mak"
cp "$TOP/selftests/peer/kut_peer" "$TOP/selftests/peer/qemu-peer" "$stage/tests/"
chmod +x "$stage/tests/"*

overlay=$base/stage.cpio.gz
find "$stage" -exec touch -h -d @0 {} +
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --reproducible -R 0:0 --quiet |
	gzip -6n) >"$overlay"

for v in "$@"; do
	obj=$OUT/$v
	[ -f "$obj/initramfs.cpio.gz" ] || die "out/$v/initramfs.cpio.gz missing: build the variant first"
	[ -f "$obj/initramfs.client" ] ||
		die "out/$v's initramfs has no client QEMU (CLIENT_VARIANTS in scripts/versions.sh)"
	cat "$obj/initramfs.cpio.gz" "$overlay" >"$obj/initramfs-peer.cpio.gz"
done
say "ok: kvm-unit-tests $(find "$stage/kut/powerpc" -name '*.elf' | wc -l) test images," \
	"$(du -sh "$overlay" | cut -f1) added to the initramfs of $*"
