#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the build and the tests need, if missing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PACKAGES=(
	linux-source-6.12	# the base kernel tarball
	build-essential bc bison flex libelf-dev libssl-dev
	cpio kmod rsync xz-utils git python3 perl
	patch			# compose.sh applies patches/series
	qemu-system-x86		# the test guest
	sparse			# make lint (C=1)
	numactl			# NUMA tools inside the guest
	python3-sphinx		# make lint (driver/docs.sh)
	python3-matplotlib	# make run's heatmap.png
	util-linux coreutils procps
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q '^install ok installed$' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
	say "all packages present"
	exit 0
fi
[[ $(id -u) == 0 ]] || die "missing packages (${missing[*]}); run as root"
say "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
