#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest kernel's bzImage, incrementally.
#
# Usage: guest-kernel.sh [ours|debug|upstream|bench|upstream-bench]
#   ours      the composed tree into build/guest (default)
#   debug     the composed tree with driver/debug-guest.config (KASAN,
#             kmemleak, debug objects, DAMON's self-check) into
#             build/debug-guest
#   upstream  the unmodified base tree into build/upstream-guest
#   bench, upstream-bench
#             ours and upstream with driver/bench-guest.config (no lock
#             checker) into build/bench-guest and build/upstream-bench-guest,
#             the kernels make bench compares
# GUEST_EXTRA_CONFIG: more fragments (space separated), applied last.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:-ours}
case $variant in
ours|debug|bench)
	src=$TREE out=$BUILD/guest
	frags=("$DRIVER/guest.config")
	case $variant in
	debug)
		out=$BUILD/debug-guest
		frags+=("$DRIVER/debug-guest.config") ;;
	bench)
		out=$BUILD/bench-guest
		frags+=("$DRIVER/bench-guest.config") ;;
	esac
	[[ -e $BUILD/.unpacked-$TOPDIR ]] || die "run driver/compose.sh first"
	;;
upstream|upstream-bench)
	"$DRIVER/pristine-tree.sh"
	src=$PRISTINE out=$BUILD/upstream-guest
	frags=("$DRIVER/guest.config" "$DRIVER/upstream-guest.config")
	if [[ $variant == upstream-bench ]]; then
		out=$BUILD/upstream-bench-guest
		frags+=("$DRIVER/bench-guest.config")
	fi
	;;
*)	die "unknown variant $variant" ;;
esac
# shellcheck disable=SC2206 # split on purpose
frags+=(${GUEST_EXTRA_CONFIG:-})
log=$LOGS/guest-kernel-$variant.log

# The configuration and the build under one hold of the lock: the scratch
# directory of guest-config.sh, the .config and the log are shared with
# any other build of the same variant.
# shellcheck disable=SC2317 # called through locked
build() {
	"$DRIVER/guest-config.sh" "$src" "$out" "${frags[@]}" || return
	say "building $out/arch/x86/boot/bzImage (log: $log)"
	make -C "$src" O="$out" ARCH=x86_64 -j"$JOBS" bzImage > "$log" 2>&1
}
start=$SECONDS
if ! locked build; then
	grep -E 'error|Error' "$log" | head -40 >&2 || true
	tail -20 "$log" >&2
	die "guest kernel build failed (log: $log)"
fi
grep -E '(warning|error):' "$log" >&2 || true
say "bzImage ready in $((SECONDS - start)) s: $out/arch/x86/boot/bzImage"
