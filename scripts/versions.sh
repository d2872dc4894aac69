# SPDX-License-Identifier: GPL-2.0
# Pinned versions and shared paths; sourced by the other scripts.

KVER_SERIES=7.3
KSRC_VERSION=7.3.4-1~bpo13+1
# The base as upstream names it, for the base-commit: line of the series;
# empty while the tree is Debian's (its commit is no one else's), and the
# cover letters say what the base is instead.
BASE_UPSTREAM=
BINDGEN_VERSION=0.72.1

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
OUT=${OUT:-$TOP/out}
# Downloads and host tools are kept outside the clone, so that a fresh clone
# on the same machine does not fetch 300 MB again.
CACHE=${KPC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvm-ppc-compat}
DL=$CACHE/dl
# The kernel tree the builds use: out/linux (made by tree.sh from patches/),
# or another one, e.g. the tree `git am` of out/series made (make series-test).
TREE=${KPC_TREE:-$OUT/linux}
# The series sent before the project's own (patches/), in the order they
# apply: rust-bug (the kernel crate with CONFIG_BUG on powerpc), rust-inline
# (C helpers and small accessors inlined into Rust on powerpc), uaccess,
# irq-replay (lockdep), kvm-fixes (the C implementation's fixes). Each
# patches-NAME/ is applied as branch NAME of the tree and formatted into
# out/series-NAME; each applies on the 7.3 base alone (series.sh check).
PREREQS="rust-bug rust-inline uaccess irq-replay kvm-fixes"
TOOLS=$CACHE/tools/bindgen-$BINDGEN_VERSION

LLVM_DIR=/usr/lib/llvm-22/bin/
LLVM_LIB=/usr/lib/llvm-22/lib
CROSS=powerpc64le-linux-gnu-

# ccache, when installed (make setup does), serves the C objects that
# builds have in common; the cache lives beside the downloads, and paths
# are taken relative to out/, so that another clone (CI's) hits too.
KCC=()
if command -v ccache >/dev/null; then
	export CCACHE_DIR=$CACHE/ccache CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
	export CCACHE_BASEDIR=$OUT
	KCC=(CC="ccache ${LLVM_DIR}clang")
fi

# make in kernel tree $1 with build directory $2, with this project's
# toolchain (LLVM, rust-src, bindgen) and ccache.
#   kernel_make TREE OBJ ARGS...
kernel_make() {
	local tree=$1 obj=$2
	shift 2
	make -s -C "$tree" O="$obj" ARCH=powerpc LLVM="$LLVM_DIR" "${KCC[@]}" \
		RUST_LIB_SRC="$DL/rust-src/usr/lib/rustlib/src/rust/library" \
		BINDGEN="$TOOLS/bin/bindgen" LIBCLANG_PATH="$LLVM_LIB" "$@"
}

# rustup's toolchain, should the caller's PATH lack it (a CI shell, sudo).
case ":$PATH:" in
*":$HOME/.cargo/bin:"*) ;;
*) [ -d "$HOME/.cargo/bin" ] && PATH=$HOME/.cargo/bin:$PATH && export PATH ;;
esac

# The real client run inside the nested host: Debian's ppc64el QEMU, and the
# variants whose initramfs carries it (make check runs it in those).
CLIENT_QEMU_VERSION=1:10.0.2+ds-2+deb13u1~bpo12+1
CLIENT_VARIANTS=${CLIENT_VARIANTS:-c rust}
# The PowerVM-like L0 (scripts/l0-qemu.sh): Debian's QEMU source, patched.
L0_QEMU_VERSION=$CLIENT_QEMU_VERSION

# A private APT configuration in DIR, with the sources list read from stdin,
# so that the machine's own lists and status are not touched; exported as
# APT_CONFIG. ARCH (optional): the one architecture it resolves for.
#   private_apt DIR [ARCH] <<EOF ... EOF
private_apt() {
	local dir=$1 arch=${2:-}
	mkdir -p "$dir"/{lists/partial,archives/partial,etc}
	cat >"$dir/etc/sources.list"
	{
		cat <<EOF
Dir::Etc::SourceList "$dir/etc/sources.list";
Dir::Etc::SourceParts "/nonexistent";
Dir::Etc::Preferences "/nonexistent";
Dir::Etc::PreferencesParts "/nonexistent";
Dir::State::Lists "$dir/lists";
Dir::State::status "/dev/null";
Dir::Cache "$dir";
Dir::Cache::archives "$dir/archives";
APT::Sandbox::User "root";
APT::Install-Recommends "false";
Debug::NoLocking "true";
EOF
		[ -z "$arch" ] || printf 'APT::Architecture "%s";\nAPT::Architectures { "%s"; };\n' \
			"$arch" "$arch"
	} >"$dir/etc/apt.conf"
	export APT_CONFIG=$dir/etc/apt.conf
}

# Place one directory of patches/ in the git tree TREE: copy the files it
# lists, apply its glue.diff, stage both; the caller commits. Fails when the
# glue does not apply.
place_patch() {
	local d=$1 tree=$2 src dst
	if [ -f "$d/files" ]; then
		while read -r src dst; do
			[ -z "$src" ] || [ "${src:0:1}" = "#" ] && continue
			mkdir -p "$(dirname "$tree/$dst")"
			cp "$TOP/$src" "$tree/$dst"
			git -C "$tree" add -f "$dst"
		done <"$d/files"
	fi
	[ ! -f "$d/glue.diff" ] || git -C "$tree" apply --index "$d/glue.diff"
}

# A worktree of the tree at WT: REV with the patch directories DIR... placed
# on it, a commit each (make released, make prove-checkers). Made again only
# when REV or what the directories hold changed (stamp: WT/../.tree).
# The series with one throw-away patch DIR (never part of a series) in
# OUT/NAME/linux, and OUT and KPC_TREE pointed there: the same relative
# paths as make check's builds, so that ccache serves what DIR leaves alone.
series_with_throwaway() {	# name dir
	local k=$OUT/$1
	git -C "$TREE" rev-parse -q --verify series >/dev/null || {
		printf 'error: no series branch in %s: make tree\n' "${TREE#"$TOP"/}" >&2
		return 1
	}
	patched_worktree "$k/linux" series "$2" || {
		printf 'error: %s/glue.diff does not apply to the series\n' "${2#"$TOP"/}" >&2
		return 1
	}
	export OUT=$k KPC_TREE=$k/linux
}

patched_worktree() {	# wt rev dir...
	local wt=$1 rev=$2 stamp hash d
	shift 2
	stamp=$(dirname "$wt")/.tree
	hash=$( (git -C "$TREE" rev-parse "$rev"
		for d in "$@"; do
			cat "$d"/*
			[ ! -f "$d/files" ] || cut -d' ' -f1 "$d/files" | sed "s|^|$TOP/|" | xargs cat
		done) | sha256sum | cut -d' ' -f1)
	if [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ] &&
		git -C "$wt" rev-parse -q HEAD >/dev/null 2>&1; then
		return 0
	fi
	rm -rf "$wt"
	git -C "$TREE" worktree prune
	mkdir -p "$(dirname "$wt")"
	git -C "$TREE" worktree add -q --detach "$wt" "$rev"
	for d in "$@"; do
		place_patch "$d" "$wt" || return 1
		git -C "$wt" -c user.name=kvm-ppc-compat -c user.email=kvm-ppc-compat@localhost \
			commit -q -F "$d/message"
	done
	echo "$hash" >"$stamp"
}

# Stage ppc64el binaries unpacked from Debian packages (dpkg -x into
# UNPACKED) for the guest: each PROGRAM (a path under UNPACKED) into
# ROOT/usr/bin, the libraries they need (NEEDED, followed recursively)
# into ROOT/usr/lib/powerpc64le-linux-gnu, and the loader into ROOT/lib64
# (libc6's /lib64 link is absolute, so it is not followed in UNPACKED).
# Prints the number of libraries; fails on one that no package holds.
#   stage_binaries UNPACKED ROOT PROGRAM...
stage_binaries() {
	local unpacked=$1 root=$2 f lib path d
	shift 2
	local -A seen=()
	local queue=()
	_stage_find_lib() {
		for d in lib/powerpc64le-linux-gnu usr/lib/powerpc64le-linux-gnu; do
			[ -e "$unpacked/$d/$1" ] && { echo "$unpacked/$d/$1"; return 0; }
		done
		return 1
	}
	mkdir -p "$root/usr/bin" "$root/usr/lib/powerpc64le-linux-gnu" "$root/lib64"
	for f in "$@"; do
		cp "$unpacked/$f" "$root/usr/bin/"
		queue+=("$unpacked/$f")
	done
	while [ ${#queue[@]} -gt 0 ]; do
		f=${queue[0]}
		queue=("${queue[@]:1}")
		for lib in $("${CROSS}readelf" -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			[ -n "${seen[$lib]:-}" ] && continue
			seen[$lib]=1
			path=$(_stage_find_lib "$lib") ||
				{ echo "$lib (needed by ${f##*/}) is in no package" >&2; return 1; }
			cp -L "$path" "$root/usr/lib/powerpc64le-linux-gnu/$lib"
			queue+=("$path")
		done
	done
	path=$(_stage_find_lib ld64.so.2) || { echo "no ld64.so.2 in the packages" >&2; return 1; }
	cp -L "$path" "$root/lib64/ld64.so.2"
	echo ${#seen[@]}
}
