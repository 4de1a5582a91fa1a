#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The accuracy simulator of tools/testing/damon (sim.c): our region code,
# built with -O2 inside the composed tree, against modelled hot sets of
# 256 MiB to 1 TiB.  Prints the table of precision / recall, time to
# converge, access checks per second and regions, for the region rule
# before issue 14 ("random") and regions.c's ("kernel"); seconds.
# SIM_ARGS adds options of damon_sim (e.g. '-m 5000 -f 64', '-s 7' for
# another seed, or '-t' for the test mode that make unit runs).
# Writes build/logs/sim.log and build/results/sim.md.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

serialize sim
dir=$TREE/tools/testing/damon
[[ -f $dir/sim.c ]] || die "$dir/sim.c missing (make compose)"
log=$LOGS/sim.log
rm -f "$RESULTS/sim.md"
if ! make -s -C "$dir" damon_sim > "$log" 2>&1; then
	cat "$log" >&2
	exit 1
fi
rc=0
# shellcheck disable=SC2086 # SIM_ARGS is a list of options
"$dir/damon_sim" ${SIM_ARGS:-} 2>&1 | tee "$RESULTS/sim.md" || rc=$?
cat "$RESULTS/sim.md" >> "$log"
exit "$rc"
