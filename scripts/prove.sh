#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make prove-checkers: the debug variant built from the series with the
# throw-away patch of selftests/prove-checkers (never part of the series),
# booted once per planted bug by scripts/prove_checkers.py.
#   scripts/prove.sh [prove_checkers.py options]
set -euo pipefail
. "$(dirname "$0")/versions.sh"

series_with_throwaway prove "$TOP/selftests/prove-checkers"
"$TOP/scripts/build.sh" debug
"$TOP/scripts/initramfs.sh" debug
"$TOP/scripts/prove_checkers.py" --variant debug "$@"
