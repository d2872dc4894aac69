# SPDX-License-Identifier: GPL-2.0
# Pinned versions and shared paths; sourced by the other scripts.

KVER_SERIES=7.3
KSRC_VERSION=7.3.4-1~bpo13+1
BINDGEN_VERSION=0.71.1

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
OUT=${OUT:-$TOP/out}
# Downloads and host tools are kept outside the clone, so that a fresh clone
# on the same machine does not fetch 300 MB again.
CACHE=${KPC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvm-ppc-compat}
DL=$CACHE/dl
# The kernel tree the builds use: out/linux (made by tree.sh from patches/),
# or another one, e.g. the tree `git am` of out/series made (make series-test).
TREE=${KPC_TREE:-$OUT/linux}
TOOLS=$CACHE/tools

LLVM_DIR=/usr/lib/llvm-19/bin/
LLVM_LIB=/usr/lib/llvm-19/lib
CROSS=powerpc64le-linux-gnu-

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
