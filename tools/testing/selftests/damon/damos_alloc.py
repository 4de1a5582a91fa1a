#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMOS alloc and free, through sysfs, on physical memory (paddr).

A paddr kdamond monitors the top 512 MiB of System RAM, which is free
or cold in a freshly booted guest.  An alloc scheme for regions not
accessed, with a quota of 128 MiB a second, must take blocks of it out of
the page allocator: MemTotal falls and the scheme's sz_applied grows by
at least 256 MiB within a deadline.  Switched to free by a commit, the
scheme gives them back: MemTotal returns to within a block of where it
started.  A kdamond stopped while it holds blocks gives them all back by
the time "off" returns.  While it holds blocks, a process that needs more
than the free memory gets it without an OOM kill: the blocks' shrinker
gives them back to reclaim.  Both actions are paddr only: a vaddr context
with either is refused with EINVAL at "on".
"""

import errno
import os
import subprocess
import sys
import time

import damon_admin as da
import damos_checks as c

MIB = 1 << 20
RANGE = 512 * MIB
WANT = 256 * MIB
QUOTA = 128 * MIB
BLOCK = 2 * MIB		# pageblock on x86_64
TIMEOUT_S = 120
TOUCH_TIMEOUT_S = 200	# 3.6 GiB took 83 s under TCG
NAMES = ('alloc_takes_cold_blocks', 'free_by_commit_gives_them_back',
         'stop_gives_every_block_back', 'shrinker_gives_blocks_to_reclaim',
         'vaddr_refuses_alloc_and_free')
# Write every page of argv[1] bytes, then print MemTotal (kB) while the
# memory is still in use.  In 64 MiB pieces: the overcommit heuristic
# refuses one allocation bigger than MemTotal, which the blocks lower.
TOUCH = ('import sys\n'
         'bufs = []\n'
         'for _ in range(int(sys.argv[1]) >> 26):\n'
         '    b = bytearray(1 << 26)\n'
         '    b[::4096] = b"\\1" * (1 << 14)\n'
         '    bufs.append(b)\n'
         'print(open("/proc/meminfo").readline().split()[1])\n')


def top_of_ram():
    """The last RANGE bytes of the highest System RAM range, block
    aligned."""
    best = None
    with open('/proc/iomem') as f:
        for line in f:
            if not line.startswith(' ') and 'System RAM' in line:
                s, e = (int(x, 16) for x in line.split(':')[0].split('-'))
                if best is None or e > best[1]:
                    best = (s, e + 1)
    if best is None:
        raise da.Unsupported('no System RAM in /proc/iomem')
    end = best[1] // BLOCK * BLOCK
    start = max(best[0], end - RANGE)
    start = (start + BLOCK - 1) // BLOCK * BLOCK
    if end - start < WANT:
        raise da.Unsupported(f'top System RAM range {best} too small')
    return start, end


def mem_total():
    return c.meminfo()['MemTotal']


def context(region, action):
    if action == 'alloc':
        scheme = da.Scheme('alloc', nr_accesses=(0, 0), quota=da.Quota(
            bytes=QUOTA, reset_interval_ms=1000))
    else:
        scheme = da.Scheme(action)
    return da.Context('paddr', schemes=[scheme],
                      targets=[da.Target(regions=[region])])


class State:
    """What the cases share: the kdamond, the region, MemTotal at first."""

    def __init__(self):
        self.region = top_of_ram()
        self.total = mem_total()
        self.k = None


def alloc(st):
    st.k = da.Kdamond(context(st.region, 'alloc'))
    t0 = time.monotonic()
    st.k.start()
    taken = c.polled(lambda: (st.total - mem_total() >= WANT and
                              st.k.stats()['sz_applied'] >= WANT),
                     TIMEOUT_S)
    took = time.monotonic() - t0
    fall = st.total - mem_total()
    stats = st.k.stats()
    ok = bool(taken) and fall >= WANT and stats['sz_applied'] >= WANT
    # what was taken is out of the managed memory, block for block
    ok = ok and fall % BLOCK == 0
    return ok, (f'region {st.region[0]:#x}-{st.region[1]:#x}: MemTotal '
                f'fell {fall >> 20} MiB in {took:.1f}s; stats {stats}')


def free(st):
    if st.k is None or not st.k.running():
        raise da.Unsupported('alloc did not run')
    st.k.ctx = context(st.region, 'free')
    t0 = time.monotonic()
    st.k.commit()
    back = c.polled(lambda: st.total - mem_total() < BLOCK, TIMEOUT_S)
    took = time.monotonic() - t0
    gap = st.total - mem_total()
    stats = st.k.stats()
    return bool(back) and st.k.running(), (
        f'MemTotal {gap >> 10} KiB short of the start after {took:.1f}s; '
        f'stats {stats}')


def stop(st):
    if st.k is None or not st.k.running():
        raise da.Unsupported('alloc did not run')
    st.k.ctx = context(st.region, 'alloc')
    st.k.commit()
    if not c.polled(lambda: st.total - mem_total() >= 64 * MIB, TIMEOUT_S):
        return False, 'alloc took nothing after the commit back'
    held = st.total - mem_total()
    st.k.stop()
    # the kdamond gave its blocks back before it finished
    gap = st.total - mem_total()
    return gap < BLOCK, (f'held {held >> 20} MiB; after "off" MemTotal is '
                         f'{gap >> 10} KiB short of the start')


def oom_kills():
    with open('/proc/vmstat') as f:
        for line in f:
            name, value = line.split()
            if name == 'oom_kill':
                return int(value)
    return 0


def pressure(st):
    st.k = da.Kdamond(context(st.region, 'alloc'))
    st.k.start()
    if not c.polled(lambda: st.total - mem_total() >= WANT, TIMEOUT_S):
        return False, 'alloc took less than it should'
    held = st.total - mem_total()
    kills = oom_kills()
    # more than is free: the rest must come from reclaim, blocks first
    need = c.meminfo()['MemFree'] + QUOTA
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, '-c', TOUCH, str(need)],
                       timeout=TOUCH_TIMEOUT_S, check=False,
                       capture_output=True, text=True)
    took, rc = time.monotonic() - t0, p.returncode
    # with the process's memory still in use
    after = st.total - int(p.stdout or 0) * 1024 if rc == 0 else held
    st.k.stop()
    killed = oom_kills() - kills
    ok = rc == 0 and killed == 0 and after < held
    return ok, (f'held {held >> 20} MiB; a process wrote {need >> 20} MiB '
                f'in {took:.1f}s (exit {rc}, {killed} OOM kills); then '
                f'{after >> 20} MiB held {p.stderr.strip()[-200:]}')


def vaddr_refused(st):
    fails = []
    for action in ('alloc', 'free'):
        ctx = da.Context('vaddr', schemes=[da.Scheme(action)],
                         targets=[da.Target(pid=os.getpid())])
        k = da.Kdamond(ctx)
        try:
            k.start()
        except OSError as e:
            if e.errno != errno.EINVAL:
                fails.append(f'{action}: {e}')
        else:
            fails.append(f'{action}: vaddr kdamond started')
            k.stop()
        if k.running():
            fails.append(f'{action}: kdamond left on')
            k.stop()
    return not fails, '; '.join(fails)


def main():
    ktap = c.Ktap(len(NAMES))
    if not da.available():
        c.skip_all(ktap, NAMES, 'no DAMON sysfs interface')
    st = None
    try:
        st = State()
        cases = (alloc, free, stop, pressure, vaddr_refused)
        for name, fn in zip(NAMES, cases):
            c.run_case(ktap, name, lambda fn=fn: fn(st))
    except da.Unsupported as e:
        c.skip_all(ktap, NAMES[ktap.nr:], str(e))
    finally:
        if st is not None and st.k is not None:
            st.k.stop()
    ktap.finish()


if __name__ == '__main__':
    main()
