#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Compose build/linux-source-6.12: the base kernel from Debian's tarball,
# with upstream DAMON removed, ours put in its place and our few changes
# to other kernel files (patches/series) applied.
#
# Files are synced with rsync --checksum and without their times, so only
# files whose content changed get a new mtime and kernel rebuilds stay
# incremental.  Run it as often as you like.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[[ -r $TARBALL ]] || die "$TARBALL missing (apt-get install linux-source-6.12)"

# Two composes at once (make test and make lint started together) would
# sync into the same tree: they take turns.
serialize compose

# 1. Unpack the tarball, once, atomically (see unpack in lib.sh).  The
# pristine tree first (3b and make patches need it too): ours is then a
# copy of it, and the tarball is decompressed once.
"$DRIVER/pristine-tree.sh"
marker=$BUILD/.unpacked-$TOPDIR
if [[ ! -e $marker ]]; then
	if [[ -f $TREE/Makefile && -d $TREE/mm ]]; then
		say "using the already unpacked $TREE"
	else
		say "unpacking $TARBALL"
		discard "$TREE"
		unpack "$TREE"
	fi
	touch "$marker"
fi

# 2. The list of upstream DAMON files and their hashes, cached.
"$DRIVER/upstream-damon-list.sh"
list=$BUILD/upstream-damon/files.txt
sums=$BUILD/upstream-damon/sha256.txt

# 3. Sync ours in; this also removes upstream's files in our directories.
rsync_opts=(-rlp --checksum --itemize-changes
	    --exclude-from="$REPO/.gitignore" --filter=':- .gitignore')
for p in "${OWNED_PATHS[@]}"; do
	if [[ $p == */ ]]; then
		if [[ -d $REPO/$p ]]; then
			mkdir -p "$TREE/$p"
			rsync "${rsync_opts[@]}" --delete "$REPO/$p" "$TREE/$p"
		else
			rm -rf "${TREE:?}/$p"
		fi
	elif [[ -f $REPO/$p ]]; then
		rsync "${rsync_opts[@]}" "$REPO/$p" "$TREE/$p"
	else
		rm -f "${TREE:?}/$p"
	fi
done

# 3b. Our core-mm patches (patches/series), applied to pristine copies of
# the files they touch, so that composing again is idempotent and a file
# dropped from the series goes back to the base.  Only files whose content
# changed are written, keeping kernel rebuilds incremental.
apply_core_mm_patches() {
	local done_list=$BUILD/core-mm-files.txt scratch p f out
	local -a series=() now=() before=()
	[[ -f $REPO/patches/series ]] &&
		mapfile -t series < <(grep -vE '^[[:space:]]*(#|$)' \
					"$REPO/patches/series")
	for p in "${series[@]}"; do
		[[ -f $REPO/patches/$p ]] || die "patches/series names" \
			"patches/$p, which does not exist"
	done
	((${#series[@]} == 0)) ||
		mapfile -t now < <(sed -n 's#^+++ b/##p; s#^--- a/##p' \
			"${series[@]/#/$REPO/patches/}" | sort -u)
	[[ -f $done_list ]] && mapfile -t before < "$done_list"
	((${#now[@]} + ${#before[@]} > 0)) || return 0
	for f in "${now[@]}"; do
		for p in "${OWNED_PATHS[@]}" MAINTAINERS; do
			[[ $f != "$p"* ]] || die "a core-mm patch changes $f," \
				"a file of DAMON's own: change it in the repository"
		done
	done
	"$DRIVER/pristine-tree.sh"
	scratch=$(mktemp -d "$BUILD/.core-mm.XXXXXX")
	# shellcheck disable=SC2064 # expand now
	trap "rm -rf '$scratch'" EXIT
	for f in "${now[@]}" "${before[@]}"; do
		[[ -f $PRISTINE/$f ]] || continue	# a file a patch adds
		mkdir -p "$scratch/$(dirname "$f")"
		cp "$PRISTINE/$f" "$scratch/$f"
	done
	for p in "${series[@]}"; do
		if ! out=$(patch -p1 -d "$scratch" -N --fuzz=0 \
				--no-backup-if-mismatch --reject-file=- \
				< "$REPO/patches/$p" 2>&1); then
			printf '%s\n' "$out" >&2
			die "patches/$p does not apply to the base tree" \
				"(exactly, without fuzz): regenerate it against" \
				"$PRISTINE"
		fi
	done
	for f in "${now[@]}" "${before[@]}"; do
		if [[ ! -f $scratch/$f ]]; then
			rm -f "${TREE:?}/$f"
		elif ! cmp -s "$scratch/$f" "$TREE/$f"; then
			say "core-mm patches: $f"
			mkdir -p "$(dirname "$TREE/$f")"
			cp "$scratch/$f" "$TREE/$f.core-mm"
			mv -f "$TREE/$f.core-mm" "$TREE/$f"
		fi
	done
	rm -rf "$scratch"
	trap - EXIT
	if ((${#now[@]} > 0)); then
		printf '%s\n' "${now[@]}" | atomic_write "$done_list"
	else
		rm -f "$done_list"
	fi
}
apply_core_mm_patches

# 4. Remove upstream DAMON files we do not provide at all (translations).
for g in "${UPSTREAM_ONLY_GLOBS[@]}"; do
	for d in $TREE/$g; do
		[[ -e $d ]] && rm -rf "$d"
	done
done

# 5. MAINTAINERS: our paragraph replaces upstream's DATA ACCESS MONITOR one.
"$DRIVER/maintainers.sh" "$TREE/MAINTAINERS" "$REPO/MAINTAINERS"

# 6. Checks: no upstream DAMON file may survive, none of ours may be a
# copy of an upstream one, and the documentation indexes must resolve.
bad=0
while read -r p; do
	[[ -e $TREE/$p ]] || continue
	if [[ ! -e $REPO/$p ]]; then
		echo "ERROR: upstream DAMON file survives: $p" >&2
		bad=1
	fi
done < "$list"
while read -r f; do
	[[ -s $f ]] || continue
	sum=$(sha256sum < "$f" | cut -d' ' -f1)
	if grep -q "^$sum " "$sums"; then
		echo "ERROR: ${f#"$TREE"/} is identical to upstream" \
		     "$(grep "^$sum " "$sums" | head -1 | awk '{print $2}')" >&2
		bad=1
	fi
done < <(for p in "${OWNED_PATHS[@]}"; do
		[[ -e $TREE/$p ]] && find "$TREE/$p" -type f
	 done)
for idx in Documentation/mm Documentation/admin-guide/mm; do
	grep -q '^ *damon/index$' "$TREE/$idx/index.rst" ||
		{ echo "ERROR: $idx/index.rst lost its damon/index entry" >&2; bad=1; }
	[[ -f $TREE/$idx/damon/index.rst ]] ||
		{ echo "ERROR: $idx/damon/index.rst is missing" >&2; bad=1; }
done
((bad == 0)) || die "composition check failed"
say "composed $TREE"
