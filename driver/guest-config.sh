#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Make the guest kernel's .config: tinyconfig plus the fragments, then
# check that every option of the fragments is really set.  The .config is
# generated in a scratch directory and copied only when it changed, so an
# unchanged configuration never triggers a rebuild.
#
# Usage: guest-config.sh SRC_TREE OUT_DIR FRAGMENT...
set -euo pipefail
. "$(dirname "$0")/lib.sh"

src=$(realpath "$1") out=$(realpath -m "$2")
shift 2
frags=()
for f in "$@"; do frags+=("$(realpath "$f")"); done
set -- "${frags[@]}"
scratch=$out.kconfig
mkdir -p "$out" "$scratch"

kmake() { make -s -C "$src" O="$scratch" ARCH=x86_64 "$@"; }
kmake tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$scratch" \
	"$scratch/.config" "$@" > "$scratch/merge.log"
kmake olddefconfig
"$DRIVER/check-config.sh" "$scratch/.config" "$@"

if ! cmp -s "$scratch/.config" "$out/.config"; then
	say "new configuration in $out/.config"
	cp "$scratch/.config" "$out/.config"
fi
