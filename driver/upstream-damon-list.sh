#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Cache the list of upstream DAMON files of the base tarball, and their
# sha256 sums, in build/upstream-damon/ (files.txt, sha256.txt).  The
# files are hashed in a temporary directory and never kept.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$BUILD/upstream-damon
id="$(stat -c '%n %s %Y' "$TARBALL")"
if [[ -f $out/tarball.id && $(cat "$out/tarball.id") == "$id" &&
      -s $out/files.txt && -s $out/sha256.txt ]]; then
	exit 0
fi
say "listing upstream DAMON files of $TARBALL"
mkdir -p "$out"
tar -tJf "$TARBALL" > "$out/tarball-list.txt"

# Patterns relative to the tree: the owned paths and the translations.
patterns=()
for p in "${OWNED_PATHS[@]}" "${UPSTREAM_ONLY_GLOBS[@]}"; do
	if [[ $p == */ ]]; then
		patterns+=("$TOPDIR/$p*")
	else
		patterns+=("$TOPDIR/$p")
	fi
done
: > "$out/files.txt"
while read -r path; do
	[[ $path == */ ]] && continue
	for pat in "${patterns[@]}"; do
		# shellcheck disable=SC2053 # glob match on purpose
		if [[ $path == $pat ]]; then
			echo "${path#"$TOPDIR"/}" >> "$out/files.txt"
			break
		fi
	done
done < "$out/tarball-list.txt"
[[ -s $out/files.txt ]] || die "no upstream DAMON files found in $TARBALL"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s|^|$TOPDIR/|" "$out/files.txt" > "$tmp/members"
tar -xJf "$TARBALL" -C "$tmp" -T "$tmp/members"
(cd "$tmp/$TOPDIR" && xargs -d '\n' sha256sum < "$out/files.txt") \
	> "$out/sha256.txt"
echo "$id" > "$out/tarball.id"
say "$(wc -l < "$out/files.txt") upstream DAMON files listed"
