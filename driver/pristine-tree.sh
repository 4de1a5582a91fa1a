#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Extract the unmodified base tree, once, into
# build/upstream-linux-source-6.12.  Nothing may ever change it: it is the
# base of the patch series and the source of the upstream guest kernel
# (built out of tree).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

marker=$BUILD/.unpacked-upstream-$TOPDIR
[[ -e $marker && -d $PRISTINE ]] && exit 0
say "extracting the pristine base tree into $PRISTINE"
tmp=$BUILD/.pristine.tmp
rm -rf "$tmp" "$PRISTINE"
mkdir -p "$tmp"
tar -xJf "$TARBALL" -C "$tmp"
mv "$tmp/$TOPDIR" "$PRISTINE"
rmdir "$tmp"
touch "$marker"
