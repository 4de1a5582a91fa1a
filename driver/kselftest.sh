#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build and install one kselftest target, run it in the guest and write
# build/results/RESULT.txt from its KTAP output.
#
# Usage: kselftest.sh RESULT SELFTESTS_DIR TARGET
#   RESULT         results and run name (selftests, conformance, ...)
#   SELFTESTS_DIR  a tools/testing/selftests directory
#   TARGET         the kselftest target (collection), e.g. damon
# SELFTEST=NAMES   run only these tests of the collection (space separated)
# SELFTEST_SKIP=NAMES  run all tests of the collection but these
# KSELFTEST_GUEST_SETUP  guest shell commands run before the tests
#                  (e.g. exports for them)
# KSELFTEST_GUEST_AFTER  a guest command run after the tests; its output
#                  is added to the KTAP log, so it may report top-level
#                  results of its own ("ok N name", "not ok N name")
# SELFTEST_TIMEOUT per-test timeout in seconds, overriding the settings
#                  file of the collection (kselftest's default is 45 s)
# KERNEL           as for guest-run.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

result=$1 selftests=$(realpath "$2") target=$3
serialize "kselftest-$result"
install=$BUILD/kselftest-$result
ktap=$LOGS/$result-ktap.log
rm -f "$RESULTS/$result.txt" "$ktap"

fail() {	# the suite could not run: that is one failure
	write_result "$result" 0 1 0 "$1"
	exit 1
}

# Headers of the guest kernel for the tests (KHDR_INCLUDES).
hdrs=$BUILD/guest/usr/include
if [[ -f $BUILD/guest/.config && ! -d $hdrs ]]; then
	locked make -s -C "$TREE" O="$BUILD/guest" ARCH=x86_64 headers ||
		fail build-headers
fi

say "building $target kselftests from $selftests into $install"
rm -rf "$install"
make_args=(-C "$selftests" TARGETS="$target" O="$BUILD/kselftest-build-$result"
	   KSFT_INSTALL_PATH="$install")
[[ -d $hdrs ]] && make_args+=(KHDR_INCLUDES="-isystem $hdrs")
if ! make "${make_args[@]}" install > "$LOGS/$result-build.log" 2>&1; then
	tail -30 "$LOGS/$result-build.log" >&2
	fail build
fi

args=()
[[ -n ${SELFTEST_TIMEOUT:-} ]] && args+=(--override-timeout "$SELFTEST_TIMEOUT")
tests=${SELFTEST:-}
if [[ -z $tests && -n ${SELFTEST_SKIP:-} ]]; then
	tests=$(sed -n "s/^$target://p" "$install/kselftest-list.txt" |
		grep -vxF -f <(tr ' ' '\n' <<< "$SELFTEST_SKIP" | grep .) || true)
	say "skipping $SELFTEST_SKIP"
fi
for t in $tests; do args+=(--test "$target:$t"); done
# Each output line of the run also goes to timed.txt with the guest's
# clock (seconds) in front, so that the time of every test can be told.
run_rc=0
"$DRIVER/guest-run.sh" "$result" "
set -o pipefail
rm -rf /tmp/kselftest
cp -a $install /tmp/kselftest
cd /tmp/kselftest
${KSELFTEST_GUEST_SETUP:-}
stamp() { while IFS= read -r l; do echo \"\${EPOCHREALTIME} \$l\"; done; }
{ ./run_kselftest.sh ${args[*]} 2>&1 ${KSELFTEST_GUEST_AFTER:+; ${KSELFTEST_GUEST_AFTER}}; } |
	tee \$GUEST_OUT/ktap.txt | stamp > \$GUEST_OUT/timed.txt
" || run_rc=$?
cp "$BUILD/guest-out/$result/ktap.txt" "$ktap" 2>/dev/null || touch "$ktap"
cp "$BUILD/guest-out/$result/timed.txt" "$LOGS/$result-timed.log" 2>/dev/null || true

# Top-level KTAP result lines: "ok N name [# SKIP ...]", "not ok N name".
passed=$(grep -cE '^ok [0-9]+ ' "$ktap" || true)
skipped=$(grep -cE '^ok [0-9]+ .*# *SKIP' "$ktap" || true)
failed=$(grep -cE '^not ok [0-9]+ ' "$ktap" || true)
passed=$((passed - skipped))
note=
if ((run_rc != 0 && failed == 0)); then
	failed=1	# crashed, timed out or splat: the run itself failed
	note=guest-run-exit-$run_rc
fi
if ((passed + failed + skipped == 0)); then
	failed=1
	note=no-tests-ran
fi

say "$result: per test, seconds (KTAP in $ktap)"
"$DRIVER/ktap-table.sh" "$ktap" "$LOGS/$result-timed.log" > "$LOGS/$result-table.tsv"
awk -F'\t' '{ printf "  %-4s %5s  %s%s\n", $1, $4, $2, ($3 != "" ? "  (" $3 ")" : "") }' \
	"$LOGS/$result-table.tsv" >&2
# What a failed case printed last (its diagnostics come right before its
# "not ok"), so that a log that keeps only this output, such as CI's,
# tells why.
if ((failed)); then
	awk '/^(# )*ok [0-9]+ / { n = 0; next }
	     /^(# )*not ok [0-9]+ / {
		for (i = (n > 25 ? n - 25 : 0); i < n; i++) print "    " buf[i % 25]
		print "    " $0; n = 0; next }
	     { buf[n % 25] = $0; n++ }' "$ktap" >&2
fi
write_result "$result" "$passed" "$failed" "$skipped" "$note"
((failed == 0))
