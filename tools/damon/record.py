#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Record DAMON's view of accessgen's memory, through the sysfs interface.

Runs as root in the guest of make run (or on any machine with DAMON's
sysfs interface and tracefs).  It starts accessgen, sets up one kdamond
through /sys/kernel/mm/damon/admin to monitor accessgen's virtual address
space (vaddr), records the damon_aggregated tracepoint while accessgen
runs its phases, stops the kdamond and writes into OUT_DIR:

  accessgen.jsonl  accessgen's own output: layout and phases
  trace.txt        the damon_aggregated events (tracefs text, "mono"
                   clock, i.e. CLOCK_MONOTONIC seconds like accessgen's)
  monitor.json     kernel, intervals, kdamond pid, lost events, and how
                   the tried regions were read and how long it took
  tried.jsonl      DAMON's regions at the end of each phase, as a stat
                   scheme that tries every region sees them: one JSON
                   object a phase, {"phase", "time", "read_ms",
                   "regions": [[start, end, nr_accesses, age], ...]}

heatmap.py turns these into a heatmap.  The tried regions come from
schemes/0/tried_regions_all, one file, where the kernel has it (this
project's extension), and from the four files of each tried_regions/<R>
otherwise (upstream kernels).
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time

ADMIN = '/sys/kernel/mm/damon/admin'
TRACING = '/sys/kernel/tracing'
EVENT = 'events/damon/damon_aggregated/enable'


def write(path, value):
    """Write value to a sysfs or tracefs file; say which one failed."""
    try:
        with open(path, 'w') as f:
            f.write(f'{value}\n')
    except OSError as e:
        raise SystemExit(f'record: writing {value!r} to {path}: {e}') from e


def read(path):
    """Return the content of a sysfs or tracefs file, stripped."""
    with open(path) as f:
        return f.read().strip()


class Kdamond:
    """Kdamond 0 of the sysfs interface, monitoring one process (vaddr)."""

    def __init__(self, pid, sample_us, aggr_us, min_regions, max_regions):
        self.dir = os.path.join(ADMIN, 'kdamonds/0')
        ctx = os.path.join(self.dir, 'contexts/0')
        write(os.path.join(ADMIN, 'kdamonds/nr_kdamonds'), 1)
        write(os.path.join(self.dir, 'contexts/nr_contexts'), 1)
        write(os.path.join(ctx, 'operations'), 'vaddr')
        attrs = os.path.join(ctx, 'monitoring_attrs')
        write(os.path.join(attrs, 'intervals/sample_us'), sample_us)
        write(os.path.join(attrs, 'intervals/aggr_us'), aggr_us)
        # max first: the new min must never exceed the current max.
        write(os.path.join(attrs, 'nr_regions/max'), max_regions)
        write(os.path.join(attrs, 'nr_regions/min'), min_regions)
        write(os.path.join(ctx, 'targets/nr_targets'), 1)
        write(os.path.join(ctx, 'targets/0/pid_target'), pid)
        # A stat scheme changes no memory; it is tried on every region,
        # so its tried regions are DAMON's view.  Upstream's default
        # access pattern ranges are 0 to 0: set them all.
        self.scheme = os.path.join(ctx, 'schemes/0')
        write(os.path.join(ctx, 'schemes/nr_schemes'), 1)
        write(os.path.join(self.scheme, 'action'), 'stat')
        for name, hi in (('sz', (1 << 64) - 1), ('nr_accesses', 1 << 31),
                         ('age', 1 << 31)):
            pattern = os.path.join(self.scheme, 'access_pattern', name)
            write(os.path.join(pattern, 'max'), hi)
            write(os.path.join(pattern, 'min'), 0)

    def start(self, timeout=30):
        """Turn the kdamond on; return its pid once it runs."""
        write(os.path.join(self.dir, 'state'), 'on')
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = int(read(os.path.join(self.dir, 'pid')))
            if pid > 0:
                return pid
            time.sleep(0.05)
        raise SystemExit('record: the kdamond did not start')

    def tried_regions(self):
        """DAMON's regions now, [[start, end, nr_accesses, age], ...],
        or None if the kernel refused the update."""
        try:
            with open(os.path.join(self.dir, 'state'), 'w') as f:
                f.write('update_schemes_tried_regions\n')
        except OSError as e:
            print(f'record: update_schemes_tried_regions: {e}')
            return None
        one_file = os.path.join(self.scheme, 'tried_regions_all')
        if os.path.exists(one_file):
            return read_tried_all(one_file)
        return read_tried_dirs(os.path.join(self.scheme, 'tried_regions'))

    def tried_source(self):
        """Which files tried_regions() reads."""
        if os.path.exists(os.path.join(self.scheme, 'tried_regions_all')):
            return 'tried_regions_all'
        return 'tried_regions/<R>/'

    def stop(self):
        """Turn the kdamond off, unless it is off already."""
        state = os.path.join(self.dir, 'state')
        try:
            with open(state, 'w') as f:
                f.write('off\n')
        except OSError as e:
            if read(state) != 'off':
                raise SystemExit(f'record: cannot stop kdamond: {e}') from e


def read_tried_all(path):
    """The regions of a tried_regions_all file: one line a region,
    "start end nr_accesses age sz_filter_passed [probe hits...]"."""
    with open(path) as f:
        return [[int(v) for v in line.split()[:4]] for line in f]


def read_tried_dirs(tried):
    """The regions of the numbered directories of a tried_regions/."""
    names = sorted((n for n in os.listdir(tried) if n.isdigit()), key=int)
    return [[int(read(os.path.join(tried, n, f)))
             for f in ('start', 'end', 'nr_accesses', 'age')]
            for n in names]


class Tracer:
    """The damon_aggregated event in the tracefs ring buffer."""

    def __init__(self, buffer_kb):
        self.old_clock = None
        self.buffer_kb = buffer_kb

    def start(self):
        """Clear the buffer, switch to the mono clock, enable the event."""
        clock = read(os.path.join(TRACING, 'trace_clock'))
        self.old_clock = clock.split('[')[1].split(']')[0]
        write(os.path.join(TRACING, 'trace_clock'), 'mono')
        write(os.path.join(TRACING, 'buffer_size_kb'), self.buffer_kb)
        write(os.path.join(TRACING, 'trace'), '')
        write(os.path.join(TRACING, EVENT), 1)

    def stop(self, out_path):
        """Disable the event, save the buffer; return the lost events."""
        write(os.path.join(TRACING, EVENT), 0)
        with open(os.path.join(TRACING, 'trace')) as src, \
                open(out_path, 'w') as dst:
            for line in src:
                if not line.startswith('#'):
                    dst.write(line)
        lost = 0
        percpu = os.path.join(TRACING, 'per_cpu')
        for cpu in os.listdir(percpu):
            with open(os.path.join(percpu, cpu, 'stats')) as f:
                for line in f:
                    if line.startswith('overrun:'):
                        lost += int(line.split()[1])
        if self.old_clock:
            write(os.path.join(TRACING, 'trace_clock'), self.old_clock)
        return lost


def check_kernel():
    """Exit with a clear message if the kernel lacks what we need."""
    if not os.path.isdir(ADMIN):
        raise SystemExit(f'record: no {ADMIN}: this kernel has no DAMON '
                         'sysfs interface (CONFIG_DAMON_SYSFS); '
                         'make run KERNEL=upstream boots one that has')
    if not os.path.exists(os.path.join(TRACING, EVENT)):
        raise SystemExit('record: no damon_aggregated tracepoint in '
                         f'{TRACING} (CONFIG_FTRACE, CONFIG_DAMON)')


def main():
    """Run accessgen under a kdamond and save what it saw."""
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--accessgen', required=True, help='accessgen binary')
    ap.add_argument('--out', required=True, help='output directory')
    ap.add_argument('--phase-seconds', type=float, default=4)
    ap.add_argument('--size-mib', type=int, default=256)
    ap.add_argument('--sample-us', type=int, default=5000)
    ap.add_argument('--aggr-us', type=int, default=100000)
    ap.add_argument('--min-regions', type=int, default=10)
    ap.add_argument('--max-regions', type=int, default=1000)
    ap.add_argument('--buffer-kb', type=int, default=32768,
                    help='tracefs ring buffer per CPU')
    args = ap.parse_args()

    # Our output goes to a file that the host shows as it grows.
    sys.stdout.reconfigure(line_buffering=True)
    check_kernel()
    os.makedirs(args.out, exist_ok=True)
    gen = subprocess.Popen([args.accessgen, '-w',
                            '-s', str(args.size_mib),
                            '-t', str(args.phase_seconds)],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           text=True)
    layout = gen.stdout.readline()
    if not layout:
        raise SystemExit('record: accessgen printed no layout')
    print(f'record: accessgen pid {gen.pid}, '
          f'{args.size_mib} MiB, phases of {args.phase_seconds} s')

    kdamond = Kdamond(gen.pid, args.sample_us, args.aggr_us,
                      args.min_regions, args.max_regions)
    tracer = Tracer(args.buffer_kb)
    tracer.start()
    lines = [layout]
    tried, read_ms = [], []
    try:
        kdamond_pid = kdamond.start()
        print(f'record: kdamond pid {kdamond_pid}, sample {args.sample_us} us,'
              f' aggregation {args.aggr_us} us')
        gen.stdin.write('go\n')
        gen.stdin.flush()
        for _ in range(json.loads(layout)['nr_phases']):
            line = gen.stdout.readline()
            if not line:
                break
            lines.append(line)
            phase = json.loads(line)
            print(f'record: phase {phase["index"]} done, hot: '
                  f'{" ".join(phase["hot"]) or "nothing"}')
            t0 = time.monotonic()
            regions = kdamond.tried_regions()
            if regions is not None:
                read_ms.append((time.monotonic() - t0) * 1000)
                tried.append({'phase': phase['index'], 'time': t0,
                              'read_ms': round(read_ms[-1], 3),
                              'regions': regions})
    finally:
        # Stop monitoring before accessgen exits: a kdamond whose target
        # is gone stops by itself.
        kdamond.stop()
        lost = tracer.stop(os.path.join(args.out, 'trace.txt'))
        gen.stdin.close()
        rc = gen.wait()
    with open(os.path.join(args.out, 'accessgen.jsonl'), 'w') as f:
        f.writelines(lines)
    with open(os.path.join(args.out, 'tried.jsonl'), 'w') as f:
        for snap in tried:
            f.write(json.dumps(snap) + '\n')
    with open(os.path.join(args.out, 'monitor.json'), 'w') as f:
        json.dump({'kernel': platform.release(), 'ops': 'vaddr',
                   'sample_us': args.sample_us, 'aggr_us': args.aggr_us,
                   'min_regions': args.min_regions,
                   'max_regions': args.max_regions,
                   'kdamond_pid': kdamond_pid, 'lost_events': lost,
                   'tried_source': kdamond.tried_source(),
                   'tried_snapshots': len(tried),
                   'tried_update_and_read_ms_max':
                       round(max(read_ms), 3) if read_ms else None}, f)
        f.write('\n')
    print(f'record: {len(lines) - 1} phases, {lost} trace events lost')
    if read_ms:
        print(f'record: {len(tried)} tried-region snapshots from '
              f'{kdamond.tried_source()}, update and read '
              f'{min(read_ms):.1f} to {max(read_ms):.1f} ms')
    if rc != 0:
        raise SystemExit(f'record: accessgen exited with {rc}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
