#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Measure kdamond CPU use and accuracy on the hot/cold workload.

Runs inside a guest.  Drives either our kernel (the damon_e2e test driver)
or an unmodified upstream kernel (its sysfs interface), so both can be
measured by the same workload and the same arithmetic.

Phase 1 monitors for --duration seconds without tracing and reports the
kdamond's CPU time (utime + stime from /proc/PID/stat) as a percentage of
one CPU.  Phase 2 traces damon_aggregated for 10 seconds and reports the
best precision and recall of the regions found hot.
"""

import argparse
import os
import sys
import time

# damon_e2e.py and the access_hotcold binary, built by driver/bench.sh
sys.path.insert(0, os.environ['DAMON_E2E_DIR'])
import damon_e2e as d  # noqa: E402

SYSFS = '/sys/kernel/mm/damon/admin/kdamonds'


def sysfs_write(path, value):
    with open(os.path.join(SYSFS, path), 'w') as f:
        f.write(f'{value}\n')


class SysfsMonitor:
    """The same monitoring through the upstream sysfs interface."""

    def __init__(self, ops, pid=-1, start=0, end=0, nr_probes=0):
        self.trace = d.Trace()
        sysfs_write('nr_kdamonds', 1)
        sysfs_write('0/contexts/nr_contexts', 1)
        sysfs_write('0/contexts/0/operations', ops)
        sysfs_write('0/contexts/0/targets/nr_targets', 1)
        if ops != 'paddr':
            sysfs_write('0/contexts/0/targets/0/pid_target', pid)
        if end:
            sysfs_write('0/contexts/0/targets/0/regions/nr_regions', 1)
            sysfs_write('0/contexts/0/targets/0/regions/0/end', end)
            sysfs_write('0/contexts/0/targets/0/regions/0/start', start)
        if nr_probes:
            add_probes(nr_probes)

    def start(self, traced=True):
        if traced:
            self.trace.start()
        sysfs_write('0/state', 'on')

    def kdamond_pid(self):
        with open(os.path.join(SYSFS, '0/pid')) as f:
            return int(f.read())

    def snapshots(self, duration):
        return self.trace.snapshots(duration)

    def stop(self):
        try:
            sysfs_write('0/state', 'off')
        except OSError:
            pass
        self.trace.stop()


def add_probes(nr):
    """@nr probes of two filters each: anonymous pages of up to 2 MiB."""
    probes = '0/contexts/0/monitoring_attrs/probes'
    sysfs_write(f'{probes}/nr_probes', nr)
    for p in range(nr):
        filters = f'{probes}/{p}/filters'
        sysfs_write(f'{filters}/nr_filters', 2)
        sysfs_write(f'{filters}/0/type', 'anon')
        sysfs_write(f'{filters}/0/matching', 'N')
        sysfs_write(f'{filters}/0/allow', 'N')
        sysfs_write(f'{filters}/1/type', 'hugepage_size')
        sysfs_write(f'{filters}/1/min', 4096)
        sysfs_write(f'{filters}/1/max', 2 << 20)
        sysfs_write(f'{filters}/1/matching', 'Y')
        sysfs_write(f'{filters}/1/allow', 'Y')


class E2eMonitor(d.Monitor):
    def start(self, traced=True):
        if traced:
            self.trace.start()
        d.write_param('enabled', 'Y')


def make_monitor(interface, ops, w, start, end, nr_probes=0):
    if interface == 'sysfs':
        return SysfsMonitor(ops, pid=w.pid, start=start, end=end,
                            nr_probes=nr_probes)
    return E2eMonitor(ops, pid=w.pid, start=start, end=end)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--interface', choices=['e2e', 'sysfs'], required=True)
    ap.add_argument('--ops', choices=['vaddr', 'paddr'], default='vaddr')
    ap.add_argument('--duration', type=int, default=30)
    ap.add_argument('--probes', type=int, default=0,
                    help='data attribute probes (sysfs interface only)')
    args = ap.parse_args()
    if args.probes and args.interface != 'sysfs':
        ap.error('--probes needs --interface sysfs')

    start = end = 0
    if args.ops == 'paddr':
        start, end = d.system_ram_span()
    w = d.Workload()
    try:
        hot = [(w.hot_start, w.hot_end)]
        if args.ops == 'paddr':
            hot = d.pfn_ranges(w.hot_pfns())
        want = sum(e - s for s, e in hot)

        mon = make_monitor(args.interface, args.ops, w, start, end,
                           args.probes)
        mon.start(traced=False)
        pid = mon.kdamond_pid()
        t0, c0 = time.monotonic(), d.kdamond_cpu_ticks(pid)
        time.sleep(args.duration)
        t1, c1 = time.monotonic(), d.kdamond_cpu_ticks(pid)
        mon.stop()
        cpu = (c1 - c0) / os.sysconf('SC_CLK_TCK') / (t1 - t0) * 100

        mon = make_monitor(args.interface, args.ops, w, start, end,
                           args.probes)
        mon.start()
        best = (0.0, 0.0, 0)
        nr_regions = []
        for _, regions in mon.snapshots(10):
            nr_regions.append(len(regions))
            hot_regions = [(s, e) for s, e, n, _ in regions if n >= 5]
            hot_bytes = sum(e - s for s, e in hot_regions)
            found = d.covered(hot_regions, hot)
            p = found / hot_bytes if hot_bytes else 0.0
            r = found / want if want else 0.0
            if p + r > best[0] + best[1]:
                best = (p, r, hot_bytes)
        mon.stop()
    finally:
        w.stop()
    print(f'BENCH interface={args.interface} ops={args.ops} '
          f'probes={args.probes} '
          f'kdamond_cpu_pct={cpu:.2f} precision={best[0]:.3f} '
          f'recall={best[1]:.3f} hot_mib={best[2] >> 20} '
          f'mean_nr_regions={sum(nr_regions) / max(len(nr_regions), 1):.0f}')


if __name__ == '__main__':
    main()
