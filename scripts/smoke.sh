#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make smoke: every target the README names that make check does not run,
# in a quick form that still fails when the target breaks. .ci/run runs it
# after make check, whose builds, boots and summary it reuses.
#   scripts/smoke.sh [TARGET,...]    (default: all of them, in this order)
#
# Each target runs through make, as a user would type it, with the
# variables that make it quick; what the quick form leaves out is said in
# its row and in the README.
#
# A target that makes a tree of its own (a worktree of out/linux with its
# builds, about 2 GB: out/am, out/released, out/prove, out/kcsan-known) has
# it removed once it passed, so that the run needs the room of one such tree
# at a time rather than of all: with every one kept, CI's disk ran out in
# the last target. What existed before the run is never removed; a failed
# target's tree is kept for its logs; SMOKE_KEEP=1 keeps them all.
set -euo pipefail
. "$(dirname "$0")/versions.sh"

# target|make variables, separated by ";"|what the quick form leaves out
STEPS=(
	"all||nothing: the default scenario, booted"
	"series||nothing (signed by a smoke identity, so NOT sendable)"
	"series-check|SERIES_CHECK=--quick|the build after each patch, clippy, rustdoc"
	"series-test|CHECK_RUNS=c;VARIANTS=c;CHECK_SCENARIOS=v2-p10|rust and debug, all scenarios but v2-p10"
	"configs|CONFIGS=powernv_defconfig:rust:m|the other six rows"
	"released|RELEASED_SCENARIOS=v2-p10|all scenarios but v2-p10"
	"bench|BENCH_SIZES=no;BENCH_ARGS=--boots=1 --rounds=2 --calls=2000 --batches=50|the size builds, two boots of each variant, most calls"
	"prove-checkers||nothing"
	"kcsan|KCSAN_SCENARIOS=v2-p10|three of the four scenarios"
)

say() { printf '[smoke] %s\n' "$*"; }
die() { printf '[smoke] error: %s\n' "$*" >&2; exit 1; }

want=${1:-}
known=$(printf '%s\n' "${STEPS[@]}" | cut -d'|' -f1 | paste -sd,)
for t in ${want//,/ }; do
	[[ ",$known," == *",$t,"* ]] || die "unknown target $t (known: $known)"
done

# make series signs with git's identity; a fixed one here, so that the
# run does not depend on the machine's (its verdict: NOT sendable).
export GIT_CONFIG_COUNT=2
export GIT_CONFIG_KEY_0=user.name GIT_CONFIG_VALUE_0="make smoke"
export GIT_CONFIG_KEY_1=user.email GIT_CONFIG_VALUE_1="smoke@localhost"

# The entries of OUT the target made that hold a worktree (E/.git or
# E/linux/.git): removed, and git told of it.
remove_scratch() {	# entries-before
	local e removed=()
	for e in $(comm -13 <(echo "$1") <(ls -A "$OUT" | sort)); do
		[ -f "$OUT/$e/.git" ] || [ -f "$OUT/$e/linux/.git" ] || continue
		rm -rf "${OUT:?}/$e"
		removed+=("$e")
	done
	[ ${#removed[@]} -eq 0 ] && return
	git -C "$TREE" worktree prune
	say "removed the tree it made: ${removed[*]/#/out/} (SMOKE_KEEP=1 keeps it)"
}

logdir=$OUT/logs/smoke
mkdir -p "$logdir"
rows=() failed=()
for step in "${STEPS[@]}"; do
	IFS='|' read -r target vars left <<<"$step"
	[ -z "$want" ] || [[ ",$want," == *",$target,"* ]] || continue
	log=$logdir/$target.log
	say "make $target ${vars//;/ } (log: ${log#"$TOP"/})"
	start=$SECONDS
	before=$(ls -A "$OUT" | sort)
	args=()
	[ -z "$vars" ] || IFS=';' read -r -a args <<<"$vars"
	if make -C "$TOP" --no-print-directory "$target" "${args[@]}" >"$log" 2>&1; then
		verdict=ok
	else
		verdict=FAILED
		failed+=("$target")
		tail -n 15 "$log" | sed 's/^/    /'
		! grep -q 'No space left on device' "$log" ||
			say "the disk is full ($(df -h --output=avail "$OUT" | tail -n 1 | tr -d ' ') left on the file system of out/)"
	fi
	[ "$verdict" = FAILED ] || [ -n "${SMOKE_KEEP:-}" ] || remove_scratch "$before"
	say "out/ now holds $(du -sh "$OUT" | cut -f1)"
	t=$((SECONDS - start))
	rows+=("$(printf '%-15s %-7s %4dm%02ds  left out: %s' "$target" "$verdict" \
		$((t / 60)) $((t % 60)) "$left")")
	say "${rows[-1]}"
done

echo
printf '%s\n' "${rows[@]}"
[ ${#failed[@]} -eq 0 ] || die "failed: ${failed[*]} (logs in ${logdir#"$TOP"/})"
say "every target works in its quick form"
