#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make prove-checkers: the debug variant built from the series with the
# throw-away patch of selftests/prove-checkers (never part of the series),
# booted once per planted bug by scripts/prove_checkers.py.
#   scripts/prove.sh [prove_checkers.py options]
set -euo pipefail
. "$(dirname "$0")/versions.sh"

die() { printf '[prove] error: %s\n' "$*" >&2; exit 1; }

prove=$OUT/prove
wt=$prove/linux
git -C "$TREE" rev-parse -q --verify series >/dev/null ||
	die "no series branch in ${TREE#"$TOP"/}: make tree"
patched_worktree "$wt" series "$TOP/selftests/prove-checkers" ||
	die "selftests/prove-checkers/glue.diff does not apply to the series"

# The same relative paths under OUT as make check's build, so that ccache
# serves every object the patch does not touch.
export OUT=$prove KPC_TREE=$wt
"$TOP/scripts/build.sh" debug
"$TOP/scripts/initramfs.sh" debug
"$TOP/scripts/prove_checkers.py" --variant debug "$@"
