#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build one kernel variant: scripts/build.sh VARIANT
# The configuration is tinyconfig + configs/base.config + the variant's
# fragments (configs/VARIANT.config, which may name others on a line
# "# include: NAME"). A variant may start from one of the tree's defconfigs
# instead of tinyconfig (a line "# base: ppc64le_guest_defconfig") and name
# what to build (a line "# targets: vmlinux"; the default is vmlinux, and
# the modules when the configuration has MODULES). The kernel is left at
# out/VARIANT/vmlinux. A run with nothing changed rebuilds nothing.
set -euo pipefail
. "$(dirname "$0")/versions.sh"

tree=$TREE
obj=
lenient=
while [ $# -gt 1 ]; do
	case "$1" in
	--tree) tree=$2; shift 2 ;;	# another tree (series.sh check)
	--obj) obj=$2; shift 2 ;;	# another build directory
	--lenient) lenient=1; shift ;;	# options the tree lacks are passed over
	*) break ;;
	esac
done
variant=${1:?usage: build.sh [--tree DIR] [--obj DIR] VARIANT}
obj=${obj:-$OUT/$variant}
say() { printf '[build %s] %s\n' "$variant" "$*"; }
die() { printf '[build %s] error: %s\n' "$variant" "$*" >&2; exit 1; }

[ -f "$TOP/configs/$variant.config" ] || die "no configs/$variant.config"

includes() {	# a fragment's includes (theirs first), then the fragment
	local f=$1 inc
	for inc in $(sed -n 's/^# include: *//p' "$TOP/configs/$f.config" 2>/dev/null); do
		includes "$inc"
	done
	echo "$TOP/configs/$f.config"
}
fragments() {	# base first, then the variant with what it includes
	echo "$TOP/configs/base.config"
	includes "$1" | awk '!seen[$0]++'
}

# The settings the fragments ask for, a later fragment overriding an
# earlier one.
wanted() {
	cat "$@" | awk '
		/^CONFIG_[A-Za-z0-9_]+=/ { opt = $0; sub(/=.*/, "", opt); v[opt] = $0; if (!(opt in seen)) { seen[opt] = 1; order[n++] = opt } }
		/^# CONFIG_[A-Za-z0-9_]+ is not set/ { opt = $2; v[opt] = $0; if (!(opt in seen)) { seen[opt] = 1; order[n++] = opt } }
		END { for (i = 0; i < n; i++) print v[order[i]] }'
}

kmake() { kernel_make "$tree" "$obj" "$@"; }
export LIBCLANG_PATH=$LLVM_LIB

mkdir -p "$obj"
mapfile -t frags < <(fragments "$variant")
for f in "${frags[@]}"; do
	[ -f "$f" ] || die "${f#"$TOP"/} (included by a fragment) does not exist"
done
# The variant's own directives (not its includes').
directive() { sed -n "s/^# $1: *//p" "$TOP/configs/$variant.config" | tail -1; }
start_config=$(directive base)
start_config=${start_config:-tinyconfig}
case "$start_config" in
tinyconfig | *_defconfig) ;;
*) die "configs/$variant.config: base \"$start_config\" is neither tinyconfig nor a defconfig" ;;
esac
cfghash=$(cat "${frags[@]}" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$obj/.config-inputs" 2>/dev/null)" != "$cfghash" ] || [ ! -f "$obj/.config" ]; then
	say "configuring: $start_config + ${frags[*]##*/}"
	[ -f "$obj/.config" ] && cp "$obj/.config" "$obj/.config.prev"
	kmake "$start_config" >/dev/null
	KCONFIG_CONFIG=$obj/.config "$tree/scripts/kconfig/merge_config.sh" -m -O "$obj" \
		"$obj/.config" "${frags[@]}" >"$obj/merge.log" 2>&1
	kmake olddefconfig >/dev/null
	# Every option a fragment asks for must have its value in the result.
	# Lenient (a tree in the middle of the series): not options that this
	# tree's Kconfig does not define yet, nor those it cannot set yet.
	known=
	if [ -n "$lenient" ]; then
		known=$(grep -rhoE '^[[:space:]]*(menu)?config [A-Za-z0-9_]+' --include='Kconfig*' \
			"$tree" | awk '{print "CONFIG_" $2}' | sort -u)
	fi
	bad=0
	while IFS= read -r line; do
		if [ -n "$lenient" ]; then
			opt=${line#\# }
			opt=${opt%%[= ]*}
			grep -qxF "$opt" <<<"$known" || continue
		fi
		case "$line" in
		CONFIG_*=n) opt=${line%%=*}
			grep -q "^$opt=" "$obj/.config" && { say "  $opt wanted off, is on"; bad=1; } ;;
		CONFIG_*=*) grep -qxF "$line" "$obj/.config" && continue
			# Lenient: an option this tree defines but cannot set yet
			# (a later patch lets it, as RUST_INLINE_HELPERS on powerpc).
			if [ -n "$lenient" ] && ! grep -q "^${line%%=*}=" "$obj/.config"; then
				say "  $line passed over: this tree cannot set it"
				continue
			fi
			say "  $line did not stick"; bad=1 ;;
		"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *}
			grep -q "^$opt=" "$obj/.config" && { say "  $opt wanted off, is on"; bad=1; } ;;
		esac
	done < <(wanted "${frags[@]}")
	[ $bad = 0 ] || die "configuration does not hold what configs/ asks (see above)"
	# Keep the old file (and so its timestamp) when nothing changed.
	if [ -f "$obj/.config.prev" ] && cmp -s "$obj/.config" "$obj/.config.prev"; then
		mv "$obj/.config.prev" "$obj/.config"
	fi
	rm -f "$obj/.config.prev"
	echo "$cfghash" >"$obj/.config-inputs"
fi

if [ ! -f "$obj/vmlinux" ]; then
	say "building the kernel (about 6 minutes on 2 cores the first time)"
fi
targets=$(directive targets)
if [ -z "$targets" ]; then
	targets="vmlinux"
	grep -q '^CONFIG_MODULES=y' "$obj/.config" && targets="$targets modules"
fi

# How far the build is: the objects it has written so far, out of the
# number a whole build of this variant wrote last time on this machine
# (kept in the cache), and the time taken. On a terminal one line that
# updates; otherwise (CI, a log) a line every 30 seconds.
objcount=$CACHE/objcount-$variant
progress() {
	local total n pct line shown=0
	total=$(cat "$objcount" 2>/dev/null || echo 0)
	while sleep 2; do
		n=$(find "$obj" -name '*.o' -newer "$obj/.build-start" 2>/dev/null | wc -l)
		pct=
		[ "$total" -gt 0 ] && pct=" of about $total ($((n * 100 / total > 99 ? 99 : n * 100 / total)) %)"
		line=$(printf '[build %s] %d objects built%s, %d:%02d' "$variant" "$n" "$pct" \
			$((SECONDS / 60)) $((SECONDS % 60)))
		if [ -t 1 ]; then
			printf '\r%s ' "$line"
			shown=1
		elif [ $((SECONDS - shown)) -ge 30 ]; then
			echo "$line"
			shown=$SECONDS
		fi
	done
}
touch "$obj/.build-start"
SECONDS=0
progress &
progress_pid=$!
# shellcheck disable=SC2064
trap "kill $progress_pid 2>/dev/null || true" EXIT
# The full output goes to build.log (rustc's notes on powerpc target
# features alone are pages); its end is shown when the build fails.
status=0
# shellcheck disable=SC2086
kmake -j"$(($(nproc) + 1))" $targets >"$obj/build.log" 2>&1 || status=$?
kill $progress_pid 2>/dev/null || true
wait $progress_pid 2>/dev/null || true
trap - EXIT
if [ -t 1 ]; then printf '\r\033[K'; fi
built=$(find "$obj" -name '*.o' -newer "$obj/.build-start" | wc -l)
if [ $status = 0 ]; then
	# A whole build (no vmlinux before, or everything rebuilt) sets the
	# count the next one measures itself against.
	[ "$built" -lt "$(cat "$objcount" 2>/dev/null || echo 0)" ] || echo "$built" >"$objcount"
	[ "$built" = 0 ] || say "$built objects built in $((SECONDS / 60)):$(printf %02d $((SECONDS % 60)))"
fi
if [ $status != 0 ]; then
	grep -v -e '^ *|' -e '^ *= note' -e '^ *= help' -e 'target-feature' \
		-e '^warning: [0-9]* warnings emitted' -e '^$' "$obj/build.log" | tail -40
	die "kernel build failed (full log: ${obj#"$TOP"/}/build.log)"
fi
say "ok: ${obj#"$TOP"/}/vmlinux"
