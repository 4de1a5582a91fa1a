#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make run: the demo.  Installs what is missing, composes and builds the
# guest kernel (incrementally), builds tools/damon/accessgen, boots the
# guest, where tools/damon/record.py monitors accessgen through DAMON's
# sysfs interface (vaddr), and renders the recording with
# tools/damon/heatmap.py: access heatmap, working set size, accuracy per
# phase.  Everything goes to build/run/; the recording itself is in
# build/guest-out/run/.
#
# KERNEL         ours (default), upstream, or a bzImage path; only "ours"
#                is built here, "upstream" is built when missing
# PHASE_SECONDS  length of each of accessgen's phases (default 4)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

serialize run
out=$BUILD/run
timings=()
start=$SECONDS

timed() {	# name command...: run a step, note how long it took
	local t0=$SECONDS rc=0
	say "run: $1"
	"${@:2}" || rc=$?
	timings+=("$(printf '%-14s %4d s' "$1" $((SECONDS - t0)))")
	((rc == 0)) || die "run: $1 failed ($rc)"
}

print_timings() {
	mkdir -p "$out"
	printf '%s\n' "${timings[@]}" "$(printf '%-14s %4d s' total \
		$((SECONDS - start)))" | tee "$out/timings.txt"
}
trap print_timings EXIT

build_accessgen() {
	mkdir -p "$out"
	gcc -O2 -Wall -Wextra -static -o "$out/accessgen" \
		"$REPO/tools/damon/accessgen.c"
}

build_kernel() {
	case ${KERNEL:=ours} in
	ours)
		"$DRIVER/compose.sh"
		"$DRIVER/guest-kernel.sh" ours ;;
	upstream)
		[[ -f $BUILD/upstream-guest/arch/x86/boot/bzImage ]] ||
			"$DRIVER/guest-kernel.sh" upstream ;;
	*)
		say "run: using the kernel $KERNEL as it is" ;;
	esac
}

record() {
	GUEST_TIMEOUT=${GUEST_TIMEOUT:-600} "$DRIVER/guest-run.sh" run \
		"python3 $REPO/tools/damon/record.py --accessgen $out/accessgen \
		--phase-seconds ${PHASE_SECONDS:-4} --out \$GUEST_OUT"
}

# One lock for the kernel build and the guest, so that the time spent
# waiting for other builds or guests on the machine shows on its own.
take_lock() {
	exec {lock_fd}>>"$LOCK"
	flock -n "$lock_fd" || {
		say "run: waiting for $LOCK (another kernel build or guest run)"
		flock "$lock_fd"
	}
	export DAMON_LOCK_HELD=1
}

release_lock() {
	exec {lock_fd}>&-
	unset DAMON_LOCK_HELD
}

timed deps "$DRIVER/deps.sh"
timed accessgen build_accessgen
timed 'lock wait' take_lock
timed kernel build_kernel
timed guest record
release_lock
timed render python3 "$REPO/tools/damon/heatmap.py" "$BUILD/guest-out/run" \
	"$out"
