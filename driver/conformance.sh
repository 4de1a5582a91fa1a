#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The base kernel's own DAMON kselftests, taken from the tarball into
# build/upstream-tools/ (with scripts/, which the kselftest Makefile
# includes; never into the repository), run in the guest.
#
# KERNEL=ours (default) or upstream (make upstream-guest-kernel first);
# the result goes to build/results/conformance.txt or
# conformance-upstream.txt, and a table compares the two when both exist.
#
# On our kernel every test must pass, except those driver/conformance-baseline.txt
# lists (failing on the unmodified kernel too, or pending a later issue;
# both count as skipped) and the debugfs_* ones (the deprecated debugfs
# interface is not ours; they run but count as skipped).
# SELFTEST_TIMEOUT defaults to 300 s per test (TCG is slow).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tools=$BUILD/upstream-tools
marker=$tools/.extracted
if [[ ! -e $marker ]]; then
	serialize upstream-tools
	if [[ ! -e $marker ]]; then
		say "extracting $TOPDIR/tools from $TARBALL into $tools"
		discard "$tools"
		mkdir -p "$tools"
		unpack "$tools/$TOPDIR" "$TOPDIR/tools" "$TOPDIR/scripts"
		touch "$marker"
	fi
fi

export KERNEL=${KERNEL:-ours}
export SELFTEST_TIMEOUT=${SELFTEST_TIMEOUT:-300}
case $KERNEL in
ours)		result=conformance ;;
upstream)	result=conformance-upstream ;;
*)		result=conformance-$(basename "$(dirname "$KERNEL")") ;;
esac
rc=0
"$DRIVER/kselftest.sh" "$result" "$tools/$TOPDIR/tools/testing/selftests" \
	damon || rc=$?

# Our verdict: failures listed in the baseline do not count.
if [[ $result == conformance && -f $LOGS/$result-table.tsv ]]; then
	rc=0
	read -r p f s < <(awk -F'\t' -v base="$DRIVER/conformance-baseline.txt" '
		BEGIN {
			while ((getline line < base) > 0) {
				if (line ~ /^#/ || line == "") continue
				split(line, w, "\t")
				kind[w[2]] = w[1]; why[w[2]] = w[3]
			}
		}
		{
			t = $2; sub(/^damon: /, "", t)
			if (t ~ /^debugfs_/) { s++; next }	# not our interface
			if ($1 == "PASS") { p++; next }
			if (kind[t] == "fail" && $1 == "FAIL") {
				s++; print "  known upstream failure: " t > "/dev/stderr"
				next
			}
			if (kind[t] == "pending") {
				s++; print "  pending: " t " (" why[t] ")" > "/dev/stderr"
				next
			}
			f++; print "  FAILED: " t " " $1 " " $3 > "/dev/stderr"
		}
		END { print p + 0, f + 0, s + 0 }' "$LOGS/$result-table.tsv")
	note=
	[[ -f $RESULTS/$result.txt ]] && grep -q 'note=guest-run' "$RESULTS/$result.txt" &&
		{ f=$((f + 1)); note=guest-run-failed; }
	write_result "$result" "$p" "$f" "$s" "$note"
	((f == 0)) || rc=1
fi

# One table, one column per kernel.
if [[ -f $LOGS/conformance-table.tsv && -f $LOGS/conformance-upstream-table.tsv ]]; then
	say "conformance: ours vs upstream"
	awk -F'\t' '
		FNR == 1 { col++ }
		{
			if (!($2 in seen)) { order[n++] = $2; seen[$2] = 1 }
			r[$2, col] = $1 ($3 != "" ? "(" $3 ")" : "")
		}
		END {
			printf "  %-16s %-16s %s\n", "ours", "upstream", "test"
			for (i = 0; i < n; i++) {
				t = order[i]
				printf "  %-16s %-16s %s\n", ((t, 1) in r) ? r[t, 1] : "-",
				       ((t, 2) in r) ? r[t, 2] : "-", t
			}
		}' "$LOGS/conformance-table.tsv" "$LOGS/conformance-upstream-table.tsv" |
		tee "$LOGS/conformance-compare.txt" >&2
fi
exit "$rc"
