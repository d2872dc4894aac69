#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The feature in the configurations people build (make configs), rather
# than this project's tinyconfig-based variants: each ROW below is a
# defconfig of the tree with RUST=y and the compat-mode interface in Rust
# (or, once, in C), KVM-HV built in (y) or as a module (m). Enough of each
# is built to show that the feature compiles and links there: the kernel
# crate (rust/) and arch/powerpc/kvm/, whose objects link into built-in.a
# (y) or, with ld -r, into kvm-hv.o (m), the module's object. Not built:
# the rest of vmlinux and modpost (a defconfig's whole tree is thousands of
# objects more, and nothing of it depends on the feature).
#
#   scripts/configs.sh [ROW...]    ROW: DEFCONFIG:IMPL:KVM, e.g.
#                                  powernv_defconfig:rust:m
#
# Build directories: out/configs/DEFCONFIG-IMPL-KVM; C objects come from
# ccache.
set -euo pipefail
. "$(dirname "$0")/versions.sh"

# powernv_defconfig has no PPC_PSERIES (the kernel is never a partition);
# ppc64le_defconfig has 64 KiB pages and modules; ppc64le_guest_defconfig
# is what distributions start a guest kernel from.
ALL_ROWS="powernv_defconfig:rust:y powernv_defconfig:rust:m
ppc64le_defconfig:rust:y ppc64le_defconfig:rust:m
ppc64le_guest_defconfig:rust:y ppc64le_guest_defconfig:rust:m
ppc64le_defconfig:c:m"

say() { printf '[configs] %s\n' "$*"; }
die() { printf '[configs] error: %s\n' "$*" >&2; exit 1; }

tree=$TREE
[ -d "$tree" ] || die "no kernel tree at ${tree#"$TOP"/}: make tree"

kmake() { kernel_make "$tree" "$@"; }	# objdir, args...

# The settings a row asks for on top of its defconfig.
fragment() {	# impl kvm
	cat <<EOF
CONFIG_RUST=y
CONFIG_VIRTUALIZATION=y
CONFIG_KVM_BOOK3S_64=$2
CONFIG_KVM_BOOK3S_64_HV=$2
# CONFIG_WERROR is not set
EOF
	# Rust needs MODVERSIONS off, or GENDWARFKSYMS (and so DWARF).
	echo "# CONFIG_MODVERSIONS is not set"
	if [ "$1" = rust ]; then
		echo "CONFIG_KVM_BOOK3S_HV_COMPAT_RUST=y"
	else
		echo "# CONFIG_KVM_BOOK3S_HV_COMPAT_RUST is not set"
	fi
}

build_row() {
	local row=$1 defconfig impl kvm obj frag line bad=0 start=$SECONDS
	IFS=: read -r defconfig impl kvm <<<"$row"
	case "$defconfig:$impl:$kvm" in
	*_defconfig:rust:[ym] | *_defconfig:c:[ym]) ;;
	*) die "$row: not DEFCONFIG:IMPL:KVM (e.g. powernv_defconfig:rust:m)" ;;
	esac
	# No ':' in a path make is given.
	obj=$OUT/configs/$defconfig-$impl-$kvm
	mkdir -p "$obj"
	frag=$obj/feature.config
	fragment "$impl" "$kvm" >"$frag"
	kmake "$obj" "$defconfig" >"$obj/config.log" 2>&1 ||
		die "$row: make $defconfig failed (${obj#"$TOP"/}/config.log)"
	KCONFIG_CONFIG=$obj/.config "$tree/scripts/kconfig/merge_config.sh" -m -O "$obj" \
		"$obj/.config" "$frag" >"$obj/merge.log" 2>&1
	kmake "$obj" olddefconfig >/dev/null
	while read -r line; do
		case "$line" in
		CONFIG_*=*) grep -qxF "$line" "$obj/.config" || { say "  $row: $line did not stick"; bad=1; } ;;
		"# CONFIG_"*) opt=${line#\# }; opt=${opt%% *}
			! grep -q "^$opt=" "$obj/.config" || { say "  $row: $opt is on"; bad=1; } ;;
		esac
	done <"$frag"
	[ $bad = 0 ] || die "$row: the configuration does not hold the feature (above)"
	# prepare builds the kernel crate, which the Rust objects of
	# arch/powerpc/kvm/ need.
	if ! kmake "$obj" -j"$(($(nproc) + 1))" prepare >"$obj/build.log" 2>&1 ||
		! kmake "$obj" -j"$(($(nproc) + 1))" arch/powerpc/kvm/ >>"$obj/build.log" 2>&1; then
		grep -v -e '^ *|' -e '^ *= note' -e '^ *= help' -e 'target-feature' \
			-e '^warning: [0-9]* warnings emitted' -e '^$' "$obj/build.log" | tail -30
		die "$row: build failed (full log: ${obj#"$TOP"/}/build.log)"
	fi
	# What shows the feature is there: the Rust object when it is built,
	# and the object the feature links into.
	local linked want
	if [ "$kvm" = m ]; then linked=$obj/arch/powerpc/kvm/kvm-hv.o; else linked=$obj/arch/powerpc/kvm/built-in.a; fi
	[ -f "$linked" ] || die "$row: ${linked#"$obj"/} was not made"
	want=kvmppc_get_compat_caps
	[ "$impl" = c ] || want=kvmppc_compat_caps_ioctl
	# The symbols first: grep -q on a pipe would fail it (pipefail, SIGPIPE).
	local syms
	syms=$("${LLVM_DIR}llvm-nm" "$linked" 2>/dev/null)
	grep -q " [Tt] $want\$" <<<"$syms" || die "$row: $want is not in ${linked#"$obj"/}"
	say "$row: ok, $want in ${linked#"$obj"/} ($(grep -c '^CONFIG_PPC_64K_PAGES=y' "$obj/.config" |
		sed 's/1/64 KiB/;s/0/4 KiB/') pages, PSERIES $(grep -q '^CONFIG_PPC_PSERIES=y' "$obj/.config" &&
		echo y || echo n); $(((SECONDS - start) / 60)):$(printf %02d $(((SECONDS - start) % 60))))"
}

rows=("$@")
[ ${#rows[@]} -gt 0 ] || read -r -d '' -a rows <<<"$ALL_ROWS" || true
for row in "${rows[@]}"; do
	build_row "$row"
done
say "${#rows[@]} configurations: the feature builds in each"
