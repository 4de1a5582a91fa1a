#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMOS stat, through sysfs, on a process (fvaddr): it counts, and that
is all it does.

A process has a 32 MiB cold buffer and an 8 MiB hot one it keeps
writing.  Two stat schemes, one for regions with no accesses and one for
frequently accessed regions, must both count tries, and the regions
each one reports in tried_regions must lie in the buffer of its kind.
Meanwhile the process must lose no page: its RSS, swap use, major fault
count and NUMA placement stay the same.
"""

import damon_admin as da
import damos_checks as c

COLD_MIB = 32
HOT_MIB = 8
RUN_S = 10
NAMES = ('stat_counts_tries', 'stat_tried_regions_match_pattern',
         'stat_changes_nothing')


def overlap(regions, start, end):
    return sum(max(0, min(e, end) - max(s, start)) for s, e, _, _ in regions)


def snapshot(w):
    status = w.status()
    cold = w.region('cold')
    return (status['VmRSS'], status.get('VmSwap', 0), w.majflt(),
            c.node_fractions(w.pid, *cold))


def main():
    ktap = c.Ktap(len(NAMES))
    if not da.available():
        c.skip_all(ktap, NAMES, 'no DAMON sysfs interface')
    with c.ZramSwap(), c.Workload(cold=COLD_MIB, hot=HOT_MIB) as w:
        cold, hot = w.region('cold'), w.region('hot')
        ctx = da.Context('fvaddr', targets=[
            da.Target(pid=w.pid, regions=[cold, hot])], schemes=[
            da.Scheme('stat', nr_accesses=(0, 0), age=(5, da.UINT_MAX)),
            da.Scheme('stat', nr_accesses=(5, da.UINT_MAX))])
        before = snapshot(w)
        with da.Kdamond(ctx) as k:
            # count for a while, then look at what was counted
            c.polled(lambda: min(k.stats(0)['nr_tried'],
                                 k.stats(1)['nr_tried']) >= 20, RUN_S * 6)
            stats = [k.stats(0), k.stats(1)]
            tried = [k.tried_regions(0), k.tried_regions(1)]
        after = snapshot(w)

    def counts():
        ok = all(s['nr_tried'] > 0 and s['sz_tried'] > 0 for s in stats)
        return ok, f'cold scheme {stats[0]}; hot scheme {stats[1]}'

    def regions():
        (cold_total, cold_regions), (hot_total, hot_regions) = tried
        in_cold = overlap(cold_regions, *cold)
        in_hot = overlap(hot_regions, *hot)
        sum_cold = sum(e - s for s, e, _, _ in cold_regions)
        sum_hot = sum(e - s for s, e, _, _ in hot_regions)
        ok = (cold_regions and hot_regions and
              in_cold >= 0.9 * sum_cold and in_hot >= 0.9 * sum_hot and
              sum_cold >= 0.5 * (cold[1] - cold[0]) and
              sum_hot >= 0.5 * (hot[1] - hot[0]) and
              cold_total == sum_cold and hot_total == sum_hot)
        return ok, (f'cold scheme: {len(cold_regions)} regions, '
                    f'{sum_cold >> 20} MiB ({in_cold >> 20} in the cold '
                    f'buffer), total_bytes {cold_total}; hot scheme: '
                    f'{len(hot_regions)} regions, {sum_hot >> 20} MiB '
                    f'({in_hot >> 20} in the hot buffer), total_bytes '
                    f'{hot_total}')

    def nothing():
        rss = after[0] - before[0]
        ok = (abs(rss) <= 2 * c.MIB and after[1] == before[1] and
              after[2] == before[2] and after[3] == before[3])
        return ok, (f'RSS changed by {rss >> 10} KiB, swap {before[1]} -> '
                    f'{after[1]}, major faults {before[2]} -> {after[2]}, '
                    f'cold buffer nodes {before[3]} -> {after[3]}')

    c.run_case(ktap, NAMES[0], counts)
    c.run_case(ktap, NAMES[1], regions)
    c.run_case(ktap, NAMES[2], nothing)
    ktap.finish()


if __name__ == '__main__':
    main()
