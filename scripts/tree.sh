#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare the kernel tree at out/linux: Debian's linux-source-7.3 unpacked into
# a git repository with one base commit (tag "base"), and on top of it, one
# commit per step: first the series sent before the project's own (PREREQS
# in versions.sh, patches-NAME/, each as branch NAME), then the project's
# series (patches/*/, branch "series"), which builds on them.
#
# The commits here are the build tree's, made with a local identity and no
# sign-off; series.sh makes the patches to send from them with the
# sender's own identity.
#
# A step is a directory patches/NNNN-slug/ holding:
#   message   the commit message (subject on the first line)
#   files     optional; lines "SRC DST": copy project file SRC to tree path DST
#   glue.diff optional; a diff applied to the tree with git apply
#
# The series is re-applied only when one of its inputs changed, so that a
# build with nothing changed rebuilds nothing.
set -euo pipefail
. "$(dirname "$0")/versions.sh"

tree=$OUT/linux
say() { printf '[tree] %s\n' "$*"; }
die() { printf '[tree] error: %s\n' "$*" >&2; exit 1; }

g() { git -C "$tree" -c user.name="build tree" -c user.email="build@localhost" "$@"; }

if ! git -C "$tree" rev-parse -q --verify base >/dev/null 2>&1; then
	tarball=$DL/linux-source/usr/src/linux-source-$KVER_SERIES.tar.xz
	[ -f "$tarball" ] || die "$tarball missing: run 'make setup'"
	say "unpacking $(basename "$tarball") into $tree (about 15 s)"
	rm -rf "$tree" "$tree.tmp"
	mkdir -p "$tree.tmp"
	tar -xf "$tarball" -C "$tree.tmp" --strip-components=1
	mv "$tree.tmp" "$tree"
	say "making it a git repository with a base commit (about a minute)"
	ver=$(cat "$DL/linux-source/.version" 2>/dev/null || echo "$KSRC_VERSION")
	g init -q -b base-branch
	g config core.autocrlf false
	g config gc.auto 0
	g add -A -f .
	GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z" \
		g commit -q -m "Linux $(make -s -C "$tree" kernelversion) from Debian linux-source-$KVER_SERIES $ver"
	g tag base
fi

# Everything the series is made of, hashed.
inputs() {
	local d
	for d in $(for s in $PREREQS; do echo "$TOP/patches-$s/"*/; done) "$TOP"/patches/*/; do
		[ -d "$d" ] || continue
		echo "== $d"
		cat "$d/message"
		[ -f "$d/glue.diff" ] && cat "$d/glue.diff"
		if [ -f "$d/files" ]; then
			cat "$d/files"
			while read -r src _; do
				[ -n "$src" ] && [ "${src:0:1}" != "#" ] && cat "$TOP/$src"
			done <"$d/files"
		fi
	done
}
hash=$(inputs | sha256sum | cut -d' ' -f1)
stamp=$OUT/.series-applied
if [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ] && [ -z "$(g status --porcelain)" ]; then
	exit 0
fi

g checkout -q -f -B series base
g clean -q -fdx
for series in $PREREQS series; do
	dir=patches-$series
	[ "$series" != series ] || dir=patches
	say "applying $dir/"
	for d in "$TOP/$dir"/*/; do
		[ -d "$d" ] || continue
		place_patch "$d" "$tree" || die "$(basename "$d")/glue.diff does not apply"
		g commit -q -F "$d/message" || die "$(basename "$d") made no change"
		say "  $(g log -1 --format=%s)"
	done
	[ "$series" = series ] || g branch -q -f "$series" HEAD
done
echo "$hash" >"$stamp"
