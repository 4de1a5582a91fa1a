#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Our DAMON kselftests (tools/testing/selftests/damon of the composed
# tree) in the guest.  Writes build/results/selftests.txt.
# SELFTEST, SELFTEST_TIMEOUT, KERNEL: see kselftest.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

exec "$DRIVER/kselftest.sh" selftests "$TREE/tools/testing/selftests" damon
