#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make prove-checkers: the debug variant built from the series with the
# throw-away patch of selftests/prove-checkers (never part of the series),
# booted once per planted bug by scripts/prove_checkers.py.
#   scripts/prove.sh [prove_checkers.py options]
set -euo pipefail
. "$(dirname "$0")/versions.sh"

say() { printf '[prove] %s\n' "$*"; }
die() { printf '[prove] error: %s\n' "$*" >&2; exit 1; }

prove=$OUT/prove
wt=$prove/linux
patch=$TOP/selftests/prove-checkers
g() { git -C "$wt" "$@"; }
head=$(git -C "$TREE" rev-parse series) || die "no series branch in ${TREE#"$TOP"/}: make tree"
hash=$( (echo "$head"; cat "$patch"/*) | sha256sum | cut -d' ' -f1)
if [ "$(cat "$prove/.tree" 2>/dev/null)" != "$hash" ] || ! g rev-parse -q HEAD >/dev/null 2>&1; then
	say "worktree of the series + the planted bugs at ${wt#"$TOP"/}"
	rm -rf "$wt"
	git -C "$TREE" worktree prune
	mkdir -p "$prove"
	git -C "$TREE" worktree add -q --detach "$wt" "$head"
	place_patch "$patch" "$wt" || die "selftests/prove-checkers/glue.diff does not apply to the series"
	g -c user.name=kvm-ppc-compat -c user.email=kvm-ppc-compat@localhost \
		commit -q -F "$patch/message"
	echo "$hash" >"$prove/.tree"
fi

# The same relative paths under OUT as make check's build, so that ccache
# serves every object the patch does not touch.
export OUT=$prove KPC_TREE=$wt
"$TOP/scripts/build.sh" debug
"$TOP/scripts/initramfs.sh" debug
"$TOP/scripts/prove_checkers.py" --variant debug "$@"
