#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make debug: the tests that hunt memory and locking bugs, in the debug
# guest (build/debug-guest: KASAN, kmemleak, debug objects, lockdep and
# CONFIG_DAMON_DEBUG_SANITY; driver/debug-guest.config): the sysfs fuzzer,
# the race tests and a short end-to-end case, then a kmemleak scan that
# fails on any object DAMON leaked (driver/kmemleak-check.sh).  A splat in
# the guest's log fails the run, as everywhere.  Writes
# build/results/debug.txt.
#
# make test runs the fuzzer and the race tests only here, not in the
# ordinary guest too (it asks with --list).
#
# Usage: debug.sh [--list]
# DEBUG_SELFTESTS  the kselftests to run (space separated)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tests=${DEBUG_SELFTESTS:-sysfs_fuzz.py sysfs_races.py kdamond_races.py e2e_vaddr.py}
if [[ ${1:-} == --list ]]; then
	# the ones the ordinary guest may leave out: all but the e2e case
	tr ' ' '\n' <<< "$tests" | grep -v '^e2e_' | tr '\n' ' '
	exit 0
fi
export KERNEL=debug
export SELFTEST=$tests
# KASAN and kmemleak make the kernel about three times as slow: the
# fuzzer's 10,000 writes take about 270 s instead of about 100 s.
export SELFTEST_TIMEOUT=${SELFTEST_TIMEOUT:-600}
export KSELFTEST_GUEST_SETUP="export DAMON_FUZZ_BUDGET_S=500 DAMON_RACE_SECONDS=8"
# Under KASAN and kmemleak, every allocation saves a stack trace; ACPI's
# interpreter allocates for every AML operation, and the loop in the
# machine's PCI routing method (_PRT) then outlives ACPI's 30 s loop
# limit under TCG: no PCI interrupt is routed and the 9p root never
# mounts.  The BIOS's PIRQ table routes them instead.
export GUEST_APPEND="${GUEST_APPEND:-} pci=noacpi"
export KSELFTEST_GUEST_AFTER="$DRIVER/kmemleak-check.sh"
exec "$DRIVER/kselftest.sh" debug "$TREE/tools/testing/selftests" damon
