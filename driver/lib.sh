# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
# Common settings for the driver scripts.  Source it, do not run it.
#
# Every path is derived from the repository root, so the scripts work from
# any clone.  The guest sees the host root file system at the same paths,
# so these absolute paths are valid inside the guest too.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DRIVER=$REPO/driver
BUILD=${BUILD:-$REPO/build}
TARBALL=${TARBALL:-/usr/src/linux-source-6.12.tar.xz}
TOPDIR=linux-source-6.12		# top directory inside the tarball
TREE=$BUILD/$TOPDIR			# the composed tree (ours in place)
PRISTINE=$BUILD/upstream-$TOPDIR	# an untouched extraction (base)
LOGS=$BUILD/logs
RESULTS=$BUILD/results
LOCK=${KBUILD_LOCK:-$BUILD/.kbuild.lock}	# KBUILD_LOCK: share another lock
JOBS=${JOBS:-2}

# Paths (relative to a kernel tree) that DAMON owns.  Upstream's files
# under them are removed from the composed tree; ours are synced in.
# A trailing slash marks a directory.
OWNED_PATHS=(
	mm/damon/
	include/linux/damon.h
	include/trace/events/damon.h
	Documentation/mm/damon/
	Documentation/admin-guide/mm/damon/
	Documentation/ABI/testing/sysfs-kernel-mm-damon
	tools/testing/selftests/damon/
	tools/testing/damon/
	samples/damon/
)

# Upstream DAMON paths that we never provide: translations of the
# documents above.  They are removed and must stay removed.
UPSTREAM_ONLY_GLOBS=(
	'Documentation/translations/*/mm/damon/'
	'Documentation/translations/*/admin-guide/mm/damon/'
)

mkdir -p "$BUILD" "$LOGS" "$RESULTS"

# Our Makefile's variables (KERNEL=..., -k, -j) must not leak into the
# kernel's make, which would take them as its own.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Run a command holding the machine-wide kernel build lock, so that only
# one kernel build, kunit.py run or qemu run happens at a time.  Nested
# calls (DAMON_LOCK_HELD=1, also for callers that took the lock
# themselves) do not lock again.  Closing the descriptor, also by exiting,
# releases the lock.
locked() {
	if [[ ${DAMON_LOCK_HELD:-0} == 1 ]]; then
		"$@"
		return
	fi
	local fd rc=0
	exec {fd}>>"$LOCK"
	if ! flock -n "$fd"; then
		say "waiting for $LOCK (another kernel build or guest run)"
		flock "$fd"
	fi
	export DAMON_LOCK_HELD=1
	"$@" || rc=$?
	unset DAMON_LOCK_HELD
	exec {fd}>&-
	return "$rc"
}

# Write a results file: build/results/<suite>.txt
write_result() {	# suite passed failed skipped [note]
	printf 'passed=%d failed=%d skipped=%d%s\n' "$2" "$3" "$4" \
		"${5:+ note=$5}" > "$RESULTS/$1.txt"
	say "$1: $(cat "$RESULTS/$1.txt")"
}
