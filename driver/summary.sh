#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print a table of the suites' results (build/results/SUITE.txt) and one
# closing line "N passed, N failed, N skipped".  A suite without results
# counts as one failure.  Exits 1 if anything failed.
#
# Usage: summary.sh SUITE...
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tp=0 tf=0 ts=0
printf '\n%-18s %7s %7s %7s  %s\n' suite passed failed skipped note
for s in "$@"; do
	f=$RESULTS/$s.txt
	p=0 fl=1 sk=0 note="no results (did not run or crashed)"
	if [[ -f $f ]]; then
		line=$(head -1 "$f")
		p=$(grep -oE 'passed=[0-9]+' <<< "$line" | cut -d= -f2 || echo 0)
		fl=$(grep -oE 'failed=[0-9]+' <<< "$line" | cut -d= -f2 || echo 1)
		sk=$(grep -oE 'skipped=[0-9]+' <<< "$line" | cut -d= -f2 || echo 0)
		note=$(grep -oE 'note=.*' <<< "$line" | cut -d= -f2- || true)
	fi
	printf '%-18s %7d %7d %7d  %s\n' "$s" "${p:-0}" "${fl:-1}" "${sk:-0}" "$note"
	tp=$((tp + ${p:-0})) tf=$((tf + ${fl:-1})) ts=$((ts + ${sk:-0}))
done
echo
echo "$tp passed, $tf failed, $ts skipped"
((tf == 0))
