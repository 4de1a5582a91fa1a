#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Test that the driver survives runs at the same time in one clone: in a
# scratch BUILD directory, with a small fake tarball, several
# pristine-tree.sh runs and bare unpack calls race for the same trees.
# Each tree must end up complete (every file of the tarball, once), with
# its marker, and no scratch directory may be left behind.  Also checks
# that serialize makes two holders of one step take turns.  Prints
# "N passed, N failed" and exits non-zero on a failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
passed=0 failed=0
check() {	# name command...
	if "${@:2}"; then
		passed=$((passed + 1)); echo "ok: $1"
	else
		failed=$((failed + 1)); echo "FAILED: $1"
	fi
}

# A tarball shaped like the kernel's: linux-source-6.12/ at the top.
mkdir -p "$scratch/src/linux-source-6.12/mm"
for i in $(seq 300); do
	head -c 8192 /dev/urandom > "$scratch/src/linux-source-6.12/mm/f$i"
done
tar -cJf "$scratch/fake.tar.xz" -C "$scratch/src" linux-source-6.12
export TARBALL=$scratch/fake.tar.xz BUILD=$scratch/build
mkdir -p "$BUILD"

same_tree() {	# dir: the tarball's files, all of them, unchanged
	diff -r "$scratch/src/linux-source-6.12" "$1" > /dev/null
}
no_leftovers() {
	! compgen -G "$BUILD/.unpack.*" > /dev/null &&
	! compgen -G "$BUILD/.discard.*" > /dev/null
}

# 1. Four pristine-tree.sh at once: one extracts, the others wait.
for i in 1 2 3 4; do "$here/pristine-tree.sh" 2> "$scratch/p$i.log" & done
rcs=0
for job in $(jobs -p); do wait "$job" || rcs=$((rcs + 1)); done
check "pristine-tree.sh x4: every run succeeds" test "$rcs" = 0
check "pristine-tree.sh x4: the tree is complete" \
	same_tree "$BUILD/upstream-linux-source-6.12"
check "pristine-tree.sh x4: marker" \
	test -e "$BUILD/.unpacked-upstream-linux-source-6.12"
check "pristine-tree.sh x4: extracted once" \
	test "$(cat "$scratch"/p*.log | grep -c '^==> extracting')" = 1

# 2. A tree an old driver left incomplete (no marker) is replaced whole.
rm -f "$BUILD/.unpacked-upstream-linux-source-6.12"
rm -f "$BUILD/upstream-linux-source-6.12/mm/f7"
"$here/pristine-tree.sh" 2> /dev/null
check "incomplete tree replaced" same_tree "$BUILD/upstream-linux-source-6.12"

# 3. Bare unpack calls racing without a lock: the first rename wins, the
# others keep it and discard theirs.
for i in 1 2 3 4 5; do
	bash -c '. "$1/lib.sh"; unpack "$BUILD/raced"' _ "$here" \
		2> /dev/null &
done
rcs=0
for job in $(jobs -p); do wait "$job" || rcs=$((rcs + 1)); done
check "unpack x5: every call succeeds" test "$rcs" = 0
check "unpack x5: the tree is complete" same_tree "$BUILD/raced"
check "no scratch directory left" no_leftovers

# 4. serialize: the second holder of a step starts after the first ends.
hold() {	# name seconds: record start and end times
	bash -c '. "$1/lib.sh"; serialize demo; date +%s.%N; sleep "$2";
		 date +%s.%N' _ "$here" "$2" 2> /dev/null
}
hold demo 1 > "$scratch/h1" &
sleep 0.2
hold demo 0 > "$scratch/h2"
wait
# shellcheck disable=SC2016 # awk's own variables
check "serialize: turns, not overlap" \
	awk 'NR == FNR { end = $0; next } FNR == 1 { exit !($0 >= end) }' \
	"$scratch/h1" "$scratch/h2"

echo "$passed passed, $failed failed"
((failed == 0))
