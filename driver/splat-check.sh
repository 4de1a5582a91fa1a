#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Look for kernel splats in kernel logs (KUnit's raw log, guest serial
# logs).  Prints the offending lines; exits 1 if there is any.
#
# Usage: splat-check.sh LOG...
set -euo pipefail

# The patterns (extended regular expressions), in one place.
SPLATS=(
	'BUG:'
	'WARNING:'
	'KASAN'
	'possible recursive locking'
	'possible circular locking'
	'lockdep'
	'INFO: rcu'
	'rcu_sched detected stall'
	'rcu_preempt detected stall'
	'Oops'
	'general protection fault'
	'Kernel panic'
	'UBSAN'
	'BUG kmalloc'
	'list_add corruption'
	'list_del corruption'
	'soft lockup'
	'hung_task'
	'blocked for more than'
)
# Lines that match a pattern above but are not splats.
BENIGN=(
	'RCU lockdep checking is enabled'
	# UML of kunit.py's default config: PCI over virtio without a
	# device ID warns once at boot ("no PCI support").
	'WARNING: CPU: [0-9]+ PID: [0-9]+ at arch/um/drivers/virt-pci\.c'
	# A user-space program's fault, which the kernel only reports.
	'traps: .*\[[0-9]+\] general protection fault ip:'
)

pattern=$(IFS='|'; echo "${SPLATS[*]}")
benign=$(IFS='|'; echo "${BENIGN[*]}")
found=0
for log in "$@"; do
	if [[ ! -f $log ]]; then
		echo "splat-check: $log missing" >&2
		found=1
		continue
	fi
	hits=$(grep -aE "$pattern" "$log" | grep -avE "$benign" || true)
	if [[ -n $hits ]]; then
		echo "splat-check: kernel splat(s) in $log:" >&2
		head -20 <<< "$hits" | sed 's/^/  /' >&2
		found=1
	fi
done
exit "$found"
