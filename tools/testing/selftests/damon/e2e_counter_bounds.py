#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON end to end: access counts stay within the intervals after commits.

A process keeps writing a 32 MiB hot part of a buffer, monitored (vaddr)
through sysfs with a stat scheme that tries every region.  The intervals
are committed back and forth while the kdamond runs: 10 ms / 50 ms (at
most 5 accesses per aggregation interval), then 5 ms / 100 ms (at most
20).  After each commit, neither the tried regions read with
update_schemes_tried_regions nor the damon_aggregated tracepoint may show
a region with more accesses than aggr_us / sample_us of the new
intervals, not even in the aggregation interval the commit lands in.
Before the fix, snapshots showed 8 of 5 and 28 of 20.
"""

import os
import time

import damon_e2e as d
import sysfs_admin as a

C = a.ctx()
INTERVALS = C + '/monitoring_attrs/intervals'
# (sample_us, aggr_us): at most 20, then 5, accesses per window
WIDE = (5000, 100000)
NARROW = (10000, 50000)
NR_ROUNDS = 3
NR_READS = 3
# few regions, so that reading tried_regions is quick under emulation
MAX_NR_REGIONS = 100
TRACE_S = 1.0
UINT_MAX = (1 << 32) - 1
STAT_ALL = {
    'action': 'stat',
    'access_pattern/nr_accesses/min': 0,
    'access_pattern/nr_accesses/max': UINT_MAX,
    'access_pattern/age/min': 0,
    'access_pattern/age/max': UINT_MAX,
    'access_pattern/sz/min': 0,
    'access_pattern/sz/max': (1 << 64) - 1,
}
NAMES = ('tried_regions_within_bounds', 'tracepoint_within_bounds')


def tried_counts():
    """nr_accesses of every tried region of scheme 0, or None on error."""
    if a.command('update_schemes_tried_regions'):
        return None
    top = f'{C}/schemes/0/tried_regions'
    names = [n for n in os.listdir(a.path(top)) if n.isdigit()]
    return [int(a.read(f'{top}/{n}/nr_accesses')) for n in names]


def commit(intervals):
    sample_us, aggr_us = intervals
    # the order keeps aggr_us >= sample_us at every step of staging
    if sample_us > int(a.read(INTERVALS + '/sample_us')):
        a.must_write(INTERVALS + '/aggr_us', aggr_us)
        a.must_write(INTERVALS + '/sample_us', sample_us)
    else:
        a.must_write(INTERVALS + '/sample_us', sample_us)
        a.must_write(INTERVALS + '/aggr_us', aggr_us)
    return a.command('commit')


def drain(trace):
    """Drop the trace events buffered so far: those of the old intervals."""
    while True:
        try:
            if not os.read(trace.fd, 1 << 16):
                return
        except BlockingIOError:
            return


class Seen:
    """The highest count seen per bound, and what broke a bound."""

    def __init__(self):
        self.highest = {}
        self.over = []
        self.errors = []

    def add(self, bound, counts, where):
        if counts is None:
            self.errors.append(f'{where}: no snapshot')
            return
        top = max(counts, default=0)
        self.highest[bound] = max(self.highest.get(bound, 0), top)
        if top > bound:
            self.over.append(f'{where}: {top} of {bound}')

    def judge(self, ktap, name):
        ktap.diag(f'{name}: highest per bound {self.highest}; over: '
                  f'{self.over[:5]}; errors: {self.errors[:3]}')
        # the hot buffer must have been seen, or nothing was tested
        ok = (not self.over and not self.errors and
              all(self.highest.get(b[1] // b[0], 0) > 0
                  for b in (WIDE, NARROW)))
        ktap.result(ok, name)


def run(w, tried, traced):
    trace = d.Trace()
    a.setup(ops='vaddr', pids=[w.pid], schemes=[STAT_ALL],
            sample_us=WIDE[0], aggr_us=WIDE[1])
    a.must_write(C + '/monitoring_attrs/nr_regions/max', MAX_NR_REGIONS)
    a.must_write(a.kdamond() + '/state', 'on')
    trace.start()
    try:
        time.sleep(1)
        for i in range(NR_ROUNDS):
            for intervals in (NARROW, WIDE):
                bound = intervals[1] // intervals[0]
                where = f'round {i}, {intervals}'
                # land the commit at another point of a window each time
                time.sleep(0.013 * (i + 1))
                err = commit(intervals)
                if err:
                    tried.errors.append(f'{where}: commit: {err}')
                    continue
                # the commit is in place: what is buffered came before it
                drain(trace)
                for _ in range(NR_READS):
                    tried.add(bound, tried_counts(), where)
                for _, regions in trace.snapshots(TRACE_S):
                    traced.add(bound, [r[2] for r in regions], where)
    finally:
        trace.stop()
        a.reset()


def main():
    ktap = d.Ktap(len(NAMES))
    if not a.exists(a.KDAMONDS):
        for name in NAMES:
            ktap.result(True, name, 'no DAMON sysfs interface')
        ktap.finish()
    tried, traced = Seen(), Seen()
    w = d.Workload(total_mib=64, hot_mib=32, hot_offset_mib=16)
    try:
        run(w, tried, traced)
    finally:
        w.stop()
    tried.judge(ktap, NAMES[0])
    traced.judge(ktap, NAMES[1])
    ktap.finish()


if __name__ == '__main__':
    main()
