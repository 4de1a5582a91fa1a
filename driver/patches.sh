#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Turn our DAMON into a patch series against the base kernel, in
# build/patches/.  The base commit is the pristine tarball tree (cached in
# build/patches.git, made once); the series is built with git plumbing on
# a scratch index, so no 90,000-file checkout is needed.  Each patch is
# checked with checkpatch, the series is applied in order onto the base
# to prove that it applies, and its end state is compared with the
# composed tree (which make guest-kernel builds).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
serialize patches

# The patches, in order: number|subject|body.
PATCHES=(
"1|mm/damon: remove the upstream implementation|Remove the DAMON implementation, its tests, documents and their translations, to make room for a new implementation written from scratch.  Its Kconfig, which mm/Kconfig sources, is replaced by the new one, so that the tree still configures and builds with DAMON disabled."
"2|mm/damon: add the data access monitoring core|Add the public header, the trace events and the core of DAMON: monitoring contexts, targets and regions, and the kdamond thread that samples accesses and adjusts the regions."
"3|mm/damon: add the address space operation sets|Add the operation sets that check accesses for virtual address spaces of processes and for the physical address space, and apply DAMOS actions to them."
"4|mm/damon: add DAMOS, access-aware operation schemes|Add schemes that apply memory management actions to regions of a given access pattern, under quotas tuned by goals, watermarks and filters, with statistics and a walk of the regions they were tried on."
"5|mm/damon: add the sysfs interface|Add /sys/kernel/mm/damon/admin, the user interface to kdamonds, their monitoring contexts and schemes."
"6|mm/damon: add DAMON_RECLAIM, DAMON_LRU_SORT and DAMON_STAT|Add the built-in policy modules: proactive reclamation, LRU list sorting and always-on system memory monitoring, on one shared module skeleton and configured through module parameters."
"7|mm/damon: add unit tests|Add KUnit suites for DAMON and user-space unit tests of its region arithmetic under tools/testing/damon, and the end-to-end test driver the selftests use."
"8|Docs/mm/damon: document DAMON|Add the design, usage and interface documents of DAMON."
"9|selftests/damon: add DAMON selftests|Add kselftests that run DAMON against real workloads."
"10|MAINTAINERS: update the DAMON entry|List the files of the new implementation in the DAMON entry."
)
# Which patch a file of ours goes to: glob|patch, the first match wins.
# A file that matches nothing stops the script: add a line here.
FILE_GROUPS=(
	'mm/damon/Kconfig|1'
	'mm/damon/tests/*|7'
	'tools/testing/damon/*|7'
	'mm/damon/vaddr*|3'
	'mm/damon/paddr*|3'
	'mm/damon/ops-*|3'
	'mm/damon/migrate*|3'
	'mm/damon/damos.h|4'
	'mm/damon/schemes*|4'
	'mm/damon/quota*|4'
	'mm/damon/goals*|4'
	'mm/damon/apply*|4'
	'mm/damon/sysfs*|5'
	'mm/damon/modules-common*|6'
	'mm/damon/reclaim*|6'
	'mm/damon/lru_sort*|6'
	'mm/damon/stat*|6'
	'mm/damon/*|2'
	'include/linux/damon.h|2'
	'include/trace/events/damon.h|2'
	'Documentation/*|8'
	'samples/damon/*|8'
	'tools/testing/selftests/damon/*|9'
	'MAINTAINERS|10'
)
AUTHOR_NAME="DAMON project" AUTHOR_EMAIL="damon@example.invalid"

"$DRIVER/pristine-tree.sh"
"$DRIVER/upstream-damon-list.sh"
[[ -f $TREE/MAINTAINERS ]] || die "run driver/compose.sh first"

export GIT_DIR=$BUILD/patches.git
export GIT_AUTHOR_NAME=$AUTHOR_NAME GIT_AUTHOR_EMAIL=$AUTHOR_EMAIL
export GIT_COMMITTER_NAME=$AUTHOR_NAME GIT_COMMITTER_EMAIL=$AUTHOR_EMAIL
export GIT_AUTHOR_DATE=${GIT_AUTHOR_DATE:-$(date -R)}
export GIT_COMMITTER_DATE=$GIT_AUTHOR_DATE

# The base commit: the pristine tree, as is (also files .gitignore names).
if ! git rev-parse -q --verify refs/heads/base > /dev/null 2>&1; then
	say "making the base commit from $PRISTINE (once, takes a while)"
	rm -rf "$GIT_DIR"
	git init -q --bare "$GIT_DIR"
	git config core.autocrlf false
	GIT_INDEX_FILE=$GIT_DIR/base-index git --work-tree="$PRISTINE" \
		add -A -f .
	tree=$(GIT_INDEX_FILE=$GIT_DIR/base-index git write-tree)
	base=$(git commit-tree "$tree" -m "Linux $(basename "$TARBALL" .tar.xz) (Debian)")
	git update-ref refs/heads/base "$base"
	rm -f "$GIT_DIR/base-index"
fi

# Our files, as the repository has them (untracked ones too, not ignored).
owned=()
for p in "${OWNED_PATHS[@]}"; do owned+=("${p%/}"); done
mapfile -t ours < <(git -C "$REPO" --git-dir="$REPO/.git" ls-files --cached \
	--others --exclude-standard -- "${owned[@]}" MAINTAINERS | sort -u)
declare -A group=()
for f in "${ours[@]}"; do
	[[ -f $REPO/$f ]] || continue	# deleted, not yet committed
	for row in "${FILE_GROUPS[@]}"; do
		# shellcheck disable=SC2053 # glob match on purpose
		if [[ $f == ${row%|*} ]]; then
			group[$f]=${row##*|}
			break
		fi
	done
	[[ -n ${group[$f]:-} ]] || die "$f belongs to no patch: add it to FILE_GROUPS"
done

# Build the series on a scratch index (plumbing that wants a work tree
# gets an empty one: it never looks at files).
export GIT_INDEX_FILE=$BUILD/patches.index
export GIT_WORK_TREE=$BUILD/patches.empty
mkdir -p "$GIT_WORK_TREE"
git read-tree refs/heads/base
parent=$(git rev-parse refs/heads/base)
for row in "${PATCHES[@]}"; do
	IFS='|' read -r n subject body <<< "$row"
	if ((n == 1)); then
		git update-index --force-remove --stdin \
			< "$BUILD/upstream-damon/files.txt"
	fi
	for f in "${!group[@]}"; do
		[[ ${group[$f]} == "$n" ]] || continue
		if [[ $f == MAINTAINERS ]]; then
			blob=$(git hash-object -w "$TREE/MAINTAINERS")
			mode=100644
		else
			blob=$(git hash-object -w "$REPO/$f")
			mode=100644
			[[ -x $REPO/$f ]] && mode=100755
		fi
		git update-index --add --cacheinfo "$mode,$blob,$f"
	done
	tree=$(git write-tree)
	if [[ $tree == $(git rev-parse "$parent^{tree}") ]]; then
		say "patch $n ($subject): nothing yet, left out"
		continue
	fi
	parent=$(printf '%s\n\n%s\n\nSigned-off-by: %s <%s>\n' "$subject" \
		"$(fold -s -w 72 <<< "$body" | sed 's/ *$//')" \
		"$AUTHOR_NAME" "$AUTHOR_EMAIL" | git commit-tree "$tree" -p "$parent")
done
git update-ref refs/heads/series "$parent"

# -B: a file we rewrote whole (mm/damon/Kconfig) shows as all new lines,
# so that checkpatch judges it as a new file.
out=$BUILD/patches
rm -rf "$out"
git format-patch -q -B --base=base -o "$out" base..series > /dev/null
say "$(find "$out" -name "*.patch" | wc -l) patches in $out"

# Checks.  1: checkpatch on each patch.  FILE_PATH_CHANGES ("does
# MAINTAINERS need updating?") is left out: the last patch does that.
bad=0
for p in "$out"/*.patch; do
	if ! "$TREE/scripts/checkpatch.pl" --strict --no-tree -q \
			--ignore FILE_PATH_CHANGES "$p" > "$LOGS/checkpatch-$(basename "$p").log" 2>&1; then
		echo "ERROR: checkpatch: $(basename "$p"):" >&2
		head -30 "$LOGS/checkpatch-$(basename "$p").log" >&2
		bad=1
	fi
done
# 2: the patches apply in order onto the base, giving the series' tree.
export GIT_INDEX_FILE=$BUILD/patches-apply.index
git read-tree refs/heads/base
for p in "$out"/*.patch; do
	git apply --cached "$p" || { echo "ERROR: $p does not apply" >&2; bad=1; break; }
done
[[ $(git write-tree) == $(git rev-parse 'series^{tree}') ]] ||
	{ echo "ERROR: applying the patches does not give the series" >&2; bad=1; }
# 3: the series' end state is the composed tree.
while read -r f; do
	if git cat-file -e "series:$f" 2>/dev/null; then
		[[ -f $TREE/$f && $(git rev-parse "series:$f") == \
		   $(git hash-object "$TREE/$f") ]] ||
			{ echo "ERROR: $f differs from the composed tree" >&2; bad=1; }
	elif [[ -e $TREE/$f ]]; then
		echo "ERROR: $f is removed by the series but in the composed tree" >&2
		bad=1
	fi
done < <(git diff --name-only base series)
rm -f "$BUILD/patches.index" "$BUILD/patches-apply.index"
((bad == 0)) || die "the patch series has problems"
say "series OK: checkpatch clean, applies to the base, ends at the composed tree"
