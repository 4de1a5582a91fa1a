#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMOS hugepage and collapse, through sysfs, on a process (vaddr).

With transparent huge pages in madvise mode, a 32 MiB buffer written
with small pages gets no huge pages by itself.  The hugepage action
(MADV_HUGEPAGE) must let khugepaged (made to scan fast here) collapse it
into huge pages; the collapse action (MADV_COLLAPSE, newer kernels) must
collapse it directly, without the hugepage flag that khugepaged needs.
Both show as AnonHugePages in the buffer's smaps.
"""

import os

import damon_admin as da
import damos_checks as c

BUF_MIB = 32
TIMEOUT_S = 120
NAMES = ('hugepage_gives_anon_huge_pages', 'collapse_gives_anon_huge_pages')


def huge_bytes(w):
    start, end = w.region('cold')
    return c.smaps(w.pid, start, end).get('AnonHugePages', 0)


def make_huge(action):
    enabled = c.read_file(os.path.join(c.THP, 'enabled'))
    if '[never]' in enabled:
        raise da.Unsupported('transparent huge pages are off')
    with c.Workload(cold=BUF_MIB) as w:
        size = w.size('cold')
        before = huge_bytes(w)
        ctx = da.Context('vaddr', targets=[da.Target(pid=w.pid)],
                         schemes=[da.Scheme(action)])
        with da.Kdamond(ctx) as k:
            c.polled(lambda: huge_bytes(w) >= 0.9 * size, TIMEOUT_S)
            after = huge_bytes(w)
            stats = k.stats()
    ok = before == 0 and after >= 0.75 * size
    return ok, (f'AnonHugePages of the buffer {before >> 20} -> '
                f'{after >> 20} MiB of {size >> 20} MiB (THP {enabled}); '
                f'stats {stats}')


def hugepage():
    with c.Khugepaged():
        return make_huge('hugepage')


def main():
    ktap = c.Ktap(len(NAMES))
    if not da.available():
        c.skip_all(ktap, NAMES, 'no DAMON sysfs interface')
    c.run_case(ktap, NAMES[0], hugepage)
    # khugepaged is back to its slow default: what collapses is DAMOS
    c.run_case(ktap, NAMES[1], lambda: make_huge('collapse'))
    ktap.finish()


if __name__ == '__main__':
    main()
