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
series_with_throwaway kcsan-known "$TOP/selftests/kcsan-known"
"$TOP/scripts/build.sh" kcsan
"$TOP/scripts/initramfs.sh" kcsan
"$TOP/scripts/run.py" --variants kcsan --scenarios "$scenarios" --run "$progs"
