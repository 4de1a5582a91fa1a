#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Measure kdamond CPU use and monitoring accuracy on the hot/cold workload,
# for our kernel and for the unmodified upstream 6.12 kernel built from the
# same configuration, in the same guest.  Prints one BENCH line per run and
# keeps them in build/results/bench.txt.
#
# Usage: bench.sh [ours] [upstream] [probes]   (default: ours upstream)
# probes: our kernel through sysfs with 0, 1 and 4 data attribute probes
# of two filters each, for what probes cost.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernels=("$@")
((${#kernels[@]})) || kernels=(ours upstream)

bin=$BUILD/bench
mkdir -p "$bin"
gcc -O2 -Wall -o "$bin/access_hotcold" \
	"$REPO/tools/testing/selftests/damon/access_hotcold.c"
cp "$REPO/tools/testing/selftests/damon/damon_e2e.py" "$bin/"

: > "$RESULTS/bench.txt"
for k in "${kernels[@]}"; do
	case $k in
	ours)		iface=e2e ;;
	upstream)	iface=sysfs ;;
	probes)		iface=sysfs ;;
	*)		die "unknown kernel $k" ;;
	esac
	probes=0
	[[ $k == probes ]] && probes="0 1 4"
	cmd="export DAMON_E2E_DIR=$bin
for ops in vaddr paddr; do
for p in $probes; do
	python3 $DRIVER/bench/kdamond_cpu.py --interface $iface --ops \$ops \
		--duration 30 --probes \$p | sed 's/^/kernel=$k /'
done
done"
	kernel=$k
	[[ $k == probes ]] && kernel=ours
	KERNEL=$kernel GUEST_TIMEOUT=1200 "$DRIVER/guest-run.sh" "bench-$k" "$cmd"
	grep -h '^kernel=' "$BUILD/guest-out/bench-$k/output.log" \
		>> "$RESULTS/bench.txt"
done
cat "$RESULTS/bench.txt"
