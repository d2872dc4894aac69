#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The patch series, as they would be sent: the prerequisites (PREREQS in
# versions.sh: patches-NAME/, out/series-NAME) and the project's series
# (patches/, out/series), which builds on them:
#   series.sh make    out/series{-NAME,}/*.patch and the cover letters
#   series.sh lint    checkpatch --strict on every patch, rustfmt on the Rust
#                     sources (the cheap checks; also run by make check)
#   series.sh check   lint, then every patch applied in order on a clean 7.3
#                     tree and the rust variant built after each one
#                     (bisectable), then CLIPPY=1, rustfmtcheck and rustdoc
#   series.sh check --quick   the same without any build (a minute)
#   series.sh am      out/series (as sent) applied with git am on a clean 7.3
#                     tree at out/am/linux, for make series-test to build and
#                     boot
set -euo pipefail
. "$(dirname "$0")/versions.sh"

tree=$OUT/linux
say() { printf '[series] %s\n' "$*"; }
# The patches of a format-patch directory, in order, without the cover letter.
patches_in() { find "$1" -maxdepth 1 -name 'v1-[0-9][0-9][0-9][0-9]-*.patch' ! -name 'v1-0000-*' | sort; }
die() { printf '[series] error: %s\n' "$*" >&2; exit 1; }

# The sender: git's user.name and user.email as the caller has them
# (GIT_CONFIG_GLOBAL, ~/.gitconfig or this clone's config). Every patch is
# From: and Signed-off-by: the sender (the DCO needs the sender's own name).
sender() {
	local name email
	name=$(git -C "$TOP" config user.name || true)
	email=$(git -C "$TOP" config user.email || true)
	[ -n "$name" ] && [ -n "$email" ] || return 1
	printf '%s <%s>\n' "$name" "$email"
}
how_to_sign='set your identity first, e.g. git config --global user.name "Your Name"; git config --global user.email you@example.org (or GIT_CONFIG_GLOBAL=FILE make series)'
# Why an identity cannot sign patches for a list (empty: it can).
unsendable() {
	case "$1" in
	*"@localhost>" | *".localdomain>" | *".invalid>" | *".example>" | *"@example."*">" | \
		*".test>" | *"@users.noreply."*)
		echo "$1 is not an address the lists can reply to" ;;
	esac
}
# The verdict on the sender, for the end of make series and series-check.
verdict() {
	local who why
	who=$(sender) || { echo "NOT sendable: no identity to sign with ($how_to_sign)"; return; }
	why=$(unsendable "$who")
	if [ -n "$why" ]; then
		echo "NOT sendable: $why ($how_to_sign)"
	else
		echo "sendable, signed off by $who"
	fi
}

# Copies of the tree's commits base..series, authored and signed off by
# $1 ("Name <email>"), as refs/sent/NAME for each series; their trees and
# messages are the tree's own.
sign() {
	local who=$1 name email prev c new s
	name=${who% <*}
	email=${who##*<}
	email=${email%>}
	local -A made=()
	prev=$(git -C "$tree" rev-parse base)
	for c in $(git -C "$tree" rev-list --reverse base..series); do
		new=$(git -C "$tree" log -1 --format=%B "$c" |
			git -C "$tree" interpret-trailers --trailer "Signed-off-by: $who" |
			GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email GIT_COMMITTER_NAME=$name \
			GIT_COMMITTER_EMAIL=$email GIT_AUTHOR_DATE=$(git -C "$tree" log -1 --format=%aI "$c") \
			git -C "$tree" commit-tree "$c^{tree}" -p "$prev")
		made[$c]=$new
		prev=$new
	done
	git -C "$tree" update-ref refs/sent/base base
	for s in $PREREQS series; do
		git -C "$tree" update-ref "refs/sent/$s" "${made[$(git -C "$tree" rev-parse "$s")]}"
	done
}

# format-patch of every series into $1-NAME and $1, version 1, signed off
# by $2, each with a cover letter where it has one (patches-NAME/cover-letter;
# a single patch goes without), addressed as get_maintainer.pl says
# (scripts/addresses.py, with patches-NAME/addresses). The series before the
# project's own each apply on the base alone; the project's series names
# them in prerequisite-patch-id.
format() {
	local prev=base s cover dir
	sign "$2"
	rm -rf "$1"
	for s in $PREREQS; do
		dir=$1-$s
		rm -rf "$dir"
		cover=
		[ ! -f "$TOP/patches-$s/cover-letter" ] || cover=--cover-letter
		git -C "$tree" format-patch -q $cover -v1 -o "$dir" "refs/sent/$prev..refs/sent/$s"
		base_line "$dir"
		python3 "$TOP/scripts/addresses.py" "$tree" "$dir" "$TOP/patches-$s/addresses"
		prev=$s
	done
	# The project's own: a second implementation, sent as an RFC.
	git -C "$tree" format-patch -q --rfc --cover-letter --base=base -v1 -o "$1" \
		"refs/sent/$prev..refs/sent/series"
	base_line "$1"
	python3 "$TOP/scripts/addresses.py" "$tree" "$1" "$TOP/patches/addresses"
}

# The base as upstream names it (BASE_UPSTREAM in versions.sh) in the
# cover letter, or the only patch, of the series in $1, where format-patch
# wrote the tree's own base commit, which no one else has; without it, no
# base-commit: line (the cover letters say what the base is).
base_line() {
	local f
	f=$(ls "$1"/v1-0000-*.patch 2>/dev/null || ls "$1"/*.patch | tail -1)
	sed -i '/^base-commit: /d' "$f"
	[ -z "$BASE_UPSTREAM" ] || sed -i "0,/^-- \$/s//base-commit: $BASE_UPSTREAM\n-- /" "$f"
}

# The patches of every series, in the order they apply.
all_patches() {
	local s
	for s in $PREREQS; do patches_in "$1-$s"; done
	patches_in "$1"
}

kmake() { kernel_make "$tree" "$@"; }	# objdir, args...

lint() {
	local dir=$OUT/series-lint bad=0 out
	format "$dir" "$(sender || echo "series lint <lint@localhost>")"
	say "checkpatch --strict on $(all_patches "$dir" | wc -l) patches (${PREREQS// /, }, then the series)"
	local allowed
	allowed=$(grep -v -e '^#' -e '^$' "$TOP/patches/checkpatch-allowed" | cut -f1 | paste -sd'|')
	for p in $(all_patches "$dir"); do
		out=$(perl "$tree/scripts/checkpatch.pl" --strict --terse --show-types \
			--no-summary "$p" 2>&1) || true
		[ -n "$out" ] || continue
		if echo "$out" | grep -v -E ":(${allowed}):" | grep -q .; then
			echo "$out" | grep -v -E ":(${allowed}):"
			bad=1
		fi
		echo "$out" | grep -E ":(${allowed}):" | sed 's/^/  allowed (patches\/checkpatch-allowed): /'
	done
	say "rustfmt (the kernel's .rustfmt.toml) on rust/"
	(cd "$TOP/rust" && rustfmt --edition 2021 --config-path "$tree/.rustfmt.toml" --check \
		book3s_hv_compat.rs compat_modes.rs compat_modes/cases.rs host.rs host_tests.rs) || bad=1
	say "rustfmt on the Rust files the series changes in the tree"
	local rs
	rs=$(git -C "$tree" diff --name-only --diff-filter=AM base series -- '*.rs')
	# shellcheck disable=SC2086
	[ -z "$rs" ] || (cd "$tree" && rustfmt --edition 2021 --config-path .rustfmt.toml \
		--check $rs) || bad=1
	[ $bad = 0 ] || die "lint found problems (above)"
	say "lint: clean"
}

cover() {
	local dir=$OUT/series summary=$OUT/logs/summary.json
	[ -f "$summary" ] || die "$summary missing: run make check (or make run) first"
	local who
	who=$(sender) || die "no identity to sign the patches with: $how_to_sign"
	format "$dir" "$who"
	python3 "$TOP/scripts/cover_letter.py" "$TOP/patches/cover-letter" "$summary" \
		"$dir/v1-0000-cover-letter.patch"
	local s d
	for s in $PREREQS; do
		[ ! -f "$TOP/patches-$s/cover-letter" ] ||
			python3 "$TOP/scripts/cover_letter.py" "$TOP/patches-$s/cover-letter" - \
				"$dir-$s/v1-0000-cover-letter.patch"
	done
	for d in $(for s in $PREREQS; do echo "$dir-$s"; done) "$dir"; do
		say "$(ls "$d" | wc -l) files in ${d#"$TOP"/}:"
		ls "$d" | sed 's/^/  /'
	done
	say "written, addressed from get_maintainer.pl; $(verdict)"
}

# A clean checkout of the 7.3 base at $1, as a worktree of out/linux.
base_worktree() {
	local wt=$1
	git -C "$tree" worktree remove --force "$wt" 2>/dev/null || rm -rf "$wt"
	git -C "$tree" worktree prune
	mkdir -p "$(dirname "$wt")"
	git -C "$tree" worktree add -q --detach "$wt" base
}

# git am of patch $2 in worktree $1, as a reader of the list would apply it.
am_one() {
	git -C "$1" -c user.name=check -c user.email=check@localhost am -q "$2" ||
		die "$(basename "$2") does not apply on a clean 7.3 tree"
}

# check [--quick]: --quick applies every patch but builds none (no build
# after each, no CLIPPY=1, rustfmtcheck or rustdoc build): the checks of
# the patches themselves, in a minute.
check() {
	local quick=${1:-}
	lint
	local wt=$OUT/bisect obj=$OUT/bisect-build n=0
	if [ "$quick" = --quick ]; then
		say "quick: each patch applied on a clean 7.3 tree, none built"
	else
		say "bisectability: each patch applied on a clean 7.3 tree, rust variant built after each"
	fi
	base_worktree "$wt"
	local saved_tree=$tree
	tree=$wt
	mkdir -p "$obj"
	for p in $(all_patches "$OUT/series-lint"); do
		n=$((n + 1))
		am_one "$wt" "$p"
		say "  [$n] $(git -C "$wt" log -1 --format=%s)"
		[ "$quick" != --quick ] || continue
		# Configure again: an option a patch adds (the KUnit suite's)
		# then takes the value configs/ asks for.
		rm -f "$obj/.config-inputs"
		"$TOP/scripts/build.sh" --tree "$wt" --obj "$obj" --lenient rust >/dev/null ||
			die "the tree does not build after $(basename "$p") (log: ${obj#"$TOP"/}/build.log)"
	done
	# The tree git am made is the tree make check builds and boots.
	local am made
	am=$(git -C "$wt" rev-parse 'HEAD^{tree}')
	made=$(git -C "$saved_tree" rev-parse 'series^{tree}')
	[ "$am" = "$made" ] ||
		die "git am gives tree $am, make check tests tree $made (patches/ and out/linux differ)"
	say "  git am result = the tree make check tests (tree $am)"
	if [ "$quick" = --quick ]; then
		stable_check "$wt"
		tree=$saved_tree
		git -C "$tree" worktree remove --force "$wt"
		say "check --quick: every patch applies; checkpatch and rustfmt clean (nothing built)"
		say "$(verdict)"
		return
	fi
	grep -q '^CONFIG_KVM_BOOK3S_HV_COMPAT_KUNIT_TEST=y' "$obj/.config" ||
		die "the KUnit suite is not configured in the last build"
	# Passed over (lenient) before the rust-inline series; set after it.
	grep -q '^CONFIG_RUST_INLINE_HELPERS=y' "$obj/.config" ||
		die "the C helpers are not inlined in the last build"
	say "CLIPPY=1, rustfmtcheck, rustdoc on the last one"
	kmake "$obj" -j"$(($(nproc) + 1))" CLIPPY=1 vmlinux >"$obj/clippy.log" 2>&1 ||
		die "CLIPPY=1 build failed (log: ${obj#"$TOP"/}/clippy.log)"
	if grep -n -e '^warning' -e '^error' "$obj/clippy.log" | grep -v -e 'target-feature' \
		-e 'warnings emitted'; then
		die "clippy warnings (above; log: ${obj#"$TOP"/}/clippy.log)"
	fi
	kmake "$obj" rustfmtcheck || die "rustfmtcheck failed"
	kmake "$obj" rustdoc >"$obj/rustdoc.log" 2>&1 ||
		die "rustdoc failed (log: ${obj#"$TOP"/}/rustdoc.log)"
	if grep -n '^warning' "$obj/rustdoc.log" | grep -v -e 'target-feature' -e 'warnings emitted'; then
		die "rustdoc warnings (above)"
	fi
	stable_check "$wt"
	tree=$saved_tree
	git -C "$tree" worktree remove --force "$wt"
	say "check: every patch applies and builds; checkpatch, rustfmt, clippy, rustdoc clean"
	say "$(verdict)"
}

# Each series before the project's own alone on a clean 7.3 tree, then its
# stable-tagged patches alone; nothing in the project's series for stable.
stable_check() {
	local wt=$1 s p stable
	say "each series before the project's own, alone on a clean 7.3 tree; then its stable-tagged patches alone"
	for s in $PREREQS; do
		git -C "$wt" checkout -q -f --detach base
		for p in $(patches_in "$OUT/series-lint-$s"); do am_one "$wt" "$p"; done
		stable=$(grep -l '^Cc: stable@vger.kernel.org' $(patches_in "$OUT/series-lint-$s") || true)
		git -C "$wt" checkout -q -f --detach base
		for p in $stable; do am_one "$wt" "$p"; done
		say "  $s: $(patches_in "$OUT/series-lint-$s" | wc -l) patches apply on 7.3; $(echo "$stable" | grep -c . || true) marked for stable, which apply on 7.3 without the others"
	done
	for p in $(patches_in "$OUT/series-lint"); do
		! grep -q '^Cc: stable@vger.kernel.org' "$p" ||
			die "$(basename "$p"): the project's series builds on the others, so nothing in it is for stable"
	done
}

# out/series/*.patch, as a reader of the list would apply them: git am on a
# clean checkout of the 7.3 base.
am() {
	local dir=$OUT/series wt=$OUT/am/linux p
	[ -n "$(patches_in "$dir" 2>/dev/null)" ] || die "no patches in $dir: run make series"
	local s
	for s in $PREREQS; do
		[ -n "$(patches_in "$dir-$s" 2>/dev/null)" ] ||
			die "no patches in $dir-$s: run make series"
	done
	base_worktree "$wt"
	for p in $(all_patches "$dir"); do
		am_one "$wt" "$p"
		say "  git am $(basename "$p"): ok"
	done
	say "out/am/linux: 7.3 + ${PREREQS// / + } + out/series ($(git -C "$wt" rev-list --count base..HEAD) commits)"
}

case "${1:-}" in
make) cover ;;
am) am ;;
lint) lint ;;
check) check "${2:-}" ;;
*) die "usage: series.sh make|lint|check [--quick]|am" ;;
esac
