#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON_LRU_SORT moves hot pages to the active LRU list.

access_hotcold keeps writing 32 MiB of its 128 MiB buffer.  New anonymous
pages start on the inactive list and nothing else activates them (no
memory pressure), so the hot pages must become active because of
DAMON_LRU_SORT, monitoring the physical memory behind the buffer, within a bounded time, as /proc/kpageflags shows.  The
cold scheme must be tried on the idle rest.
"""

import os
import subprocess
import time

import damon_modules as m

MOD = 'damon_lru_sort'
WITHIN_S = 60
ACTIVE = 0.8

# TCG: a hot paddr region shares its samples with colder pages.  Hot and
# cold pages of the buffer may also lie in one physical region: only the
# young page filter keeps the cold scheme off the hot pages there.
PARAMS = {'hot_thres_access_freq': 200, 'cold_min_age': 2000000,
          'filter_young_pages': 'Y',
          'quota_ms': 0, 'wmarks_interval': 100000,
          'sample_interval': 5000, 'aggr_interval': 100000,
          **m.ALWAYS_ACTIVE}


def main():
    ktap = m.Ktap(2)
    names = ('lru_sort_activates_hot_pages', 'lru_sort_tries_cold_regions')
    if not os.path.isdir(m.params_dir(MOD)):
        for n in names:
            ktap.result(True, n, 'DAMON_LRU_SORT not built in')
        ktap.finish()
    m.disable_all()
    m.set_params(MOD, PARAMS)
    w = subprocess.Popen([os.path.join(m.HERE, 'access_hotcold'),
                          '128', '32', '64'], stdout=subprocess.PIPE,
                         text=True)
    try:
        start, end, hot_start, hot_end = (
            int(x, 16) for x in w.stdout.readline().split())
        hot = m.pfns(w.pid, hot_start, hot_end)
        before = m.active_share(hot)
        span = m.phys_span_params(w.pid, [(start, end)])
        m.set_params(MOD, span)
        m.set_params(MOD, {'enabled': 'Y'})
        t0 = time.monotonic()
        after = before
        while time.monotonic() - t0 < WITHIN_S:
            hot = m.pfns(w.pid, hot_start, hot_end)
            after = m.active_share(hot)
            if after >= ACTIVE:
                break
            time.sleep(1)
        took = time.monotonic() - t0
        sorted_hot = m.stat(MOD, 'bytes_lru_sorted_hot_regions')
        tried_hot = m.stat(MOD, 'nr_lru_sort_tried_hot_regions')
        m.wait_for(lambda: m.stat(MOD, 'nr_lru_sort_tried_cold_regions'),
                   30)
        tried_cold = m.stat(MOD, 'nr_lru_sort_tried_cold_regions')
    finally:
        m.disable_all()
        w.kill()
        w.wait()
        m.set_params(MOD, {'quota_ms': 10, 'cold_min_age': 120000000,
                           'filter_young_pages': 'N',
                           'wmarks_high': 200, 'wmarks_mid': 150,
                           'wmarks_low': 50, 'wmarks_interval': 5000000,
                           'monitor_region_start': 0,
                           'monitor_region_end': 0})
    span_mib = (span['monitor_region_end'] -
                span['monitor_region_start']) >> 20
    ktap.diag(f'hot pages active: {before:.1%} before, {after:.1%} after '
              f'{took:.0f} s over {span_mib} MiB of frames; '
              f'{tried_hot} hot regions tried, '
              f'{sorted_hot >> 20} MiB prioritised; '
              f'{tried_cold} cold regions tried')
    ktap.result(after >= ACTIVE and before < ACTIVE and sorted_hot > 0,
                names[0])
    ktap.result(tried_cold > 0, names[1])
    ktap.finish()


if __name__ == '__main__':
    main()
