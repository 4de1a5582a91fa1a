#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Lint our C sources: checkpatch --strict and kernel-doc on every file,
# a Sphinx build of our documents (driver/docs.sh) and its test, and a W=1
# C=1 (sparse) build of mm/damon/ with the guest configuration (in
# build/lint, so that the guest build is not disturbed).  Any warning
# fails.  Writes build/logs/lint.log and build/results/lint.txt; each
# tool run on a file (and the docs build, its test and the sparse build)
# counts as one check.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

serialize lint
log=$LOGS/lint.log
rm -f "$RESULTS/lint.txt"
: > "$log"
passed=0 failed=0

check() {	# name command...: passes if the command prints nothing
	local out
	out=$("${@:2}" 2>&1) || true
	if [[ -z $out ]]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		printf '%s\n%s\n\n' "--- $1" "$out" | tee -a "$log" >&2
	fi
}

cd "$REPO"
mapfile -t files < <(find mm/damon include/linux/damon.h \
	include/trace/events/damon.h tools/testing/damon tools/damon \
	-name '*.[ch]' -type f 2>/dev/null | sort)
say "checkpatch and kernel-doc on ${#files[@]} files"
# $JOBS files at a time (one by one, they were half of the step); each
# output goes to a file of its own, read in file order below.
outs=$(mktemp -d "$BUILD/.lint.XXXXXX")
trap 'rm -rf "$outs"' EXIT
# shellcheck disable=SC2317 # called through xargs
lint_file() {	# n file: its checkpatch and kernel-doc output in $outs/n.*
	"$TREE/scripts/checkpatch.pl" --strict --no-tree --quiet \
		--show-types --no-summary -f "$2" > "$outs/$1.checkpatch" 2>&1
	"$TREE/scripts/kernel-doc" -none -Wall "$2" > "$outs/$1.kernel-doc" 2>&1
	return 0
}
export -f lint_file
export TREE outs
for i in "${!files[@]}"; do printf '%s\0%s\0' "$i" "${files[i]}"; done |
	xargs -0 -n 2 -P "$JOBS" bash -c 'lint_file "$@"' lint_file
for i in "${!files[@]}"; do
	check "checkpatch ${files[i]}" cat "$outs/$i.checkpatch"
	check "kernel-doc ${files[i]}" cat "$outs/$i.kernel-doc"
done

# About 15 s: one Sphinx build of our pages, one of a faulty copy.
say "Sphinx build of Documentation/ in build/docs"
check "Sphinx build of Documentation/ (driver/docs.sh)" "$DRIVER/docs.sh" -q
check "the Sphinx build catches faults (driver/docs-test.sh)" \
	"$DRIVER/docs-test.sh" -q

say "W=1 C=1 build of mm/damon/ in build/lint"
out=$BUILD/lint
sparse_log=$LOGS/lint-sparse.log
# shellcheck disable=SC2317 # called through locked
sparse_build() {
	"$DRIVER/guest-config.sh" "$TREE" "$out" "$DRIVER/guest.config" \
		> "$sparse_log" 2>&1 ||
		{ cat "$sparse_log" >&2; die "guest config"; }
	rm -rf "$out/mm/damon"	# recompile, so that every warning shows
	make -s -C "$TREE" O="$out" ARCH=x86_64 -j"$JOBS" W=1 C=1 \
		mm/damon/ > "$sparse_log" 2>&1 || true
}
locked sparse_build
check "W=1 C=1 build of mm/damon/ (log: $sparse_log)" \
	grep -vE '^==> |^make(\[[0-9]+\])?: (Entering|Leaving)' "$sparse_log"

write_result lint "$passed" "$failed" 0
((failed == 0))
