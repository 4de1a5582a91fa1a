#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Replace the "DATA ACCESS MONITOR" paragraph (up to the next blank line)
# of a kernel MAINTAINERS file with the paragraph of ours.  The file is
# rewritten only when its content changes.
#
# Usage: maintainers.sh TREE_MAINTAINERS OUR_MAINTAINERS
set -euo pipefail
. "$(dirname "$0")/lib.sh"

target=$1 ours=$2
[[ -f $ours ]] || die "$ours missing"
head -1 "$ours" | grep -qx 'DATA ACCESS MONITOR' ||
	die "$ours must start with the line DATA ACCESS MONITOR"
grep -qx 'DATA ACCESS MONITOR' "$target" ||
	die "no DATA ACCESS MONITOR paragraph in $target"

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
awk -v ours="$ours" '
	BEGIN {		# our paragraph, without trailing blank lines
		while ((getline l < ours) > 0) para[n++] = l
		while (n > 0 && para[n - 1] ~ /^[ \t]*$/) n--
	}
	skip && /^[ \t]*$/ { skip = 0 }
	skip { next }
	$0 == "DATA ACCESS MONITOR" {
		for (i = 0; i < n; i++) print para[i]
		skip = 1
		next
	}
	{ print }
' "$target" > "$tmp"
cmp -s "$tmp" "$target" || cat "$tmp" > "$target"
