#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make test: every step and suite in order, going on after a failure
# (steps whose prerequisite failed are not run and count as failed), then
# the summary.  LINT=0 skips the lint suite.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

serialize test
steps=(deps compose lint patches unit kunit guest-kernel selftests balloon
       conformance debug-guest-kernel debug)
# the kselftests that need the guest's balloon device (driver/guest-run.sh,
# GUEST_BALLOON), run in a guest of their own: step balloon
balloon_tests=modules_acma.py
declare -A needs=([compose]=deps [lint]=compose [patches]=compose
		  [unit]=compose
		  [kunit]=compose [guest-kernel]=compose
		  [selftests]=guest-kernel [balloon]=guest-kernel
		  [conformance]=guest-kernel
		  [debug-guest-kernel]=compose [debug]=debug-guest-kernel)
declare -A ok=()
for s in "${steps[@]}"; do rm -f "$RESULTS/$s.txt"; done
: > "$LOGS/test-timings.log"

step() {	# name command...: for steps without their own results file
	if "${@:2}"; then
		write_result "$1" 1 0 0
	else
		write_result "$1" 0 1 0 "exit-$?"
	fi
}

start=$SECONDS
for s in "${steps[@]}"; do
	dep=${needs[$s]:-}
	if [[ -n $dep && -z ${ok[$dep]:-} ]]; then
		say "skipping $s: $dep failed"
		continue
	fi
	say "step $s ($((SECONDS - start)) s so far)"
	t0=$SECONDS
	case $s in
	selftests)
		# The debug step runs these on the debug guest (driver/debug.sh)
		SELFTEST_SKIP="$("$DRIVER/debug.sh" --list) $balloon_tests" \
			"$DRIVER/selftests.sh" || true ;;
	balloon)
		GUEST_BALLOON=1 SELFTEST=$balloon_tests \
			"$DRIVER/kselftest.sh" balloon \
			"$TREE/tools/testing/selftests" damon || true ;;
	deps|compose|patches|guest-kernel)
		step "$s" "$DRIVER/$s.sh" ;;
	debug-guest-kernel)
		step "$s" "$DRIVER/guest-kernel.sh" debug ;;
	lint)
		if [[ ${LINT:-1} == 0 ]]; then
			write_result lint 0 0 1 disabled-by-LINT=0
		else
			"$DRIVER/lint.sh" || true
		fi ;;
	*)
		"$DRIVER/$s.sh" || true ;;
	esac
	echo "$s: $((SECONDS - t0)) s" >> "$LOGS/test-timings.log"
	grep -q 'failed=0' "$RESULTS/$s.txt" 2>/dev/null && ok[$s]=1
done
say "make test took $((SECONDS - start)) s"
"$DRIVER/summary.sh" "${steps[@]}"
