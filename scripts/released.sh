#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Linux 7.3 as released, for comparison: the series' base commit with only
# the selftests patches on top (the series' and the uaccess reproducer,
# without its fix), built as variant c (out/released/c) and booted in every
# scenario with make check's programs and the real client.
#   scripts/released.sh PROGS
# A report, not a verdict: run.py judges it against the scenario table like
# any kernel, and what fails there is what the series fixes. The results
# (out/released/logs/summary.json) give the cover letter its
# "7.3 as released" column.
set -euo pipefail
. "$(dirname "$0")/versions.sh"

progs=${1:?usage: released.sh PROGS}
say() { printf '[released] %s\n' "$*"; }
die() { printf '[released] error: %s\n' "$*" >&2; exit 1; }

rel=$OUT/released
wt=$rel/linux
g() { git -C "$wt" "$@"; }
sels=$(ls -d "$TOP"/patches-uaccess/*-selftests-powerpc-uaccess-* \
	"$TOP"/patches/*-selftests-powerpc-compat-caps)
hash=$( (git -C "$TREE" rev-parse base
	for sel in $sels; do
		cat "$sel"/*
		cut -d' ' -f1 "$sel/files" | sed "s|^|$TOP/|" | xargs cat
	done) | sha256sum | cut -d' ' -f1)
if [ "$(cat "$rel/.tree" 2>/dev/null)" != "$hash" ] || ! g rev-parse -q HEAD >/dev/null 2>&1; then
	say "worktree of the base commit + the selftests patches at ${wt#"$TOP"/}"
	rm -rf "$wt"
	git -C "$TREE" worktree prune
	mkdir -p "$rel"
	git -C "$TREE" worktree add -q --detach "$wt" base
	for sel in $sels; do
		place_patch "$sel" "$wt" || die "$(basename "$sel")/glue.diff does not apply to base"
		g -c user.name=kvm-ppc-compat -c user.email=kvm-ppc-compat@localhost \
			commit -q -F "$sel/message"
	done
	echo "$hash" >"$rel/.tree"
fi

# The same relative paths under OUT as make check's build, so that ccache
# serves every object the series does not touch.
export OUT=$rel KPC_TREE=$wt
"$TOP/scripts/build.sh" --lenient c
"$TOP/scripts/initramfs.sh" c
"$TOP/scripts/run.py" --variants c --scenarios all --run "$progs" --client --report
