#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# In the guest, after a test run: ask kmemleak for the leaks it finds now
# and report one top-level KTAP result, failed if any leaked object was
# allocated by DAMON (a backtrace frame in damon or kdamond code).  Leaks
# from elsewhere are counted and kept, but are not ours to fail on.  The
# report goes to $GUEST_OUT/kmemleak.txt.
#
# Usage: kmemleak-check.sh [KTAP_NUMBER]
set -uo pipefail

nr=${1:-99}
kml=/sys/kernel/debug/kmemleak
out=${GUEST_OUT:-/tmp}/kmemleak.txt
if [[ ! -w $kml ]]; then
	echo "not ok $nr kmemleak # no $kml (kernel without DEBUG_KMEMLEAK?)"
	exit 0
fi
# kmemleak reports an object only if two scans in a row found no
# reference to it and its contents unchanged (the first scan of an object
# records its checksum and counts it as possibly in use), and only once
# it is older than 5 s; under the debug kernel one scan takes longer than
# that, so two scans back to back do.
echo scan > "$kml"
echo scan > "$kml"
cat "$kml" > "$out"

awk -v nr="$nr" '
	/^unreferenced object/ { n++; cur = n }
	cur && /damon|kdamond/ { ours[cur] = 1 }
	END {
		for (i in ours) d++
		msg = sprintf("kmemleak: %d leaked object(s) from DAMON, %d from elsewhere", d + 0, n - d)
		printf "%s %d %s\n", (d ? "not ok" : "ok"), nr, msg
	}' "$out"
