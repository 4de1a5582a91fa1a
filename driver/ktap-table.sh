#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The top-level results of a kselftest KTAP log as a table:
# PASS|FAIL|SKIP <tab> test <tab> note (exit=N, TIMEOUT) per line.
#
# Usage: ktap-table.sh KTAP_LOG
set -euo pipefail

sed -nE 's/^(ok|not ok) [0-9]+ (selftests: )?([^#]*[^# ])( *# *(SKIP|TIMEOUT|exit=[0-9]+).*)?$/\1\t\3\t\5/p' "$1" |
	awk -F'\t' -v OFS='\t' '{
		r = $1 == "ok" ? ($3 == "SKIP" ? "SKIP" : "PASS") : "FAIL"
		print r, $2, ($1 == "ok" ? "" : $3)
	}'
