#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Extract the unmodified base tree, once, into
# build/upstream-linux-source-6.12.  Nothing may ever change it: it is the
# base of the patch series and the source of the upstream guest kernel
# (built out of tree).
#
# Two runs may start together (make test and make upstream-guest-kernel):
# they take turns on build/.pristine.lock, and the tree appears by an
# atomic rename only once it is complete.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

marker=$BUILD/.unpacked-upstream-$TOPDIR
[[ -e $marker && -d $PRISTINE ]] && exit 0
serialize pristine
[[ -e $marker && -d $PRISTINE ]] && exit 0	# the other run made it
say "extracting the pristine base tree into $PRISTINE"
discard "$PRISTINE"		# left incomplete by an older driver
unpack "$PRISTINE"
touch "$marker"
