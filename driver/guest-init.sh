#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the test guest.  The root file system is the host's, read-only
# over virtio-9p.  The kernel passes these command line words to us as
# environment variables:
#   guest_out=DIR   host directory shared writable at the same path; holds
#                   "cmd", the script to run, and receives output.log
#                   (its output) and exit-code
#   guest_mode=run|shell
#
# No "set -e" here: PID 1 must get to the power off whatever fails.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp TERM=${TERM:-linux} LANG=C.UTF-8

mounted() {	# dir: is something mounted there? (no exec: 9p is slow)
	local dir
	while read -r _ dir _; do
		[[ $dir == "$1" ]] && return 0
	done < /proc/self/mounts
	return 1
}

mnt() {		# type source dir [options]
	mounted "$3" || mount -t "$1" ${4:+-o "$4"} "$2" "$3" ||
		echo "guest-init: cannot mount $1 on $3" >&2
}

mnt proc proc /proc
mnt sysfs sysfs /sys
mnt devtmpfs devtmpfs /dev
mnt tmpfs tmpfs /run mode=755
# The guest gets a fresh /tmp; host paths under /tmp that it needs (the
# repository, as in a CI clone there, and build/) are bound back from the
# host's root.
mkdir -p /run/host
mount --bind / /run/host
mnt tmpfs tmpfs /tmp mode=1777
repo=${0%/driver/*}
build=${guest_out%/guest-out/*}
for p in "$repo" "$build"; do
	case $p in
	/tmp/?*)
		mkdir -p "$p"
		mounted "$p" || mount --bind "/run/host$p" "$p" ;;
	esac
done
# devtmpfs lacks the symlinks udev would make; /dev/stdout is used by the
# kselftest runner and /dev/fd by bash process substitution.
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
mkdir -p /dev/pts /dev/shm
mnt devpts devpts /dev/pts
mnt tmpfs tmpfs /dev/shm mode=1777
mnt tracefs tracefs /sys/kernel/tracing
mnt debugfs debugfs /sys/kernel/debug
mnt cgroup2 cgroup2 /sys/fs/cgroup
echo damon-guest > /proc/sys/kernel/hostname

poweroff_now() {
	sync
	echo o > /proc/sysrq-trigger	# power off (ACPI)
	sleep 10
	echo b > /proc/sysrq-trigger	# reboot, which ends qemu -no-reboot
}

if [[ -n ${guest_out:-} ]]; then
	mnt 9p guestout "$guest_out" trans=virtio,version=9p2000.L,msize=262144
fi
echo "guest-init: up after $(cut -d' ' -f1 /proc/uptime) s," \
     "$(find /sys/devices/system/node -maxdepth 1 -name "node[0-9]*" | wc -l) NUMA node(s)"

if [[ ${guest_mode:-run} == shell ]]; then
	echo "guest-init: interactive shell; exit it to power off"
	cd /tmp || true
	setsid -c bash -i < /dev/ttyS0 > /dev/ttyS0 2>&1
	poweroff_now
fi

rc=0
if [[ -r ${guest_out:-}/cmd ]]; then
	cd /tmp || true
	bash "$guest_out/cmd" > "$guest_out/output.log" 2>&1 < /dev/null ||
		rc=$?
else
	echo "guest-init: no command in ${guest_out:-(no guest_out)}/cmd" >&2
	rc=127
fi
echo "guest-init: command exited with $rc"
[[ -n ${guest_out:-} ]] && echo "$rc" > "$guest_out/exit-code"
poweroff_now
