# SPDX-License-Identifier: GPL-2.0
"""Helpers for DAMON end-to-end tests.

Monitoring is controlled through the damon_e2e test driver
(/sys/module/damon_e2e/parameters/) and its results are read from the
damon_aggregated tracepoint.  Tests print KTAP.
"""

import os
import re
import select
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PARAMS = '/sys/module/damon_e2e/parameters'
TRACING = '/sys/kernel/tracing'
MIB = 1 << 20
PAGE_SIZE = os.sysconf('SC_PAGE_SIZE')

AGGR_RE = re.compile(
    r'damon_aggregated: target_id=(\d+) nr_regions=(\d+) '
    r'(\d+)-(\d+): (\d+) (\d+)')


class Ktap:
    """A KTAP report with a plan known up front."""

    def __init__(self, nr_tests):
        self.nr = 0
        self.failed = 0
        print('TAP version 13')
        print(f'1..{nr_tests}')
        sys.stdout.flush()

    def diag(self, msg):
        for line in str(msg).splitlines():
            print(f'# {line}')
        sys.stdout.flush()

    def result(self, ok, name, skip_reason=None):
        self.nr += 1
        if skip_reason:
            print(f'ok {self.nr} {name} # SKIP {skip_reason}')
        else:
            print(f'{"ok" if ok else "not ok"} {self.nr} {name}')
            self.failed += 0 if ok else 1
        sys.stdout.flush()

    def finish(self):
        sys.exit(1 if self.failed else 0)


def write_param(name, value):
    with open(os.path.join(PARAMS, name), 'w') as f:
        f.write(f'{value}\n')


def read_param(name):
    with open(os.path.join(PARAMS, name)) as f:
        return f.read().strip()


def wait_for(cond, timeout, interval=0.1):
    """Poll cond() until it is true or timeout seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(interval)
    return cond()


class Workload:
    """access_hotcold: a buffer with a hot part, the rest untouched."""

    def __init__(self, total_mib=512, hot_mib=32, hot_offset_mib=240,
                 wrapper=()):
        """wrapper: a command to run access_hotcold under, such as
        ('setarch', '-R')."""
        self.proc = subprocess.Popen(
            [*wrapper, os.path.join(HERE, 'access_hotcold'),
             str(total_mib), str(hot_mib), str(hot_offset_mib)],
            stdout=subprocess.PIPE, text=True)
        fields = self.proc.stdout.readline().split()
        if len(fields) != 4:
            self.stop()
            raise RuntimeError('access_hotcold did not start')
        self.start, self.end, self.hot_start, self.hot_end = (
            int(x, 16) for x in fields)
        self.pid = self.proc.pid

    def hot_pfns(self):
        """Page frame numbers backing the hot part (needs root)."""
        pfns = []
        with open(f'/proc/{self.pid}/pagemap', 'rb') as f:
            f.seek(self.hot_start // PAGE_SIZE * 8)
            data = f.read((self.hot_end - self.hot_start) // PAGE_SIZE * 8)
        for i in range(0, len(data), 8):
            entry = int.from_bytes(data[i:i + 8], 'little')
            if entry & (1 << 63):
                pfns.append(entry & ((1 << 55) - 1))
        return pfns

    def describe(self):
        """Scheduler state and CPU ticks of the workload, for diagnosis."""
        try:
            with open(f'/proc/{self.pid}/stat') as f:
                fields = f.read().rsplit(')', 1)[1].split()
        except OSError as e:
            return f'workload {self.pid}: {e}'
        return (f'workload {self.pid}: state {fields[0]}, '
                f'{int(fields[11]) + int(fields[12])} ticks')

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


class Trace:
    """The damon_aggregated tracepoint, read as per-aggregation snapshots."""

    EVENT = os.path.join(TRACING, 'events/damon/damon_aggregated/enable')

    def __init__(self):
        self.fd = None

    def start(self):
        with open(os.path.join(TRACING, 'buffer_size_kb'), 'w') as f:
            f.write('8192\n')
        with open(os.path.join(TRACING, 'trace'), 'w') as f:
            f.write('\n')
        with open(self.EVENT, 'w') as f:
            f.write('1\n')
        self.fd = os.open(os.path.join(TRACING, 'trace_pipe'),
                          os.O_RDONLY | os.O_NONBLOCK)

    def stop(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if os.path.exists(self.EVENT):
            with open(self.EVENT, 'w') as f:
                f.write('0\n')

    def snapshots(self, duration):
        """Yield (time, regions) per aggregation for duration seconds.

        regions is a list of (start, end, nr_accesses, age) of target 0.
        """
        deadline = time.monotonic() + duration
        pending = ''
        regions = []
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                continue
            pending += chunk.decode(errors='replace')
            lines = pending.split('\n')
            pending = lines.pop()
            for line in lines:
                m = AGGR_RE.search(line)
                if not m:
                    continue
                tid, nr, start, end, nr_acc, age = (int(x)
                                                    for x in m.groups())
                if tid != 0:
                    continue
                if regions and start < regions[-1][1]:
                    regions = []
                regions.append((start, end, nr_acc, age))
                if len(regions) == nr:
                    yield time.monotonic(), regions
                    regions = []


class Monitor:
    """One damon_e2e monitoring context, traced."""

    def __init__(self, ops, pid=-1, start=0, end=0, sample_us=5000,
                 aggr_us=100000, min_nr_regions=10, max_nr_regions=1000):
        self.trace = Trace()
        self.stop()
        write_param('ops', ops)
        write_param('target_pid', pid)
        write_param('region_start', start)
        write_param('region_end', end)
        write_param('sample_us', sample_us)
        write_param('aggr_us', aggr_us)
        write_param('min_nr_regions', min_nr_regions)
        write_param('max_nr_regions', max_nr_regions)

    def start(self):
        self.trace.start()
        write_param('enabled', 'Y')

    def running(self):
        return read_param('enabled') == 'Y'

    def kdamond_pid(self):
        return int(read_param('kdamond_pid'))

    def snapshots(self, duration):
        return self.trace.snapshots(duration)

    def stop(self):
        write_param('enabled', 'N')
        self.trace.stop()


def system_ram_span():
    """Lowest start and highest end of the System RAM ranges of
    /proc/iomem: one range spanning all of them, holes included."""
    lo = hi = None
    with open('/proc/iomem') as f:
        for line in f:
            if not line.startswith(' ') and 'System RAM' in line:
                s, e = (int(x, 16) for x in line.split(':')[0].split('-'))
                lo = s if lo is None else min(lo, s)
                hi = e + 1 if hi is None else max(hi, e + 1)
    return lo, hi


def overlap(a_start, a_end, b_start, b_end):
    return max(0, min(a_end, b_end) - max(a_start, b_start))


def merge_ranges(ranges):
    """Sorted, merged list of (start, end)."""
    merged = []
    for s, e in sorted(ranges):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def pfn_ranges(pfns):
    """Physical address ranges of a list of page frame numbers."""
    return merge_ranges([(p * PAGE_SIZE, (p + 1) * PAGE_SIZE) for p in pfns])


def covered(regions, ranges):
    """Bytes of ranges that regions cover; both sorted, non-overlapping."""
    total = 0
    i = 0
    for s, e in ranges:
        while i < len(regions) and regions[i][1] <= s:
            i += 1
        j = i
        while j < len(regions) and regions[j][0] < e:
            total += overlap(regions[j][0], regions[j][1], s, e)
            j += 1
    return total


def kdamond_cpu_ticks(pid):
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    # utime and stime are fields 14 and 15; fields[0] here is field 3
    return int(fields[11]) + int(fields[12])
