#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The base kernel's own DAMON kselftests, taken from the tarball into
# build/upstream-tools/ (with scripts/, which the kselftest Makefile
# includes; never into the repository), run in the guest.
#
# KERNEL=ours (default) or upstream (make upstream-guest-kernel first);
# the result goes to build/results/conformance.txt or
# conformance-upstream.txt, and a table compares the two when both exist.
# SELFTEST_TIMEOUT defaults to 300 s per test (TCG is slow).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tools=$BUILD/upstream-tools
marker=$tools/.extracted
if [[ ! -e $marker ]]; then
	say "extracting $TOPDIR/tools from $TARBALL into $tools"
	rm -rf "$tools"
	mkdir -p "$tools"
	tar -xJf "$TARBALL" -C "$tools" "$TOPDIR/tools" "$TOPDIR/scripts"
	touch "$marker"
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
