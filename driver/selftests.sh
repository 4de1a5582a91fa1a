#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Our DAMON kselftests (tools/testing/selftests/damon of the composed
# tree) in the guest.  Writes build/results/selftests.txt; a run of one
# test (SELFTEST=name.py) writes selftest-name.txt instead, so that it
# never replaces the result of a whole run (make test reads selftests.txt).
# SELFTEST, SELFTEST_TIMEOUT, KERNEL: see kselftest.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

result=selftests
# SELFTEST='a.py b.sh' writes selftest-a+b.txt
[[ -n ${SELFTEST:-} ]] &&
	result=selftest-$(sed -E 's/\.[a-z]+( |$)/\1/g; s/ +/+/g' <<< "$SELFTEST")
exec "$DRIVER/kselftest.sh" "$result" "$TREE/tools/testing/selftests" damon
