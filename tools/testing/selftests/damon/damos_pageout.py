#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMOS pageout and willneed, through sysfs, on a process (fvaddr).

A process has a 64 MiB cold buffer, written once, and an 8 MiB hot one it
keeps writing.  A pageout scheme for regions not accessed for half a
second must move the cold buffer to (zram) swap: the process's RSS falls
and its swap use rises by most of 64 MiB, while the hot buffer stays.
Then a willneed scheme for the same regions must read the cold buffer
back into memory (the swap cache; mincore() sees it resident).
"""

import damon_admin as da
import damos_checks as c

COLD_MIB = 64
HOT_MIB = 8
TIMEOUT_S = 120
NAMES = ('pageout_cold_buffer_to_swap', 'willneed_reads_it_back')


def monitor(w, scheme):
    return da.Context('fvaddr', schemes=[scheme], targets=[da.Target(
        pid=w.pid, regions=[w.region('cold'), w.region('hot')])])


def pageout(w):
    cold = w.size('cold')
    before = w.status()
    swap_before = before.get('VmSwap', 0)
    scheme = da.Scheme('pageout', nr_accesses=(0, 0), age=(5, da.UINT_MAX))
    with da.Kdamond(monitor(w, scheme)) as k:
        c.polled(lambda: w.status()['VmSwap'] - swap_before >= 0.9 * cold,
                 TIMEOUT_S)
        after = w.status()
        stats = k.stats()
    hot_resident = w.resident('hot')
    cold_resident = w.resident('cold')
    swapped = after['VmSwap'] - swap_before
    rss_fall = before['VmRSS'] - after['VmRSS']
    ok = (swapped >= 0.8 * cold and rss_fall >= 0.8 * cold and
          cold_resident <= 0.2 and hot_resident >= 0.9 and
          stats['sz_applied'] >= 0.8 * cold)
    return ok, (f'RSS fell {rss_fall >> 20} MiB, swap rose {swapped >> 20} '
                f'MiB; resident: cold {cold_resident:.2f} hot '
                f'{hot_resident:.2f}; stats {stats}')


def willneed(w):
    if w.resident('cold') > 0.2:
        raise da.Unsupported('the cold buffer was not paged out')
    cached_before = c.meminfo()['SwapCached']
    scheme = da.Scheme('willneed', nr_accesses=(0, 0))
    with da.Kdamond(monitor(w, scheme)) as k:
        c.polled(lambda: w.resident('cold') >= 0.9, TIMEOUT_S)
        stats = k.stats()
    resident = w.resident('cold')
    cached = c.meminfo()['SwapCached'] - cached_before
    ok = resident >= 0.8 and stats['nr_applied'] > 0
    return ok, (f'cold buffer resident {resident:.2f}, swap cache grew '
                f'{cached >> 20} MiB; stats {stats}')


def main():
    ktap = c.Ktap(len(NAMES))
    if not da.available():
        c.skip_all(ktap, NAMES, 'no DAMON sysfs interface')
    try:
        with c.ZramSwap(), c.Workload(cold=COLD_MIB, hot=HOT_MIB) as w:
            c.run_case(ktap, NAMES[0], lambda: pageout(w))
            c.run_case(ktap, NAMES[1], lambda: willneed(w))
    except da.Unsupported as e:
        c.skip_all(ktap, NAMES[ktap.nr:], str(e))
    ktap.finish()


if __name__ == '__main__':
    main()
