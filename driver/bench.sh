#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmarks of our kernel against the unmodified upstream 6.12 kernel
# built from the same configuration, in the same guest.  Both kernels are
# the test guest's without the lock checker (driver/bench-guest.config,
# build/bench-guest and build/upstream-bench-guest), as on a production
# machine: lockdep doubles a kdamond's CPU time under TCG.
#
# Usage: bench.sh            make bench: boots the guest once per kernel
#                            (ours, then upstream) and runs every section
#                            of driver/bench/bench.py in it; prints the
#                            side-by-side table, also written to
#                            build/results/bench.md (raw results:
#                            build/results/bench-KERNEL.json)
#        bench.sh [ours] [upstream] [probes]
#                            kdamond CPU use and accuracy alone
#                            (driver/bench/kdamond_cpu.py), one BENCH line
#                            per run, kept in build/results/bench.txt;
#                            probes: ours through sysfs with 0, 1 and 4
#                            data attribute probes of two filters each
# BENCH_QUICK=1: short sections (a smoke run of the command, figures not
# worth comparing).  BENCH_SECTIONS=cpu,slowdown,...: only those sections
# of bench.py.  The upstream kernel is built when missing, ours is
# used as it is (make bench builds it first).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
serialize bench

bin=$BUILD/bench
mkdir -p "$bin"
gcc -O2 -Wall -o "$bin/access_hotcold" \
	"$REPO/tools/testing/selftests/damon/access_hotcold.c"
gcc -O2 -Wall -Wextra -pthread -o "$bin/membound" "$DRIVER/bench/membound.c"
# the accuracy section: small hot chunks scattered over a cold buffer
gcc -O2 -Wall -Wextra -o "$bin/scatter" "$DRIVER/bench/scatter.c"
# the write section: the write-monitoring selftest's workload and scoring
gcc -O2 -Wall -D_GNU_SOURCE= -pthread -o "$bin/rw_areas" \
	"$REPO/tools/testing/selftests/damon/rw_areas.c"
for f in damon_e2e damon_admin damos_checks sample_write; do
	cp "$REPO/tools/testing/selftests/damon/$f.py" "$bin/"
done

# The guest kernel that stands for ours or upstream in a benchmark.
bench_kernel() {
	case $1 in
	ours)		echo bench ;;
	upstream)	echo upstream-bench ;;
	esac
}

upstream_kernel() {
	[[ -f $BUILD/upstream-bench-guest/arch/x86/boot/bzImage ]] ||
		"$DRIVER/guest-kernel.sh" upstream-bench
}

# One guest per kernel, every section of bench.py.
full() {
	local k json log rc=0
	upstream_kernel
	for k in ours upstream; do
		json=$BUILD/guest-out/bench-$k/bench.json
		KERNEL=$(bench_kernel $k) GUEST_RIG_FLUSH=0 \
			GUEST_TIMEOUT=${GUEST_TIMEOUT:-900} \
			"$DRIVER/guest-run.sh" "bench-$k" "
export DAMON_E2E_DIR=$bin BENCH_QUICK=${BENCH_QUICK:-0}
export BENCH_SECTIONS=${BENCH_SECTIONS:-}
python3 $DRIVER/bench/bench.py --out \$GUEST_OUT/bench.json" || rc=1
		log=$BUILD/guest-out/bench-$k/output.log
		if [[ -s $json ]]; then
			atomic_write "$RESULTS/bench-$k.json" < "$json"
		elif grep -qs '^{' "$log"; then
			echo "ERROR: the $k kernel's run ended early;" \
			     "partial results from its output" >&2
			grep '^{' "$log" | atomic_write "$RESULTS/bench-$k.json"
		else
			echo "ERROR: no results from the $k kernel" >&2
			rm -f "$RESULTS/bench-$k.json"
			rc=1
		fi
	done
	local title
	title="make bench, $(date -u '+%Y-%m-%d %H:%M UTC')"
	[[ ${BENCH_QUICK:-0} != 0 ]] && title+=", BENCH_QUICK=1"
	python3 "$DRIVER/bench/table.py" "$RESULTS/bench-ours.json" \
		"$RESULTS/bench-upstream.json" "$title" |
		atomic_write "$RESULTS/bench.md"
	cat "$RESULTS/bench.md"
	return "$rc"
}

# kdamond_cpu.py alone, per kernel (and per number of probes).
cpu() {
	local k iface probes kernel
	: > "$RESULTS/bench.txt"
	for k in "$@"; do
		case $k in
		ours)		iface=e2e ;;
		upstream)	iface=sysfs; upstream_kernel ;;
		probes)		iface=sysfs ;;
		*)		die "unknown kernel $k" ;;
		esac
		probes=0
		[[ $k == probes ]] && probes="0 1 4"
		kernel=$k
		[[ $k == probes ]] && kernel=ours
		KERNEL=$(bench_kernel $kernel) GUEST_RIG_FLUSH=0 \
			GUEST_TIMEOUT=1200 "$DRIVER/guest-run.sh" \
			"bench-$k" "export DAMON_E2E_DIR=$bin
for ops in vaddr paddr; do
for p in $probes; do
	python3 $DRIVER/bench/kdamond_cpu.py --interface $iface --ops \$ops \
		--duration 30 --probes \$p | sed 's/^/kernel=$k /'
done
done"
		grep -h '^kernel=' "$BUILD/guest-out/bench-$k/output.log" \
			>> "$RESULTS/bench.txt"
	done
	cat "$RESULTS/bench.txt"
}

if (($#)); then
	cpu "$@"
else
	full
fi
