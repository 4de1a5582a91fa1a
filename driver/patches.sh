#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Turn our DAMON into a patch series against the base kernel, in
# build/patches/.  The base commit is the pristine tarball tree (cached in
# build/patches.git, made once); the series is built with git plumbing on
# a scratch index, so no 90,000-file checkout is needed.  Each patch is
# checked with checkpatch, the series is applied in order onto the base
# to prove that it applies, its end state is compared with the composed
# tree (which make guest-kernel builds), and every patch that changes
# what a build reads is built: mm/damon/ with W=1, warnings as errors
# (from the first core-mm patch on, the files those patches change as
# well), then a check that no patch calls code only a later one adds.
#
# Each patch brings its own Makefile lines and Kconfig options: the
# Makefiles and the Kconfig under mm/damon/ are cut down, for each patch,
# to the files and options the series has by then (driver/patches-
# makefile.awk, driver/patches-kconfig.awk, KCONFIG_GROUPS below).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
serialize patches

# The patches, in order: number|subject|body.  The row numbered "mm"
# stands for our changes to kernel files outside DAMON's own: each patch
# of patches/series becomes a commit of its own, with its own subject and
# message, right after the DAMON core that declares the hooks they call.
PATCHES=(
"1|mm/damon: remove the upstream implementation|Remove the DAMON implementation, its tests, documents and their translations, to make room for a new implementation written from scratch.  Its Kconfig, which mm/Kconfig sources, keeps only its license tag, so that the tree still configures and builds; each of the following patches adds the Kconfig options and Makefile lines of the code it brings."
"2|mm/damon: add the data access monitoring core and DAMOS|Add the public header, the trace events and the core of DAMON: monitoring contexts, targets and regions, and the kdamond thread that samples accesses and adjusts the regions.  With it come DAMOS, access-aware operation schemes: memory management actions applied to regions of a given access pattern, under quotas tuned by goals, watermarks and filters, with statistics and a walk of the regions they were tried on.  The kdamond applies the schemes in its loop, so the two come in one patch."
"mm|patches/series|"
"3|mm/damon: add the address space operation sets|Add the operation sets that check accesses for virtual address spaces of processes and for the physical address space, and apply DAMOS actions to them."
"4|mm/damon: add the sysfs interface|Add /sys/kernel/mm/damon/admin, the user interface to kdamonds, their monitoring contexts and schemes."
"5|mm/damon: add DAMON_RECLAIM, DAMON_LRU_SORT and DAMON_STAT|Add the built-in policy modules: proactive reclamation, LRU list sorting and always-on system memory monitoring, on one shared module skeleton and configured through module parameters."
"6|mm/damon: add unit tests|Add KUnit suites for DAMON and user-space unit tests of its region arithmetic under tools/testing/damon, and the end-to-end test driver the selftests use."
"7|Docs/mm/damon: document DAMON|Add the design, usage and interface documents of DAMON."
"8|selftests/damon: add DAMON selftests|Add kselftests that run DAMON against real workloads."
"9|MAINTAINERS: update the DAMON entry|List the files of the new implementation in the DAMON entry."
)
# Which patch a file of ours goes to: glob|patch, the first match wins.
# A file that matches nothing stops the script: add a line here.
FILE_GROUPS=(
	'mm/damon/Kconfig|1'
	'mm/damon/tests/*|6'
	'tools/testing/damon/*|6'
	'mm/damon/vaddr*|3'
	'mm/damon/paddr*|3'
	'mm/damon/blocks.c|3'
	'mm/damon/ops-*|3'
	'mm/damon/migrate*|3'
	'mm/damon/sysfs*|4'
	'mm/damon/modules-common*|5'
	'mm/damon/reclaim*|5'
	'mm/damon/lru_sort*|5'
	'mm/damon/stat*|5'
	'mm/damon/acma*|5'
	'mm/damon/*|2'
	'include/linux/damon.h|2'
	'include/trace/events/damon.h|2'
	'Documentation/*|7'
	'samples/damon/*|7'
	'tools/testing/selftests/damon/*|8'
	'MAINTAINERS|9'
)
# Which patch a Kconfig option of mm/damon/Kconfig comes with: the patch
# of the code it builds or configures (glob|patch, the first match wins).
# An option that matches nothing stops the script: add a line here.
KCONFIG_GROUPS=(
	'DAMON|2'
	'DAMON_PAGE_FAULT|2'
	'DAMON_DEBUG_SANITY|2'
	'DAMON_VADDR|3'
	'DAMON_PADDR|3'
	'DAMON_SYSFS|4'
	'DAMON_RECLAIM|5'
	'DAMON_LRU_SORT|5'
	'DAMON_STAT*|5'
	'DAMON_ACMA|5'
	'DAMON_KUNIT_TEST|6'
	'DAMON_E2E_DRIVER|6'
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
declare -A kgroup=()
mapfile -t ksyms < <(awk -v list=1 -f "$DRIVER/patches-kconfig.awk" \
	"$REPO/mm/damon/Kconfig")
for s in "${ksyms[@]}"; do
	for row in "${KCONFIG_GROUPS[@]}"; do
		# shellcheck disable=SC2053 # glob match on purpose
		if [[ $s == ${row%|*} ]]; then
			kgroup[$s]=${row##*|}
			break
		fi
	done
	[[ -n ${kgroup[$s]:-} ]] ||
		die "Kconfig option $s belongs to no patch: add it to KCONFIG_GROUPS"
done

# Stage the Kconfig and the Makefiles under mm/damon/ as they are at
# patch N: the options, objects and directories of the files the series
# has by then.  An object list under CONFIG_X where X comes later would
# be dead code in that patch: refused.
stage_cut_files() {	# n
	local f g dir have keep blob sym
	for f in "${!group[@]}"; do
		((group[$f] <= $1)) || continue
		case $f in
		mm/damon/Kconfig)
			keep=""
			for sym in "${!kgroup[@]}"; do
				((kgroup[$sym] <= $1)) && keep+="$sym "
			done
			blob=$(awk -v keep="$keep" -f "$DRIVER/patches-kconfig.awk" \
				"$REPO/$f" | git hash-object -w --stdin)
			;;
		mm/damon/Makefile | mm/damon/*/Makefile)
			dir=${f%Makefile}
			have=""
			for g in "${!group[@]}"; do
				[[ $g == "$dir"* ]] && ((group[$g] <= $1)) &&
					have+="${g#"$dir"} "
			done
			blob=$(awk -v have="$have" -f "$DRIVER/patches-makefile.awk" \
				"$REPO/$f" | git hash-object -w --stdin)
			while read -r sym; do
				[[ -n ${kgroup[$sym]:-} ]] || continue
				((kgroup[$sym] <= $1)) || die "patch $1: $f" \
					"builds objects under CONFIG_$sym, which" \
					"comes in patch ${kgroup[$sym]} (KCONFIG_GROUPS)"
			done < <(git cat-file blob "$blob" |
				 grep -oE '^[A-Za-z0-9_]+-\$\(CONFIG_[A-Z0-9_]+\)' |
				 sed 's/.*(CONFIG_//; s/)$//')
			;;
		*) continue ;;
		esac
		git update-index --add --cacheinfo "100644,$blob,$f"
	done
}

# An option must come with code that uses it, not before.
check_option_users() {	# n tree
	local sym
	for sym in "${!kgroup[@]}"; do
		((kgroup[$sym] == $1)) || continue
		git grep -q -w -e "CONFIG_$sym" "$2" -- mm include ||
			die "patch $1 adds the Kconfig option $sym, but no code" \
				"of it or an earlier patch uses CONFIG_$sym"
	done
}

# Commit each patch of patches/series onto $parent, on the scratch index,
# with the subject, message and author of its mail.  Sets core_mm_commits
# and core_mm_files (the files they change).
commit_core_mm_patches() {
	local p mail info tree author email subject
	local -a series=()
	[[ -f $REPO/patches/series ]] &&
		mapfile -t series < <(grep -vE '^[[:space:]]*(#|$)' \
					"$REPO/patches/series")
	info=$(mktemp -d "$BUILD/.core-mm-mail.XXXXXX")
	for p in "${series[@]}"; do
		mail=$REPO/patches/$p
		git apply --cached "$mail" ||
			die "patches/$p does not apply to the series"
		mapfile -t -O "${#core_mm_files[@]}" core_mm_files < <(git apply \
			--numstat "$mail" | cut -f3)
		git mailinfo "$info/msg" "$info/diff" < "$mail" > "$info/head"
		subject=$(sed -n 's/^Subject: //p' "$info/head")
		author=$(sed -n 's/^Author: //p' "$info/head")
		email=$(sed -n 's/^Email: //p' "$info/head")
		[[ -n $subject && -n $author && -n $email ]] ||
			die "patches/$p: no From: or Subject: header"
		tree=$(git write-tree)
		parent=$(printf '%s\n\n%s\n' "$subject" "$(cat "$info/msg")" |
			GIT_AUTHOR_NAME=$author GIT_AUTHOR_EMAIL=$email \
			git commit-tree "$tree" -p "$parent")
		core_mm_commits+=("$parent")
	done
	rm -rf "$info"
}

# Build the series on a scratch index (plumbing that wants a work tree
# gets an empty one: it never looks at files).
export GIT_INDEX_FILE=$BUILD/patches.index
export GIT_WORK_TREE=$BUILD/patches.empty
mkdir -p "$GIT_WORK_TREE"
git read-tree refs/heads/base
parent=$(git rev-parse refs/heads/base)
core_mm_commits=() core_mm_files=()
for row in "${PATCHES[@]}"; do
	IFS='|' read -r n subject body <<< "$row"
	if [[ $n == mm ]]; then
		commit_core_mm_patches
		continue
	fi
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
	stage_cut_files "$n"
	tree=$(git write-tree)
	check_option_users "$n" "$tree"
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
# $JOBS patches at a time (one by one, they took about a minute); a
# patch's exit status goes to its .rc file.
bad=0
# shellcheck disable=SC2317 # called through xargs
checkpatch_one() {	# patch: its log and exit status under $LOGS
	local log
	log=$LOGS/checkpatch-$(basename "$1").log
	"$TREE/scripts/checkpatch.pl" --strict --no-tree -q \
		--ignore FILE_PATH_CHANGES "$1" > "$log" 2>&1
	echo $? > "$log.rc"
}
export -f checkpatch_one
export TREE LOGS
rm -f "$LOGS"/checkpatch-*.log.rc
# shellcheck disable=SC2016 # expanded by the bash that xargs runs
printf '%s\0' "$out"/*.patch | xargs -0 -n 1 -P "$JOBS" bash -c \
	'checkpatch_one "$1"' checkpatch_one
for p in "$out"/*.patch; do
	log=$LOGS/checkpatch-$(basename "$p").log
	if [[ $(cat "$log.rc" 2>/dev/null) != 0 ]]; then
		echo "ERROR: checkpatch: $(basename "$p"):" >&2
		head -30 "$log" >&2
		bad=1
	fi
	rm -f "$log.rc"
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
((bad == 0)) &&
	say "series OK: checkpatch clean, applies to the base, ends at the composed tree"

# 4: every patch builds.  build/patches-work/src is a hard-linked copy of
# the base tree (made once; a file is replaced, never written through a
# link) that is brought to each patch in turn, only the files that
# differ being rewritten; build/patches-work/obj is the O= directory all
# patches share, so each build is incremental over the one before.
work=$BUILD/patches-work src=$BUILD/patches-work/src obj=$BUILD/patches-work/obj
# The files of the series a build reads: all but documents, user-space
# tools and MAINTAINERS.
mapfile -t build_files < <(git diff --no-renames --name-only base series |
	grep -vE '^(Documentation|tools)/|^MAINTAINERS$')
mkdir -p "$work"

# The base tree at $src, and in $work/src.manifest the build files it has
# ("mode blob<TAB>path"): what sync_src compares against.
make_src() {
	local base
	base=$(git rev-parse base)
	[[ -d $src && $(cat "$work/src.base" 2>/dev/null) == "$base" ]] && return
	say "making $src, a hard-linked copy of the base tree (once)"
	rm -f "$work/src.base"
	rm -rf "$work/configs"
	discard "$src"
	discard "$src.tmp"
	if ! cp -al "$PRISTINE" "$src.tmp" || ! mv -T "$src.tmp" "$src"; then
		die "cannot copy $PRISTINE to $src"
	fi
	git ls-tree -r base -- "${build_files[@]}" |
		awk -F '\t' '{ split($1, m, " "); print m[1] " " m[3] "\t" $2 }' \
		> "$work/src.manifest"
	echo "$base" > "$work/src.base"
}

# Bring $src to the build files of COMMIT.  An unchanged file keeps its
# time stamp, so that make does not rebuild what uses it.
sync_src() {	# commit
	local mode sha path
	local -A old=() new=()
	while IFS=$'\t' read -r mode path; do
		old[$path]=$mode
	done < "$work/src.manifest"
	while IFS=$' \t' read -r mode _ sha path; do
		new[$path]="$mode $sha"
	# (the files of the last sync too: one a patch no longer changes,
	# core-mm ones for example, gets the content of COMMIT back)
	done < <(git ls-tree -r "$1" -- "${build_files[@]}" "${!old[@]}")
	for path in "${!old[@]}"; do
		[[ -n ${new[$path]:-} ]] || rm -f "${src:?}/$path"
	done
	for path in "${!new[@]}"; do
		[[ ${old[$path]:-} == "${new[$path]}" && -f $src/$path ]] &&
			continue
		rm -f "${src:?}/$path"	# never write into the base's inode
		if ! mkdir -p "$(dirname "$src/$path")" ||
		   ! git cat-file blob "${new[$path]#* }" > "$src/$path"; then
			die "cannot write $src/$path"
		fi
		[[ ${new[$path]%% *} != 100755 ]] || chmod +x "$src/$path"
	done
	for path in "${!new[@]}"; do
		printf '%s\t%s\n' "${new[$path]}" "$path"
	done | atomic_write "$work/src.manifest" || die "cannot write the manifest"
}

# $obj/.config for the patch $src is at: allnoconfig plus driver/
# patches.config without the DAMON options the patch does not have yet.
# Copied only when it changed, so that an unchanged one rebuilds nothing.
# Made once for a given fragment and Kconfig (the base is fixed): kept in
# $work/configs/ under their hash.
config_src() {	# log
	local scratch=$work/kconfig frag=$work/patch.config have="" key
	[[ -f $src/mm/damon/Kconfig ]] && have=$(awk -v list=1 \
		-f "$DRIVER/patches-kconfig.awk" "$src/mm/damon/Kconfig")
	awk -v have="$have" '
		BEGIN { n = split(have, h, "\n"); for (i = 1; i <= n; i++) ok[h[i]] = 1 }
		match($0, /^CONFIG_DAMON[A-Z0-9_]*=/) {
			if (!(substr($0, 8, RLENGTH - 8) in ok))
				next
		}
		{ print }' "$DRIVER/patches.config" > "$frag"
	key=$(cat "$frag" "$src/mm/damon/Kconfig" 2> /dev/null | sha1sum)
	key=$work/configs/${key%% *}
	mkdir -p "$scratch" "$obj" "$work/configs" || return
	: > "$1"
	if [[ -f $key ]]; then
		cmp -s "$key" "$obj/.config" || cp "$key" "$obj/.config"
		return
	fi
	{
		make -s -C "$src" O="$scratch" ARCH=x86_64 allnoconfig &&
		"$src/scripts/kconfig/merge_config.sh" -m -O "$scratch" \
			"$scratch/.config" "$frag" > /dev/null &&
		make -s -C "$src" O="$scratch" ARCH=x86_64 olddefconfig &&
		"$DRIVER/check-config.sh" "$scratch/.config" "$frag"
	} > "$1" 2>&1 || return
	if grep -qi 'warning' "$1"; then
		return 1
	fi
	cmp -s "$scratch/.config" "$obj/.config" ||
		cp "$scratch/.config" "$obj/.config"
	atomic_write "$key" < "$scratch/.config"
}

# The symbols mm/damon/ defines (D) and leaves undefined (U) at a patch,
# with those the core-mm objects (if built) leave undefined.
record_symbols() {	# n [object...]
	local a=$obj/mm/damon/built-in.a
	nm -g --defined-only "$a" 2> /dev/null | awk 'NF == 3 { print $3 }' |
		sort -u > "$work/defined-$1"
	nm -u "$a" "${@:2}" 2> /dev/null | awk '$1 == "U" { print $2 }' |
		sort -u | comm -23 - "$work/defined-$1" > "$work/undefined-$1"
}

# The objects of the files the core-mm patches change (in $src, which is
# at a commit of the series from the first core-mm patch on).
core_mm_objects() {
	local f
	for f in "${core_mm_files[@]}"; do
		[[ $f == *.c && -f $src/$f ]] && echo "${f%.c}.o"
	done | sort -u
}

build_patches() {
	local k=0 n=0 parent=base commit syms name log t0 t1 last="" c
	local -a built=() patches=("$out"/*.patch) objs=()
	make_src
	rm -f "$work"/defined-* "$work"/undefined-*
	while read -r commit; do
		k=$((k + 1))
		name=$(basename "${patches[k - 1]}")
		if git diff --quiet --no-renames "$parent" "$commit" -- \
				"${build_files[@]}"; then
			say "build $name: no build file changed, not built"
			parent=$commit
			continue
		fi
		parent=$commit
		# From the first core-mm patch on, the files they change are
		# built too (the hooks' callers, with what DAMON has by then).
		for c in "${core_mm_commits[@]}"; do
			[[ $c != "$commit" || ${#objs[@]} -gt 0 ]] ||
				mapfile -t objs < <(core_mm_objects)
		done
		log=$LOGS/patches-build-$k.log
		t0=$(date +%s)
		sync_src "$commit"
		config_src "$log" || { cat "$log" >&2
			die "$name: the configuration fails (log: $log)"; }
		if [[ -f $src/mm/damon/Makefile ]]; then
			if ! make -s -C "$src" O="$obj" ARCH=x86_64 -j"$JOBS" \
					W=1 mm/damon/ "${objs[@]}" >> "$log" 2>&1 ||
					grep -q 'warning' "$log"; then
				grep -vE '^make(\[[0-9]+\])?: ' "$log" | head -40 >&2
				die "$name does not build with W=1 (log: $log)"
			fi
			record_symbols "$k" "${objs[@]/#/$obj/}"
			built+=("$k")
			last=$k
		fi
		t1=$(date +%s)
		say "build $name: OK ($((t1 - t0)) s)"
	done < <(git rev-list --reverse base..series)
	[[ -n $last ]] || return 0
	# A symbol a patch leaves undefined that the whole series defines in
	# mm/damon/ is code of a later patch: the kernel would not link.
	for n in "${built[@]}"; do
		name=$(basename "${patches[n - 1]}")
		syms=$(comm -12 "$work/undefined-$n" "$work/defined-$last" |
		       tr '\n' ' ')
		[[ -z $syms ]] ||
			die "$name uses code that a later patch adds: $syms"
	done
	# A DAMON hook the core-mm objects call must be defined in the end.
	((${#objs[@]} == 0)) && return
	syms=$(nm -u "${objs[@]/#/$obj/}" | awk '$1 == "U" { print $2 }' |
	       grep damon | sort -u | comm -23 - "$work/defined-$last" |
	       tr '\n' ' ') || true
	[[ -z $syms ]] ||
		die "the core-mm patches call DAMON code no patch adds: $syms"
}
# (built even when a check above failed: both reports in one run)
t0=$(date +%s)
locked build_patches
say "every patch builds with W=1 ($(($(date +%s) - t0)) s)"
((bad == 0)) || die "the patch series has problems (see above)"
