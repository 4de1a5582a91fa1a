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

# Take turns with other runs of the same step: hold build/.NAME.lock until
# the calling script exits.  Two make targets started together in one
# clone may both run a step (make test and make lint both compose); the
# step's outputs under build/ (logs, results, scratch and output
# directories) are then written by one run at a time.  A step must not
# call another step of the same NAME (it would wait for itself).
serialize() {	# name
	local fd
	exec {fd}>>"$BUILD/.$1.lock"
	if ! flock -n "$fd"; then
		say "waiting for another $1 run ($BUILD/.$1.lock)"
		flock "$fd"
	fi
}

# Put the tarball's top directory (or the MEMBERs of it) at DEST, whole or
# not at all: it is extracted into a scratch directory under build/ and
# renamed into place.  If DEST appeared meanwhile (another run was
# faster), that one is kept and ours discarded.  An interrupted extraction
# leaves only build/.unpack.*, which make clean removes.  Once the
# pristine tree is complete, the files are copied from it instead: the
# same files, without decompressing the tarball again (15 s of CPU).
unpack() {	# dest [member...]
	(
		tmp=$(mktemp -d "$BUILD/.unpack.XXXXXX")
		# shellcheck disable=SC2064 # expand now
		trap "rm -rf '$tmp'" EXIT
		if [[ $1 != "$PRISTINE" && -d $PRISTINE &&
		      -e $BUILD/.unpacked-upstream-$TOPDIR ]]; then
			local -a rel=(.)
			(($# > 1)) && rel=("${@:2}") && rel=("${rel[@]#"$TOPDIR"/}")
			mkdir "$tmp/$TOPDIR"
			(cd "$PRISTINE" && cp -a --parents "${rel[@]}" "$tmp/$TOPDIR/")
		else
			tar -xJf "$TARBALL" -C "$tmp" "${@:2}"
		fi
		if ! mv -T "$tmp/$TOPDIR" "$1" 2>/dev/null; then
			[[ -d $1 ]] || die "cannot rename the extraction to $1"
			say "$1 appeared meanwhile; keeping it"
		fi
	)
}

# Remove a directory that an older run may have left incomplete: renamed
# out of the way first, so that no reader ever sees it half removed.
discard() {	# dir
	local aside
	[[ -e $1 ]] || return 0
	aside=$(mktemp -d "$BUILD/.discard.XXXXXX")
	mv -T "$1" "$aside/d"
	rm -rf "$aside"
}

# Write a file atomically: stdin goes to a scratch file that is renamed
# onto FILE, so a reader sees the old content or the new one, never a
# part.
atomic_write() {	# file
	local tmp
	tmp=$(mktemp "$1.XXXXXX")
	cat > "$tmp"
	mv -f "$tmp" "$1"
}

# Write a results file: build/results/<suite>.txt
write_result() {	# suite passed failed skipped [note]
	printf 'passed=%d failed=%d skipped=%d%s\n' "$2" "$3" "$4" \
		"${5:+ note=$5}" | atomic_write "$RESULTS/$1.txt"
	say "$1: $(cat "$RESULTS/$1.txt")"
}
