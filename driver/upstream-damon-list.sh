#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Cache the list of upstream DAMON files of the base tarball, and their
# sha256 sums, in build/upstream-damon/ (files.txt, sha256.txt).  The
# files are hashed in a temporary directory and never kept.  compose.sh
# and patches.sh both call it, maybe at the same time: runs take turns,
# and each list is renamed into place whole, tarball.id last.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$BUILD/upstream-damon
id="$(stat -c '%n %s %Y' "$TARBALL")"
fresh() {
	[[ -f $out/tarball.id && $(cat "$out/tarball.id") == "$id" &&
	   -s $out/files.txt && -s $out/sha256.txt ]]
}
fresh && exit 0
serialize upstream-damon-list
fresh && exit 0
say "listing upstream DAMON files of $TARBALL"
mkdir -p "$out"
tmp=$(mktemp -d "$BUILD/.upstream-damon.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# From the pristine tree if it is complete (the tarball's files, without
# decompressing it twice more), else from the tarball.
src=
[[ -d $PRISTINE && -e $BUILD/.unpacked-upstream-$TOPDIR ]] && src=$PRISTINE
if [[ -n $src ]]; then
	(cd "$src" && find . -mindepth 1 \( -type d -printf "$TOPDIR/%P/\n" \) \
		-o -printf "$TOPDIR/%P\n") > "$tmp/tarball-list.txt"
else
	tar -tJf "$TARBALL" > "$tmp/tarball-list.txt"
fi

# Patterns relative to the tree: the owned paths and the translations.
patterns=()
for p in "${OWNED_PATHS[@]}" "${UPSTREAM_ONLY_GLOBS[@]}"; do
	if [[ $p == */ ]]; then
		patterns+=("$TOPDIR/$p*")
	else
		patterns+=("$TOPDIR/$p")
	fi
done
: > "$tmp/files.txt"
while read -r path; do
	[[ $path == */ ]] && continue
	for pat in "${patterns[@]}"; do
		# shellcheck disable=SC2053 # glob match on purpose
		if [[ $path == $pat ]]; then
			echo "${path#"$TOPDIR"/}" >> "$tmp/files.txt"
			break
		fi
	done
done < "$tmp/tarball-list.txt"
[[ -s $tmp/files.txt ]] || die "no upstream DAMON files found in $TARBALL"

if [[ -z $src ]]; then
	mkdir "$tmp/x"
	sed "s|^|$TOPDIR/|" "$tmp/files.txt" > "$tmp/members"
	tar -xJf "$TARBALL" -C "$tmp/x" -T "$tmp/members"
	src=$tmp/x/$TOPDIR
fi
(cd "$src" && xargs -d '\n' sha256sum < "$tmp/files.txt") > "$tmp/sha256.txt"
echo "$id" > "$tmp/tarball.id"
for f in tarball-list.txt files.txt sha256.txt tarball.id; do
	mv -f "$tmp/$f" "$out/$f"
done
say "$(wc -l < "$out/files.txt") upstream DAMON files listed"
