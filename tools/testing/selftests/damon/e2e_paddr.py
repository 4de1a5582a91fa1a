#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON end to end: the physical address space (paddr).

The hot part of access_hotcold's buffer must be found by monitoring all of
System RAM, within 10 seconds.  Its physical pages are read from pagemap.
"""

import os
import time

import damon_e2e as d

HOT_NR_ACCESSES = 5
FIND_WITHIN_S = 10


def main():
    ktap = d.Ktap(1)
    name = 'paddr_finds_hot_buffer'
    if not os.path.isdir(d.PARAMS):
        ktap.result(True, name, 'no damon_e2e driver')
        ktap.finish()
    lo, hi = d.system_ram_span()
    w = d.Workload()
    best = None
    try:
        hot_phys = d.pfn_ranges(w.hot_pfns())
        want = sum(e - s for s, e in hot_phys)
        ktap.diag(f'hot part: {want >> 20} MiB in {len(hot_phys)} '
                  f'physical ranges; System RAM {lo:#x}-{hi:#x}')
        mon = d.Monitor('paddr', start=lo, end=hi)
        mon.start()
        t0 = time.monotonic()
        try:
            for now, regions in mon.snapshots(FIND_WITHIN_S):
                hot = [(s, e) for s, e, n, _ in regions
                       if n >= HOT_NR_ACCESSES]
                hot_bytes = sum(e - s for s, e in hot)
                recall = d.covered(hot, hot_phys) / want if want else 0
                if best is None or recall > best[0]:
                    best = (recall, hot_bytes, len(regions), now - t0)
                if recall >= 0.8:
                    break
        finally:
            mon.stop()
    finally:
        w.stop()
    if best is None:
        ktap.diag('no aggregation results')
        ktap.result(False, name)
    else:
        recall, hot_bytes, nr, at = best
        ktap.diag(f'recall {recall:.3f}, hot regions {hot_bytes >> 20} MiB, '
                  f'{nr} regions, after {at:.1f}s')
        ktap.result(recall >= 0.8, name)
    ktap.finish()


if __name__ == '__main__':
    main()
