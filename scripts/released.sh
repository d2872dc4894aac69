#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Linux 7.3 as released, for comparison: the series' base commit with only
# the kernel crate's build fix (patches-rust-bug/: every variant has
# CONFIG_BUG and CONFIG_RUST, with which 7.3's kernel crate does not build
# on powerpc; it changes no behaviour of the interface) and the selftests
# patches on top (the series' and the uaccess reproducer, without its fix),
# built as variant c (out/released/c) and booted in every scenario with
# make check's programs and the real client.
#   scripts/released.sh PROGS [SCENARIOS]    (SCENARIOS: run.py's, all by default)
# A report, not a verdict: run.py judges it against the scenario table like
# any kernel, and what fails there is what the series fixes. The results
# (out/released/logs/summary.json) give the cover letter its
# "7.3 as released" column.
set -euo pipefail
. "$(dirname "$0")/versions.sh"

progs=${1:?usage: released.sh PROGS [SCENARIOS]}
scenarios=${2:-all}
die() { printf '[released] error: %s\n' "$*" >&2; exit 1; }

rel=$OUT/released
wt=$rel/linux
# shellcheck disable=SC2046
patched_worktree "$wt" base "$TOP"/patches-rust-bug/*/ \
	$(ls -d "$TOP"/patches-uaccess/*-selftests-powerpc-uaccess-* \
		"$TOP"/patches/*-selftests-powerpc-compat-caps) ||
	die "a patch does not apply to base"

# The same relative paths under OUT as make check's build, so that ccache
# serves every object the series does not touch.
export OUT=$rel KPC_TREE=$wt
"$TOP/scripts/build.sh" --lenient c
"$TOP/scripts/initramfs.sh" c
"$TOP/scripts/run.py" --variants c --scenarios "$scenarios" --run "$progs" --client --report
