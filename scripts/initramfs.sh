#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest programs and the initramfs of one variant:
#   scripts/initramfs.sh VARIANT
# UAPI headers come from the patched tree (out/hdr), the kselftests are built
# from their place in the tree, the sample from samples/. The result is
# out/VARIANT/initramfs.cpio.gz; it is rewritten only when its content changed.
set -euo pipefail
. "$(dirname "$0")/versions.sh"

variant=${1:?usage: initramfs.sh VARIANT}
tree=$TREE
obj=$OUT/$variant
say() { printf '[initramfs %s] %s\n' "$variant" "$*"; }

# UAPI headers, from the variant's build (they are the same in every variant).
hdr=$OUT/hdr
if [ ! -f "$hdr/.stamp" ] || [ "$(git -C "$tree" rev-parse HEAD)" != "$(cat "$hdr/.stamp")" ]; then
	say "installing UAPI headers"
	make -s -C "$tree" O="$obj" ARCH=powerpc LLVM="$LLVM_DIR" \
		INSTALL_HDR_PATH="$hdr" headers_install
	git -C "$tree" rev-parse HEAD >"$hdr/.stamp"
fi

tests=$OUT/tests
mkdir -p "$tests"
for dir in compat_caps; do
	make -s -C "$tree/tools/testing/selftests/powerpc/$dir" ARCH=powerpc \
		CROSS_COMPILE="$CROSS" KHDR_INCLUDES="-isystem $hdr/include" \
		OUTPUT="$tests" LDFLAGS=-static
done
make -s -C "$TOP/samples" CROSS_COMPILE="$CROSS" HDR="$hdr/include" O="$tests"
# The benchmark of `make bench` (not a test, not part of the series).
bench_src=$TOP/selftests/bench/compat_caps_bench.c
if [ "$bench_src" -nt "$tests/compat_caps_bench" ]; then
	"${CROSS}gcc" -O2 -Wall -Wextra -static -isystem "$hdr/include" "$bench_src" \
		-o "$tests/compat_caps_bench"
fi

stage=$obj/initramfs
rm -rf "$stage"
mkdir -p "$stage"/{bin,dev,proc,sys,tests,lib/modules}
cp "$DL/busybox/bin/busybox" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
cp "$TOP/scripts/guest-init" "$stage/init"
find "$tests" -maxdepth 1 -type f -perm -u+x -exec cp {} "$stage/tests/" \;
if grep -q '^CONFIG_MODULES=y' "$obj/.config"; then
	# Load order: kvm.ko before kvm-hv.ko.
	for m in arch/powerpc/kvm/kvm.ko arch/powerpc/kvm/kvm-hv.ko; do
		[ -f "$obj/$m" ] && cp "$obj/$m" "$stage/lib/modules/$(basename "$m" .ko | sed 's/^kvm$/0-kvm/; s/^kvm-hv$/1-kvm-hv/').ko"
	done
fi
# Fixed timestamps and order, so that equal content gives an equal archive.
find "$stage" -exec touch -h -d @0 {} +
new=$obj/initramfs.cpio.gz.new
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --reproducible -R 0:0 --quiet | gzip -9n) >"$new"
if cmp -s "$new" "$obj/initramfs.cpio.gz"; then
	rm "$new"
else
	mv "$new" "$obj/initramfs.cpio.gz"
	say "ok: $obj/initramfs.cpio.gz"
fi
