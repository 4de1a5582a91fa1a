#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the user-space unit tests of DAMON's region code, built inside the
# composed tree (tools/testing/damon), then the driver's own concurrency
# test (driver/concurrency-test.sh, seconds) and the tests of the demo's
# renderer and recorder (tools/damon/test_heatmap.py, test_record.py,
# seconds).  Writes build/logs/unit.log and build/results/unit.txt.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

serialize unit
log=$LOGS/unit.log
rm -f "$RESULTS/unit.txt"
dir=$TREE/tools/testing/damon
if [[ ! -f $dir/Makefile ]]; then
	echo "ERROR: $dir/Makefile missing" | tee "$log" >&2
	write_result unit 0 1 0 no-makefile
	exit 1
fi

rc=0
make -C "$dir" run 2>&1 | tee "$log" || rc=$?
# The closing line: "N passed, N failed[, N skipped]"
last=$(grep -aE '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' \
	"$log" | tail -1 || true)
if [[ -z $last ]]; then
	write_result unit 0 1 0 "no-summary-line(exit-$rc)"
	exit 1
fi
read -r passed failed skipped < <(sed -E \
	's/^([A-Za-z]+: )?([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$/\2 \3 \5/' \
	<<< "$last")
# the driver's own: two make targets at once in one clone
crc=0
"$DRIVER/concurrency-test.sh" > "$LOGS/concurrency-test.log" 2>&1 || crc=$?
clast=$(grep -aE '^[0-9]+ passed, [0-9]+ failed$' \
	"$LOGS/concurrency-test.log" | tail -1 || true)
read -r cpassed cfailed < <(sed -E 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/' \
	<<< "${clast:-0 passed, 1 failed}")
((crc != 0 && cfailed == 0)) && cfailed=1
echo "concurrency-test: $cpassed passed, $cfailed failed" | tee -a "$log"
passed=$((passed + cpassed)) failed=$((failed + cfailed))
# the demo's renderer and recorder, tools/damon/ (seconds; matplotlib)
for t in test_heatmap test_record; do
	trc=0
	python3 "$REPO/tools/damon/$t.py" > "$LOGS/$t.log" 2>&1 || trc=$?
	tlast=$(grep -aE '^[0-9]+ passed, [0-9]+ failed$' "$LOGS/$t.log" |
		tail -1 || true)
	read -r tpassed tfailed < <(sed -E \
		's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/' \
		<<< "${tlast:-0 passed, 1 failed}")
	((trc != 0 && tfailed == 0)) && tfailed=1
	echo "$t: $tpassed passed, $tfailed failed" | tee -a "$log"
	passed=$((passed + tpassed)) failed=$((failed + tfailed))
done
note=
if ((rc != 0 && failed == 0)); then
	failed=1 note=make-exit-$rc
fi
write_result unit "$passed" "$failed" "${skipped:-0}" "$note"
((failed == 0))
