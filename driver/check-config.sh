#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Check that a .config has every option the fragments ask for: "=y" and
# other values set exactly, "is not set" options not set.  Later
# fragments override earlier ones, as in merge_config.sh.
#
# Usage: check-config.sh DOT_CONFIG FRAGMENT...
set -euo pipefail

config=$1
shift
awk '
	FNR == NR && /^CONFIG_[A-Za-z0-9_]+=/ {
		eq = index($0, "=")
		have[substr($0, 1, eq - 1)] = substr($0, eq + 1)
		next
	}
	FNR == NR { next }
	/^CONFIG_[A-Za-z0-9_]+=/ {
		eq = index($0, "=")
		sym = substr($0, 1, eq - 1)
		want[sym] = substr($0, eq + 1)
		if (!(sym in seen)) { order[n++] = sym; seen[sym] = 1 }
	}
	/^# CONFIG_[A-Za-z0-9_]+ is not set/ {
		sym = $2
		want[sym] = "n"
		if (!(sym in seen)) { order[n++] = sym; seen[sym] = 1 }
	}
	END {
		for (i = 0; i < n; i++) {
			sym = order[i]
			got = (sym in have) ? have[sym] : "n"
			if (want[sym] == "n" ? got != "n" : got != want[sym]) {
				printf "ERROR: %s=%s wanted, .config has %s\n",
				       sym, want[sym], got > "/dev/stderr"
				bad++
			}
		}
		if (bad) {
			printf "ERROR: %d option(s) of the fragments did not " \
			       "stick (unmet dependencies?)\n", bad > "/dev/stderr"
			exit 1
		}
	}
' "$config" "$@"
