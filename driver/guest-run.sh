#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the test guest under qemu (TCG, 2 CPUs, 2 NUMA nodes), run one
# shell command in it and return the command's exit status.
#
# Usage: guest-run.sh NAME 'COMMAND'   run COMMAND (bash) in the guest
#        guest-run.sh --shell          interactive shell on the console
#
# The guest's root is the host's / (read-only, virtio-9p), so every host
# path works in it.  build/guest-out/NAME/ is shared writable at the same
# path; in the guest, $GUEST_OUT names it.  The command's output goes to
# build/guest-out/NAME/output.log (shown here as it comes), the serial
# console (kernel log) to build/logs/NAME-serial.log, which is checked for
# kernel splats.
#
# KERNEL         bzImage to boot, or "ours" (build/guest, default),
#                "debug" (build/debug-guest), "upstream"
#                (build/upstream-guest), "bench" or "upstream-bench"
#                (build/bench-guest, build/upstream-bench-guest)
# GUEST_TIMEOUT  wall-clock limit in seconds (default 1800); a guest that
#                exceeds it is killed and the run fails
# GUEST_APPEND   more kernel command line words
# GUEST_RIG_FLUSH  1 (default) boots our kernel with
#                damon_ops.flush_tlb_for_emulators=Y, as QEMU's software
#                TLB can hide re-accesses for seconds (design.rst, "TLB");
#                0 boots it as on hardware, which make bench measures
# GUEST_BALLOON  1 gives the guest a virtio-balloon device with free page
#                reporting (see below)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

case ${KERNEL:=ours} in
ours)		kernel=$BUILD/guest/arch/x86/boot/bzImage ;;
debug)		kernel=$BUILD/debug-guest/arch/x86/boot/bzImage ;;
upstream)	kernel=$BUILD/upstream-guest/arch/x86/boot/bzImage ;;
bench)		kernel=$BUILD/bench-guest/arch/x86/boot/bzImage ;;
upstream-bench)	kernel=$BUILD/upstream-bench-guest/arch/x86/boot/bzImage ;;
*)		kernel=$(realpath "$KERNEL") ;;
esac
[[ -f $kernel ]] || die "no kernel at $kernel (make guest-kernel)"

rig=
[[ $KERNEL == @(ours|debug|bench) && ${GUEST_RIG_FLUSH:-1} == 1 ]] &&
	rig=damon_ops.flush_tlb_for_emulators=Y

mode=run
if [[ ${1:-} == --shell ]]; then
	mode=shell name=shell
else
	[[ $# == 2 ]] || die "usage: guest-run.sh NAME 'COMMAND' | --shell"
	name=$1
fi
serialize "guest-$name"
out=$BUILD/guest-out/$name
serial=$LOGS/$name-serial.log
rm -rf "$out"
mkdir -p "$out"
[[ $mode == run ]] && printf 'export GUEST_OUT=%q\n%s\n' "$out" "$2" > "$out/cmd"

# One socket per CPU: each NUMA node gets its own LLC (with one socket,
# the kernel warns that LLC siblings sit on different nodes).  Both
# kernels have NUMA balancing built in (DAMON's page_fault primitive
# needs its fault path); numa_balancing=disable keeps it from running on
# the two nodes, so that no NUMA hint or migration disturbs a test.
# GUEST_BALLOON=1 adds a balloon device for its free page reporting
# (nothing ever inflates it): the guest kernel's driver then reports free
# memory, which QEMU gives back to the host, so that the host's view of
# the guest's memory can be measured (DAMON_ACMA, modules_acma.py).  Only
# on request: the reporting worker takes free 2 MiB blocks off the free
# lists while it reports them and puts them back at the tails, which
# changes what the other tests' allocations get (MADV_COLLAPSE found too
# few free huge pages with it).
# watchdog_thresh=30 reports a soft lockup after 60 s instead of 20 s, as
# the RCU stall timeout is 60 s (guest.config): under TCG a vCPU can make
# no visible progress for over 20 s of guest time without any lockup in
# the guest (seen once, in zram decompression of a swap-in while the
# other vCPU reclaimed for a paddr pageout scheme; the host was idle).
# shellcheck disable=SC2054 # commas inside qemu arguments
qemu=(qemu-system-x86_64 -accel tcg -smp 2,sockets=2 -m 4G
	-object memory-backend-ram,id=m0,size=2G
	-object memory-backend-ram,id=m1,size=2G
	-numa node,nodeid=0,cpus=0,memdev=m0
	-numa node,nodeid=1,cpus=1,memdev=m1
	-nographic -no-reboot
	-fsdev local,id=root,path=/,readonly=on,security_model=none,multidevs=remap
	-device virtio-9p-pci,fsdev=root,mount_tag=/dev/root
	-fsdev local,id=out,path="$out",security_model=none
	-device virtio-9p-pci,fsdev=out,mount_tag=guestout
	${GUEST_BALLOON:+-device virtio-balloon-pci,free-page-reporting=on}
	-kernel "$kernel"
	-append "root=/dev/root rootfstype=9p rootflags=trans=virtio,version=9p2000.L,cache=loose,msize=262144 ro console=ttyS0 panic=-1 init=$DRIVER/guest-init.sh guest_out=$out guest_mode=$mode numa_balancing=disable watchdog_thresh=30 $rig ${GUEST_APPEND:-}")

if [[ $mode == shell ]]; then
	say "guest shell (kernel $kernel); exit the shell to power off," \
	    "or Ctrl-a x to kill qemu"
	locked "${qemu[@]}"
	exit 0
fi

say "guest run $name: kernel $kernel, serial log $serial"
start=$SECONDS
# shellcheck disable=SC2317 # called through locked
run_qemu() {
	timeout -k 10 "${GUEST_TIMEOUT:-1800}" "${qemu[@]}" \
		< /dev/null > "$serial" 2>&1 &
	local qpid=$!
	# shellcheck disable=SC2064 # expand now
	trap "kill $qpid 2>/dev/null || true" EXIT
	tail -n +1 -F --pid="$qpid" "$out/output.log" 2>/dev/null || true
	wait "$qpid"
	local rc=$?
	trap - EXIT
	return "$rc"
}
qrc=0
locked run_qemu || qrc=$?
say "guest run $name: qemu exited with $qrc after $((SECONDS - start)) s"

rc=0
if [[ $qrc == 124 || $qrc == 137 ]]; then
	echo "ERROR: guest run $name timed out after ${GUEST_TIMEOUT:-1800} s" >&2
	rc=124
elif [[ ! -s $out/exit-code ]]; then
	echo "ERROR: guest run $name ended without an exit code" >&2
	tail -30 "$serial" >&2
	rc=125
else
	rc=$(cat "$out/exit-code")
fi
if ! "$DRIVER/splat-check.sh" "$serial"; then
	((rc != 0)) || rc=126
fi
exit "$rc"
