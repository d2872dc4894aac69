#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything the build and the tests need on Debian bookworm.
# Idempotent: a stamp file records what is done, and each step checks for
# itself before doing anything, so a second run takes a second or two.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/versions.sh"

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

mkdir -p "$DL"

have_pkgs() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || return 1
	done
}

need_root() {
	[ "$(id -u)" = 0 ] && return 0
	if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		SUDO=sudo
		return 0
	fi
	die "this step needs root (apt-get install of: $*). Run 'sudo make setup' once."
}
SUDO=

# Debian packages installed on the build machine (bookworm, amd64).
HOST_PKGS="make bc flex bison cpio xz-utils rsync kmod perl python3 libelf-dev
libssl-dev gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross clang-22 lld-22 ccache
llvm-22 libclang-22-dev file git python3-ply python3-git
ninja-build libfdt-dev pkgconf patch python3-venv"
# QEMU 10 (and, to build the patched L0 from its source, meson >= 1.5 and
# pycotap, which its configure insists on).
BPO_PKGS="qemu-system-ppc meson python3-pycotap"

apt_sources() {
	local f=/etc/apt/sources.list.d/kvm-ppc-compat.sources
	local p=/etc/apt/preferences.d/kvm-ppc-compat
	[ -f "$f" ] && [ -f "$p" ] && [[ $(dpkg --print-foreign-architectures) == *ppc64el* ]] && return 0
	need_root "apt sources"
	say "adding apt sources: bookworm-backports, trixie-backports (pinned low), arch ppc64el"
	$SUDO tee "$f" >/dev/null <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Architectures: amd64
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie-backports
Components: main
Architectures: amd64
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	$SUDO tee "$p" >/dev/null <<PIN
Package: *
Pin: release n=bookworm-backports
Pin-Priority: 100

Package: *
Pin: release n=trixie-backports
Pin-Priority: 50
PIN
	$SUDO dpkg --add-architecture ppc64el
	rm -f "$DL/.apt-updated"
}

# (Output captured first: with pipefail, grep -q closing the pipe early would
# make the producer's SIGPIPE count as a failure.)
lists_ok() {
	local m
	m=$(apt-cache madison "linux-source-$KVER_SERIES" rust-src qemu-system-ppc \
		busybox-static:ppc64el 2>/dev/null)
	[[ $m == *"linux-source-$KVER_SERIES"* && $m == *rust-src* &&
		$m == *bookworm-backports* && $m == *ppc64el* ]]
}

apt_update() {
	[ -f "$DL/.apt-updated" ] && return 0
	need_root "apt-get update"
	say "apt-get update (a mirror hiccup on one index is tolerated; what matters is below)"
	local try
	for try in 1 2 3; do
		$SUDO apt-get update -q >/dev/null 2>&1 && break
		lists_ok && break
		sleep 5
	done
	lists_ok || die "apt-get update did not give the package lists this needs"
	touch "$DL/.apt-updated"
}

host_packages() {
	# shellcheck disable=SC2086
	have_pkgs $HOST_PKGS $BPO_PKGS && return 0
	need_root "$HOST_PKGS $BPO_PKGS"
	say "installing build and test packages (clang-22, cross gcc, QEMU 10 ...)"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
		$HOST_PKGS >/dev/null
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
		-t bookworm-backports $BPO_PKGS >/dev/null
}

# Download a package of another suite or architecture and unpack it, never install.
fetch_unpack() {	# name version destdir
	local name=$1 ver=$2 dest=$3
	[ -f "$dest/.done" ] && return 0
	say "downloading $name $ver"
	rm -rf "$dest"
	mkdir -p "$dest"
	(cd "$DL" && apt-get download -q -o APT::Sandbox::User=root "$name=$ver" >/dev/null) ||
		die "apt-get download $name=$ver failed"
	dpkg -x "$DL/${name}_${ver//:/%3a}"_*.deb "$dest"
	touch "$dest/.done"
}

newest_version() {	# package: newest version any suite offers
	apt-cache madison "$1" | awk '{print $3}' | sort -V | tail -1
}

kernel_source() {
	local ver=$KSRC_VERSION
	if ! apt-cache madison "linux-source-$KVER_SERIES" | awk '{print $3}' | grep -qx "$ver"; then
		ver=$(newest_version "linux-source-$KVER_SERIES")
		[ -n "$ver" ] || die "no linux-source-$KVER_SERIES in the registry"
		say "NOTE: linux-source-$KVER_SERIES $KSRC_VERSION is gone; using $ver"
	fi
	fetch_unpack "linux-source-$KVER_SERIES" "$ver" "$DL/linux-source"
}

rust_src() {
	local want
	want=$(rustc --version | awk '{print $2}')
	local ver
	ver=$(apt-cache madison rust-src | awk '{print $3}' | grep "^$want+" | sort -V | tail -1)
	[ -n "$ver" ] || die "no Debian rust-src for rustc $want"
	fetch_unpack rust-src "$ver" "$DL/rust-src"
}

busybox() {
	[ -f "$DL/busybox/.done" ] && return 0
	local ver
	ver=$(apt-cache madison busybox-static | awk '/bookworm\/main/ && /ppc64el/ {print $3; exit}')
	[ -n "$ver" ] || ver=$(apt-cache show busybox-static:ppc64el 2>/dev/null | awk '/^Version:/ {print $2; exit}')
	[ -n "$ver" ] || die "no busybox-static:ppc64el in the registry"
	say "downloading busybox-static:ppc64el $ver"
	rm -rf "$DL/busybox" && mkdir -p "$DL/busybox"
	(cd "$DL" && apt-get download -q -o APT::Sandbox::User=root "busybox-static:ppc64el=$ver" >/dev/null)
	dpkg -x "$DL"/busybox-static_*_ppc64el.deb "$DL/busybox"
	touch "$DL/busybox/.done"
}

bindgen() {
	if [ -x "$TOOLS/bin/bindgen" ] && "$TOOLS/bin/bindgen" --version | grep -q "$BINDGEN_VERSION"; then
		return 0
	fi
	say "building bindgen-cli $BINDGEN_VERSION with cargo (about 2 minutes, once)"
	LIBCLANG_PATH=$LLVM_LIB cargo install -q --root "$TOOLS" bindgen-cli \
		--version "$BINDGEN_VERSION" --locked
}

# checkpatch runs scripts/spdxcheck.py with the python3 of PATH, which may
# not be Debian's (python3-ply covers that one).
python_ply() {
	python3 -c 'import ply, git' 2>/dev/null && return 0
	say "installing ply, GitPython for $(command -v python3) (checkpatch's SPDX check)"
	python3 -m pip install -q ply GitPython 2>/dev/null ||
		python3 -m pip install -q --break-system-packages ply GitPython
}

apt_sources
apt_update
host_packages
# bindgen (CPU, once) builds while the sources download (network).
mkdir -p "$TOOLS"
bindgen_log=$TOOLS/bindgen-build.log
bindgen >"$bindgen_log" 2>&1 &
bindgen_pid=$!
kernel_source
rust_src
busybox
python_ply
if ! wait "$bindgen_pid"; then
	cat "$bindgen_log" >&2
	die "building bindgen failed (log above: $bindgen_log)"
fi
cat "$bindgen_log"
say "toolchain ready"
