# SPDX-License-Identifier: GPL-2.0
"""The host side of the test guest, seen from inside it.

driver/guest-init.sh binds the host's root file system (virtio-9p,
read-only) at /run/host, so the host's /proc is /run/host/proc.  The QEMU
process that runs this guest is the one whose kernel command line
(-append) holds guest_out=$GUEST_OUT (driver/guest-run.sh); its resident
set is what the host pays for the guest's memory, which free page
reporting (the virtio-balloon device) lowers.
"""

import os

HOST_PROC = '/run/host/proc'


def read_host(path):
    """Text of a host /proc file.  The 9p root is mounted with
    cache=loose, whose page cache believes the zero size procfs reports:
    O_DIRECT reads go to the host every time."""
    fd = os.open(path, os.O_RDONLY | getattr(os, 'O_DIRECT', 0))
    try:
        chunks = []
        while True:
            b = os.read(fd, 65536)
            if not b:
                break
            chunks.append(b)
        return b''.join(chunks)
    finally:
        os.close(fd)


def qemu_pid(guest_out=None):
    """Host pid of the QEMU running this guest, or None (no /run/host,
    not in a driver/guest-run.sh guest)."""
    key = f'guest_out={guest_out or os.environ.get("GUEST_OUT", "")}'
    if key == 'guest_out=' or not os.path.isdir(HOST_PROC):
        return None
    for p in os.listdir(HOST_PROC):
        if not p.isdigit():
            continue
        try:
            argv = read_host(f'{HOST_PROC}/{p}/cmdline').split(b'\0')
        except OSError:
            continue
        # the timeout(1) wrapping QEMU has the same words after its own
        if not os.path.basename(argv[0]).startswith(b'qemu-system'):
            continue
        if any(key.encode() in a.split() for a in argv):
            return int(p)
    return None


def vm_rss(pid):
    """Resident set of host process pid, in bytes."""
    for line in read_host(f'{HOST_PROC}/{pid}/status').decode().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) * 1024
    raise OSError(f'no VmRSS for host pid {pid}')


def qemu_rss():
    """Resident set of this guest's QEMU in bytes, or None if it cannot
    be seen."""
    pid = qemu_pid()
    if pid is None:
        return None
    try:
        return vm_rss(pid)
    except OSError:
        return None


if __name__ == '__main__':
    qpid = qemu_pid()
    print(f'qemu pid {qpid}, VmRSS {vm_rss(qpid) if qpid else None}')
