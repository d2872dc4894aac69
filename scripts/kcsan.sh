#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make kcsan: the kcsan variant built from the series with the throw-away
# patch of selftests/kcsan-known (never part of a series: it marks for
# KCSAN the per-CPU mmiowb state's accesses, the one known race of these
# boots, explained in its message), booted in the scenarios given.
#   scripts/kcsan.sh SCENARIOS PROGS
set -euo pipefail
. "$(dirname "$0")/versions.sh"

scenarios=${1:?usage: kcsan.sh SCENARIOS PROGS}
progs=${2:?usage: kcsan.sh SCENARIOS PROGS}
die() { printf '[kcsan] error: %s\n' "$*" >&2; exit 1; }

k=$OUT/kcsan-known
wt=$k/linux
git -C "$TREE" rev-parse -q --verify series >/dev/null ||
	die "no series branch in ${TREE#"$TOP"/}: make tree"
patched_worktree "$wt" series "$TOP/selftests/kcsan-known" ||
	die "selftests/kcsan-known/glue.diff does not apply to the series"

# The same relative paths under OUT as make check's builds, so that ccache
# serves what it can.
export OUT=$k KPC_TREE=$wt
"$TOP/scripts/build.sh" kcsan
"$TOP/scripts/initramfs.sh" kcsan
"$TOP/scripts/run.py" --variants kcsan --scenarios "$scenarios" --run "$progs"
