#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON write monitoring through sample control, end to end.

rw_areas keeps reading one 32 MiB area and writing another.  A kdamond,
set up through sysfs with a stat scheme for every region, monitors it
with the page_table primitive and the filter damo makes of
--exp_ops_write_only (monitoring_attrs/sample/filters/0: write, matching
Y, allow Y).  From the scheme's tried regions, within a deadline:

- of the written area, at least 90% of the bytes lie in regions with
  nr_accesses > 0 (of 20 samples an aggregation): "found";
- of the read-only area, at most 5% lie in such regions: "seen";

on vaddr (the whole process), fvaddr (the two areas) and paddr (the
physical ranges of the areas' frames, scored by those frames, from
pagemap).  Without the filter, at least 90% of each area must lie in
regions with accesses, on vaddr and paddr.

bench.py imports measure() for make bench's "write" section.
"""

import os
import subprocess
import time

import damon_admin as da
import damon_e2e as d
import damos_checks as c

HERE = os.path.dirname(os.path.abspath(__file__))
AREA_MIB = 32
FOUND_MIN = 0.9
SEEN_MAX = 0.05
TIMEOUT_S = 30
SAMPLE_US = 5000
AGGR_US = 100000

# what damo writes for --exp_ops_write_only Y
WRITE_ONLY = ({'type': 'write', 'matching': 'Y', 'allow': 'Y'},)


class Ktap(c.Ktap):
    """damon_e2e.Ktap that also ends with a count of its results."""

    def __init__(self, nr_tests):
        super().__init__(nr_tests)
        self.skipped = 0

    def result(self, ok, name, skip_reason=None):
        self.skipped += 1 if skip_reason else 0
        super().result(ok, name, skip_reason)

    def finish(self):
        self.diag(f'{self.nr - self.failed - self.skipped} passed, '
                  f'{self.failed} failed, {self.skipped} skipped')
        super().finish()


class RwAreas:
    """An rw_areas process; areas maps 'read' and 'write' to (start, end)."""

    def __init__(self, mib=AREA_MIB, binary=None, flush_tlb=False):
        binary = binary or os.path.join(HERE, 'rw_areas')
        args = [binary, '-s', str(mib)] + (['-t'] if flush_tlb else [])
        self.proc = subprocess.Popen(args,
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.pid = self.proc.pid
        self.areas = {}
        for line in self.proc.stdout:
            fields = line.split()
            if fields == ['ready']:
                break
            if len(fields) != 3:
                self.stop()
                raise RuntimeError(f'rw_areas: {line!r}')
            self.areas[fields[0]] = (int(fields[1], 16), int(fields[2], 16))
        else:
            self.stop()
            raise RuntimeError('rw_areas did not start')

    def region(self, name):
        return self.areas[name]

    def phys(self, name):
        """The byte ranges of the frames behind area name (needs root)."""
        return d.pfn_ranges(c.present_pfns(self.pid, *self.areas[name]))

    def passes(self):
        self.proc.stdin.write('passes\n')
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class SampledKdamond(da.Kdamond):
    """A Kdamond that also stages monitoring_attrs/sample/: the page_table
    primitive and the given filters (dicts of file name to value, in the
    order written).  A kernel without sample control raises
    da.Unsupported."""

    def __init__(self, ctx, filters):
        super().__init__(ctx)
        self.filters = filters

    def write_context(self):
        super().write_context()
        s = os.path.join(self.ctx_dir, 'monitoring_attrs', 'sample')
        da.write(os.path.join(s, 'primitives', 'page_table'), 'Y')
        da.write(os.path.join(s, 'primitives', 'page_fault'), 'N')
        da.write(os.path.join(s, 'filters', 'nr_filters'), len(self.filters))
        for i, f in enumerate(self.filters):
            for name, value in f.items():
                da.write(os.path.join(s, 'filters', str(i), name), value)


def context(ops, w, sample_us=SAMPLE_US, aggr_us=AGGR_US):
    """A context of ops on w with a stat scheme trying every region."""
    if ops == 'vaddr':
        target = da.Target(pid=w.pid)
    elif ops == 'fvaddr':
        target = da.Target(pid=w.pid, regions=[w.region('read'),
                                               w.region('write')])
    else:
        target = da.Target(regions=c.phys_ranges([(w, 'read'),
                                                  (w, 'write')]))
    return da.Context(ops, targets=[target], schemes=[da.Scheme('stat')],
                      sample_us=sample_us, aggr_us=aggr_us,
                      max_nr_regions=200)


def fraction(regions, ranges):
    """Of the bytes of ranges, the fraction in regions with accesses."""
    hot = sorted((s, e) for s, e, n, _ in regions if n)
    total = sum(e - s for s, e in ranges)
    return d.covered(hot, ranges) / total if total else 0.0


def measure(ops, w, filters, timeout=TIMEOUT_S):
    """Monitor w with ops and filters until the expected picture shows or
    timeout seconds pass.  Returns a dict: ok, and of the best snapshot
    seen: found (the fraction of the written area in regions with
    accesses), seen (the same of the read area), nr_regions, at (seconds
    after the start); plus kdamond_cpu_s and workload_passes over the
    whole run, running (the kdamond at the end) and last (the last
    snapshot's regions)."""
    if ops == 'paddr':
        ranges = {n: w.phys(n) for n in ('read', 'write')}
    else:
        ranges = {n: [w.region(n)] for n in ('read', 'write')}
    best = None
    k = SampledKdamond(context(ops, w), filters)
    with k:
        pid, p0 = k.pid(), w.passes()
        cpu0, t0 = d.kdamond_cpu_ticks(pid), time.monotonic()
        while True:
            _, regions = k.tried_regions()
            r = {'found': fraction(regions, ranges['write']),
                 'seen': fraction(regions, ranges['read']),
                 'nr_regions': len(regions),
                 'at': time.monotonic() - t0}
            r['ok'] = (r['found'] >= FOUND_MIN and
                       (r['seen'] <= SEEN_MAX if filters else
                        r['seen'] >= FOUND_MIN))
            if best is None or key(r, filters) > key(best, filters):
                best = r
            if r['ok'] or r['at'] > timeout:
                break
        running = k.running()
        ticks = d.kdamond_cpu_ticks(pid) - cpu0 if running else -1
        best['kdamond_cpu_s'] = ticks / os.sysconf('SC_CLK_TCK')
        best['workload_passes'] = w.passes() - p0
        best['running'] = running
        best['last'] = regions
    return best


def key(r, filters):
    """How close a snapshot came to the expected picture: one that shows
    it first."""
    if filters:
        return r['ok'], r['found'] - r['seen']
    return r['ok'], min(r['found'], r['seen'])


def describe(r):
    return (f"written found {r['found']:.3f}, read-only seen "
            f"{r['seen']:.3f}, {r['nr_regions']} regions, after "
            f"{r['at']:.1f} s; kdamond running {r['running']}, "
            f"{r['kdamond_cpu_s']:.1f} s CPU; workload passes "
            f"{r['workload_passes']}")


def case(w, ops, filters):
    def run():
        r = measure(ops, w, filters)
        diag = describe(r)
        if not r['ok']:
            diag += '\nlast tried regions: ' + ' '.join(
                f'{s:#x}-{e:#x}:{n}' for s, e, n, _ in r['last'])
            diag += (f"\nareas: read {w.region('read')[0]:#x}-"
                     f"{w.region('read')[1]:#x} write "
                     f"{w.region('write')[0]:#x}-{w.region('write')[1]:#x}")
        return r['ok'] and r['running'], diag
    return run


CASES = (
    ('vaddr_write_filter_finds_writes', 'vaddr', WRITE_ONLY),
    ('fvaddr_write_filter_finds_writes', 'fvaddr', WRITE_ONLY),
    ('paddr_write_filter_finds_writes', 'paddr', WRITE_ONLY),
    ('vaddr_no_filter_both_hot', 'vaddr', ()),
    ('paddr_no_filter_both_hot', 'paddr', ()),
)


def main():
    names = [n for n, _, _ in CASES]
    ktap = Ktap(len(names))
    if not da.available():
        c.skip_all(ktap, names, 'no DAMON sysfs interface')
    # Without the filter, the Accessed bit tells: the workload then flushes
    # its TLB every pass (see rw_areas.c, -t) for paddr's sake.
    for flush_tlb in (False, True):
        with RwAreas(flush_tlb=flush_tlb) as w:
            for name, ops, filters in CASES:
                if bool(filters) != flush_tlb:
                    c.run_case(ktap, name, case(w, ops, filters))
    ktap.finish()


if __name__ == '__main__':
    main()
