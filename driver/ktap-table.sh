#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The top-level results of a kselftest KTAP log as a table:
# PASS|FAIL|SKIP <tab> test <tab> note (exit=N, TIMEOUT) <tab> seconds
# per line.  The seconds come from TIMED_LOG, the same lines with a time
# stamp (seconds) in front (kselftest.sh writes it); without it, or for a
# result without a "# selftests: NAME" line before it, they are empty.
#
# Usage: ktap-table.sh KTAP_LOG [TIMED_LOG]
set -euo pipefail

ktap=$1 timed=${2:-}
if [[ -z $timed || ! -s $timed ]]; then
	timed=$(mktemp)
	trap 'rm -f "$timed"' EXIT
	sed 's/^/- /' "$ktap" > "$timed"
fi

awk -v OFS='\t' '
	{ t = $1; sub(/^[^ ]+ /, "") }
	/^# selftests: / { start[substr($0, 14)] = t; next }
	/^(ok|not ok) [0-9]+ / {
		line = $0
		r = sub(/^ok [0-9]+ /, "", line) ? "ok" : "not ok"
		sub(/^not ok [0-9]+ /, "", line)
		sub(/^selftests: /, "", line)
		note = ""
		if (match(line, / *# *(SKIP|TIMEOUT|exit=[0-9]+)/)) {
			note = substr(line, RSTART, RLENGTH)
			sub(/^ *# */, "", note)
			line = substr(line, 1, RSTART - 1)
		} else {
			sub(/ *#.*$/, "", line)
		}
		res = r == "ok" ? (note == "SKIP" ? "SKIP" : "PASS") : "FAIL"
		secs = (line in start && t != "-") ? sprintf("%.0f", t - start[line]) : ""
		print res, line, (r == "ok" ? "" : note), secs
	}' "$timed"
