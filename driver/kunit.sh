#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run DAMON's KUnit suites under UML with KASAN and lockdep, in the
# composed tree.  Writes build/logs/kunit.log (kunit.py's output),
# build/logs/kunit-raw.log (the kernel's log, checked for splats) and
# build/results/kunit.txt.
#
# KUNIT_FILTER     kunit.py filter glob, e.g. 'damon-regions*' or 'suite.test'
# KUNIT_BUILD_DIR  the UML build directory (default build/kunit); running
#                  kunit.py by hand with other options in the same
#                  directory makes the next run rebuild everything
set -euo pipefail
. "$(dirname "$0")/lib.sh"

serialize kunit
log=$LOGS/kunit.log raw=$LOGS/kunit-raw.log
kbuild=$(realpath -m "${KUNIT_BUILD_DIR:-$BUILD/kunit}")
rm -f "$RESULTS/kunit.txt" "$raw"

# KASAN works on UML x86_64 (HAVE_ARCH_KASAN); it needs SLUB_TINY off,
# which is the UML default.
args=(run --kunitconfig=mm/damon/tests/.kunitconfig
      --build_dir="$kbuild" --jobs="$JOBS" --timeout=600
      --kconfig_add CONFIG_KASAN=y
      --kconfig_add CONFIG_DEBUG_KERNEL=y
      --kconfig_add CONFIG_PROVE_LOCKING=y
      --kconfig_add CONFIG_DEBUG_LIST=y)
[[ -n ${KUNIT_FILTER:-} ]] && args+=("$KUNIT_FILTER")

rc=0
(cd "$TREE" && locked python3 tools/testing/kunit/kunit.py "${args[@]}") \
	2>&1 | tee "$log" || rc=$?
cp "$kbuild/test.log" "$raw" 2>/dev/null || true

# "Testing complete. Ran 12 tests: passed: 10, failed: 1, skipped: 1"
summary=$(grep -a 'Testing complete\. Ran' "$log" | tail -1 || true)
count() { grep -oE "$1: [0-9]+" <<< "$summary" | grep -oE '[0-9]+' || echo 0; }
passed=$(count passed) failed=$(count failed) skipped=$(count skipped)
failed=$((failed + $(count crashed) + $(count errors)))
note=
if [[ -z $summary ]]; then
	failed=$((failed + 1)) note=kunit-did-not-run
elif [[ $(grep -oE 'Ran [0-9]+' <<< "$summary") == 'Ran 0' ]]; then
	failed=$((failed + 1)) note=no-tests-ran
elif ! "$DRIVER/splat-check.sh" "$raw"; then
	failed=$((failed + 1)) note=kernel-splat
elif ((rc != 0 && failed == 0)); then
	failed=1 note=kunit.py-exit-$rc
fi
write_result kunit "$passed" "$failed" "$skipped" "$note"
((failed == 0))
