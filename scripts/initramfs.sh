#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest programs and the initramfs of one variant:
#   scripts/initramfs.sh VARIANT
# For the variants in CLIENT_VARIANTS (versions.sh) the initramfs also holds
# the real client: Debian's ppc64el QEMU (scripts/client-qemu.sh), the L2's
# kernel (this variant's vmlinux) and the L2's initramfs, for
# selftests/client/qemu_l2; out/VARIANT/initramfs.client says so to run.py.
# UAPI headers come from the patched tree (out/hdr), the kselftests are built
# from their place in the tree, the sample from samples/. The result is
# out/VARIANT/initramfs.cpio.gz; it is rewritten only when its content changed.
set -euo pipefail
. "$(dirname "$0")/versions.sh"

variant=${1:?usage: initramfs.sh VARIANT}
client=
case " $CLIENT_VARIANTS " in *" $variant "*) client=1 ;; esac
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
for dir in compat_caps uaccess; do
	make -s -C "$tree/tools/testing/selftests/powerpc/$dir" ARCH=powerpc \
		CROSS_COMPILE="$CROSS" KHDR_INCLUDES="-isystem $hdr/include" \
		OUTPUT="$tests" LDFLAGS=-static
done
make -s -C "$TOP/samples" CROSS_COMPILE="$CROSS" HDR="$hdr/include" O="$tests"
# The programs of `make bench` (not tests, not part of the series): time
# per call, and instructions per call.
for bench in compat_caps_bench compat_caps_count; do
	bench_src=$TOP/selftests/bench/$bench.c
	if [ "$bench_src" -nt "$tests/$bench" ] ||
		[ "$TOP/selftests/bench/bench_vm.h" -nt "$tests/$bench" ]; then
		"${CROSS}gcc" -O2 -Wall -Wextra -static -isystem "$hdr/include" "$bench_src" \
			-o "$tests/$bench"
	fi
done

stage=$obj/initramfs
rm -rf "$stage"
mkdir -p "$stage"/{bin,dev,proc,sys,tests,tmp,lib/modules}
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
cpio_gz() {	# DIR LEVEL: DIR as a gzipped newc archive on stdout
	find "$1" -exec touch -h -d @0 {} +
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --reproducible -R 0:0 --quiet |
		gzip "-$2n")
}

if [ -n "$client" ]; then
	"$TOP/scripts/client-qemu.sh"
	# The L2: this variant's kernel, and an initramfs that reports the mode
	# the L2 runs in.
	l2=$obj/l2-initramfs
	rm -rf "$l2"
	mkdir -p "$l2"/{bin,proc,sys}
	cp "$DL/busybox/bin/busybox" "$l2/bin/busybox"
	ln -s busybox "$l2/bin/sh"
	cp "$TOP/selftests/client/l2-init" "$l2/init"
	mkdir -p "$stage/client"
	cpio_gz "$l2" 9 >"$stage/client/l2.cpio.gz"
	rm -rf "$l2"
	"${LLVM_DIR}llvm-strip" -o "$stage/client/vmlinux" "$obj/vmlinux"
	cp -a "$CACHE/client-qemu/root/." "$stage/"
	cp "$TOP/selftests/client/qemu_l2" "$stage/tests/"
fi

new=$obj/initramfs.cpio.gz.new
# The client's QEMU and kernel are large and compress slowly in the guest's
# eyes too: a light level keeps both the build and the boot short.
cpio_gz "$stage" "$([ -n "$client" ] && echo 1 || echo 9)" >"$new"
if [ -n "$client" ]; then
	touch "$obj/initramfs.client"
else
	rm -f "$obj/initramfs.client"
fi
if cmp -s "$new" "$obj/initramfs.cpio.gz"; then
	rm "$new"
else
	mv "$new" "$obj/initramfs.cpio.gz"
	say "ok: $obj/initramfs.cpio.gz"
fi
