#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON data attribute probes, end to end, through sysfs.

A probe counts, per region, the samples whose page its filters pass; the
tests read those counts from tried_regions/<R>/probes/<P>/hits (moving
sums over one aggregation window of WINDOW samples) of a "stat" scheme,
and from the damon_region_aggregated tracepoint:

  anon_probe_vaddr, anon_probe_paddr
                  a process maps 32 MiB of anonymous and 32 MiB of shmem
                  memory, both resident; a probe "anon, matching, allow"
                  hits on the anonymous half only
  memcg_probe_paddr
                  two probes, each allowing one of two memcgs, tell the
                  buffers of two processes in those memcgs apart
  attrs_only_mode a probe of weight 1: no access checks (nr_accesses
                  stays 0 on a buffer written all the time) while its
                  hits follow the attribute (anon)
  access_as_attribute
                  prep set_pgidle and filter "pgidle_unset, matching,
                  allow", weight 1, finds the hot buffer plain access
                  monitoring finds
                  (and an unweighted "pgidle_set" probe hits on the
                  cold buffer only)
  hugepage_size_probe_vaddr
                  a probe allowing 2 MiB folios hits on a THP buffer, not
                  on one of small pages
  region_aggregated_trace
                  damon_region_aggregated lines follow their
                  damon_aggregated line, in the documented format, with
                  one hex byte per probe, and only when there are probes

The hit fraction of a buffer is the share of its bytes, weighted by the
hits of the regions over them, divided by WINDOW: 1 when every sample of
every region over the buffer hit.
"""

import errno
import os
import re

import damon_admin as da
import damon_e2e as d
import damos_checks as c
import sysfs_admin as a

MIB = c.MIB
SAMPLE_US = 5000
AGGR_US = 100000
WINDOW = AGGR_US // SAMPLE_US
# TCG guests are ~10x slower than hardware: poll with generous deadlines
DEADLINE_S = 25
HIT = 0.8		# a hit fraction at least this is "hits"
MISS = 0.2		# and at most this is "no hits"
# Frame runs per buffer a paddr case monitors: a region never spans two
# ranges, so the closer the ranges follow the frames, the fewer regions
# mix a buffer's pages with other memory (a long-running guest scatters
# the frames of a buffer over many runs).
PADDR_RANGES = 256
HOT_HITS = 5		# of WINDOW: a hot region, as e2e_vaddr.py has it

ANON_PROBE = {'filters': [{'type': 'anon', 'matching': 'Y',
                           'allow': 'Y'}]}


def memcg_probe(m):
    return {'filters': [{'type': 'memcg', 'path': m.path(),
                         'matching': 'Y', 'allow': 'Y'}]}


# ==================== kdamond and tried regions ====================

def vaddr_context(pid, ranges, **kw):
    """vaddr, one target per range of process pid, so that regions of
    different ranges never merge; no ops update to refit them."""
    targets = [da.Target(pid=pid, regions=[r]) for r in ranges]
    return da.Context('vaddr', targets=targets, schemes=[da.Scheme('stat')],
                      update_us=60 * 1000 * 1000, **kw)


def paddr_context(ranges, min_nr_regions=50):
    """paddr over ranges; small regions, so that few of them straddle
    the frames of two buffers."""
    target = da.Target(regions=d.merge_ranges(ranges))
    return da.Context('paddr', targets=[target],
                      schemes=[da.Scheme('stat')],
                      min_nr_regions=min_nr_regions)


class Probed(da.Kdamond):
    """A kdamond of ctx with probes (see sysfs_admin.set_probes())."""

    def __init__(self, ctx, probes):
        super().__init__(ctx)
        self.probes = probes

    def start(self):
        self.write_config()
        a.set_probes(self.probes)
        self.command('on')

    def regions(self):
        """Tried regions: [(start, end, nr_accesses, age, [hits])]."""
        self.command('update_schemes_tried_regions')
        td = os.path.join(self.scheme_dir(0), 'tried_regions')
        out = []
        for n in sorted((x for x in os.listdir(td) if x.isdigit()), key=int):
            rd = os.path.join(td, n)
            vals = [da.read_int(os.path.join(rd, f))
                    for f in ('start', 'end', 'nr_accesses', 'age')]
            hits = [da.read_int(os.path.join(rd, 'probes', str(p), 'hits'))
                    for p in range(len(self.probes))]
            out.append((*vals, hits))
        return out


def hit_fraction(regions, ranges, probe):
    """Of ranges (sorted, merged), the share of bytes hit by probe."""
    total = sum(e - s for s, e in ranges)
    got = 0.0
    for r in regions:
        o = d.covered([(r[0], r[1])], ranges)
        if o:
            got += o * min(r[4][probe] / WINDOW, 1.0)
    return got / total if total else 0.0


def watch(k, judge):
    """Poll k's tried regions until judge(regions) -> (ok, text) is ok or
    the deadline passes; return the last verdict."""
    verdict = [(False, 'no tried regions')]

    def done():
        regions = k.regions()
        if regions:
            verdict[0] = judge(regions)
        return verdict[0][0]
    c.polled(done, DEADLINE_S, 0.2)
    return verdict[0]


def halves(names):
    """A judge: {label: (ranges, probe, want hits)} of hit fractions."""
    def judge(regions):
        ok, text = True, []
        for label, (ranges, probe, hit) in names.items():
            f = hit_fraction(regions, ranges, probe)
            ok = ok and (f >= HIT if hit else f <= MISS)
            text.append(f'{label} {f:.2f}')
        return ok, 'hit fraction: ' + ', '.join(text) + \
            f' ({len(regions)} regions)'
    return judge


def frames(w, name):
    """Physical ranges of exactly the pages of buffer name of w."""
    return d.pfn_ranges(c.present_pfns(w.pid, *w.region(name)))


# ==================== the cases ====================

def anon_case(ops):
    with c.Workload(cold=32, shmem=32) as w:
        if ops == 'vaddr':
            anon, shmem = [w.region('cold')], [w.region('shmem')]
            ctx = vaddr_context(w.pid, anon + shmem)
        else:
            anon, shmem = frames(w, 'cold'), frames(w, 'shmem')
            ctx = paddr_context(
                c.phys_ranges([(w, 'cold')], PADDR_RANGES) +
                c.phys_ranges([(w, 'shmem')], PADDR_RANGES))
        with Probed(ctx, [ANON_PROBE]) as k:
            return watch(k, halves({'anon': (anon, 0, True),
                                    'shmem': (shmem, 0, False)}))


def memcg_case():
    with c.Memcg('damon_probe_a') as ma, c.Memcg('damon_probe_b') as mb, \
            c.Workload(cold=32, cgroup=ma) as wa, \
            c.Workload(cold=32, cgroup=mb) as wb:
        ra, rb = frames(wa, 'cold'), frames(wb, 'cold')
        ctx = paddr_context(c.phys_ranges([(wa, 'cold')], PADDR_RANGES) +
                            c.phys_ranges([(wb, 'cold')], PADDR_RANGES))
        with Probed(ctx, [memcg_probe(ma), memcg_probe(mb)]) as k:
            return watch(k, halves({'A by probe A': (ra, 0, True),
                                    'B by probe A': (rb, 0, False),
                                    'A by probe B': (ra, 1, False),
                                    'B by probe B': (rb, 1, True)}))


def attrs_only_case():
    with c.Workload(hot=16, shmem=16) as w:
        hot, shmem = [w.region('hot')], [w.region('shmem')]
        probe = dict(ANON_PROBE, weight=1)
        judge_hits = halves({'anon (hot)': (hot, 0, True),
                             'shmem': (shmem, 0, False)})
        nr_accesses = []

        def judge(regions):
            nr_accesses.extend(r[2] for r in regions)
            ok, text = judge_hits(regions)
            return ok and len(nr_accesses) >= 3 * len(regions), text
        with Probed(vaddr_context(w.pid, hot + shmem), [probe]) as k:
            ok, text = watch(k, judge)
        busy = max(nr_accesses, default=0)
        return (ok and busy == 0,
                f'{text}; highest nr_accesses of {len(nr_accesses)} '
                f'region snapshots: {busy}')


def hot_set(regions, value):
    return d.merge_ranges([(r[0], r[1]) for r in regions
                           if value(r) >= HOT_HITS])


def hot_judge(truth):
    """A judge(regions, value) of whether the regions whose value(r) is
    at least HOT_HITS are the hot buffer truth (precision and recall at
    least 0.8), and the best [score, text, hot ranges] it saw."""
    best = [0.0, 'nothing hot', []]

    def judge(regions, value):
        found = hot_set(regions, value)
        size = sum(e - s for s, e in found)
        inter = d.covered(found, truth)
        precision = inter / size if size else 0.0
        recall = inter / (truth[0][1] - truth[0][0])
        if precision + recall >= best[0]:
            best[:] = [precision + recall,
                       f'precision {precision:.2f} recall {recall:.2f}',
                       found]
        return precision >= 0.8 and recall >= 0.8, best[1]
    return judge, best


ACCESS_PROBES = [
    # access as an attribute: was the page young after being made idle?
    {'weight': 1, 'preps': ['set_pgidle'],
     'filters': [{'type': 'pgidle_unset', 'matching': 'Y', 'allow': 'Y'}]},
    # its complement, unweighted: was it still idle?
    {'filters': [{'type': 'pgidle_set', 'matching': 'Y', 'allow': 'Y'}]},
]


def access_case():
    with c.Workload(cold=32, hot=16) as w:
        hot, cold = w.region('hot'), w.region('cold')
        span = [(min(cold[0], hot[0]), max(cold[1], hot[1]))]
        idle = halves({'cold by pgidle_set': ([cold], 1, True),
                       'hot by pgidle_set': ([hot], 1, False)})
        results = {}
        for label, probes, value in (
                ('plain', [], lambda r: r[2]),
                ('attribute', ACCESS_PROBES, lambda r: r[4][0])):
            found, best = hot_judge([hot])
            last_idle = [True, '']

            def judge(regions, found=found, value=value, probes=probes):
                ok, text = found(regions, value)
                if probes:
                    last_idle[:] = idle(regions)
                return ok and last_idle[0], text
            with Probed(vaddr_context(w.pid, span), probes) as k:
                ok, _ = watch(k, judge)
            results[label] = (ok, ', '.join(filter(None, (
                best[1], last_idle[1]))), best[2])
        agree = d.covered(results['plain'][2], results['attribute'][2])
        text = '; '.join(f'{label}: {r[1]}' for label, r in results.items())
        return (all(r[0] for r in results.values()),
                f'{text}; both hot: {agree >> 20} MiB')


def hugepage_case():
    with c.Workload(cold=32, thp=32) as w:
        thp, small = w.region('thp'), w.region('cold')
        if c.smaps(w.pid, *thp).get('AnonHugePages', 0) < \
                (thp[1] - thp[0]) // 2:
            raise da.Unsupported('no transparent huge pages')
        probe = {'filters': [{'type': 'hugepage_size', 'min': 2 * MIB,
                              'max': 2 * MIB, 'matching': 'Y',
                              'allow': 'Y'}]}
        with Probed(vaddr_context(w.pid, [small, thp]), [probe]) as k:
            return watch(k, halves({'2 MiB folios': ([thp], 0, True),
                                    'small pages': ([small], 0, False)}))


# ==================== the tracepoint ====================

EVENTS = ('damon_aggregated', 'damon_region_aggregated')
LINE_RE = re.compile(r' (damon_aggregated|damon_region_aggregated): (.*)$')
AGGR_FMT = re.compile(r'target_id=(\d+) nr_regions=(\d+) (\d+)-(\d+): '
                      r'(\d+) (\d+)')
REGION_FMT = re.compile(AGGR_FMT.pattern +
                        r' probe_hits=([0-9a-f]{2}(?: [0-9a-f]{2})*)')


def tracing(name):
    return os.path.join(d.TRACING, name)


def event_enable(e):
    return tracing(f'events/damon/{e}/enable')


def require_events():
    """Fail, with the reason, on a kernel without the tracepoints."""
    missing = [e for e in EVENTS if not os.path.exists(event_enable(e))]
    if missing:
        raise OSError(errno.ENOENT, f'no tracepoint {", ".join(missing)}')


def set_events(on):
    for e in EVENTS:
        c.write_file(event_enable(e), 1 if on else 0)


def trace_lines():
    """(event, payload) of the damon events in the trace buffer."""
    with open(tracing('trace')) as f:
        return [m.groups() for m in map(LINE_RE.search, f) if m]


def traced_run(ctx, probes, nr_aggregations):
    """Run a kdamond until nr_aggregations of target 0 are traced."""
    c.write_file(tracing('buffer_size_kb'), 4096)
    c.write_file(tracing('trace'), '')
    set_events(True)
    try:
        def enough():
            lines = [p for e, p in trace_lines() if e == EVENTS[0]]
            m = AGGR_FMT.match(lines[0]) if lines else None
            return m and len(lines) >= nr_aggregations * int(m.group(2))
        with Probed(ctx, probes):
            c.polled(enough, DEADLINE_S)
    finally:
        set_events(False)
    return trace_lines()


def check_pairs(lines, nr_probes):
    """Failures of the damon_region_aggregated lines against the format
    and their damon_aggregated lines; and the hits of each line."""
    fails, hits = [], []
    for i, (event, payload) in enumerate(lines):
        if event != EVENTS[1]:
            continue
        m = REGION_FMT.fullmatch(payload)
        if not m:
            fails.append(f'bad format: {payload!r}')
            continue
        prev = lines[i - 1] if i else (None, '')
        pm = AGGR_FMT.fullmatch(prev[1])
        if prev[0] != EVENTS[0] or not pm or pm.groups() != m.groups()[:6]:
            fails.append(f'{payload!r} follows {prev!r}')
        h = [int(x, 16) for x in m.group(7).split()]
        if len(h) != nr_probes:
            fails.append(f'{len(h)} bytes for {nr_probes} probes: '
                         f'{payload!r}')
            continue
        hits.append(h)
    return fails, hits


def trace_case():
    require_events()
    with c.Workload(cold=16, shmem=16) as w:
        ctx = paddr_context(c.phys_ranges([(w, 'cold'), (w, 'shmem')], 16),
                            min_nr_regions=10)
        lines = traced_run(ctx, [], 3)
        fails = []
        nr_aggr = sum(1 for e, _ in lines if e == EVENTS[0])
        nr_region = len(lines) - nr_aggr
        if not nr_aggr or nr_region:
            fails.append(f'without probes: {nr_aggr} damon_aggregated, '
                         f'{nr_region} damon_region_aggregated lines')
        # probe 0 allows anon pages; probe 1 has no filters: every sample
        lines = traced_run(ctx, [ANON_PROBE, {}], 5)
        nr_aggr = sum(1 for e, _ in lines if e == EVENTS[0])
        pair_fails, hits = check_pairs(lines, 2)
        fails += pair_fails
        if len(hits) != nr_aggr:
            fails.append(f'{nr_aggr} damon_aggregated lines but '
                         f'{len(hits)} good damon_region_aggregated ones')
        # the first aggregations may include a partial window
        settled = hits[len(hits) // 2:]
        full = sum(1 for h in settled if h[1] == WINDOW)
        if not settled or full < len(settled):
            fails.append(f'probe without filters: {full} of '
                         f'{len(settled)} later lines show {WINDOW} hits')
        if any(h[0] > h[1] for h in hits):
            fails.append('the anon probe hit more than the probe without '
                         'filters')
        anon = sum(h[0] for h in hits)
        text = (f'{nr_aggr} region lines, probe 1 hits {WINDOW} in {full} '
                f'of {len(settled)} later ones, anon hits {anon} in all')
        for m in fails[:10]:
            text += f'\n{m}'
        return not fails, text


CASES = (
    ('anon_probe_vaddr', lambda: anon_case('vaddr')),
    ('anon_probe_paddr', lambda: anon_case('paddr')),
    ('memcg_probe_paddr', memcg_case),
    ('attrs_only_mode', attrs_only_case),
    ('access_as_attribute', access_case),
    ('hugepage_size_probe_vaddr', hugepage_case),
    ('region_aggregated_trace', trace_case),
)


def main():
    ktap = c.Ktap(len(CASES))
    names = [name for name, _ in CASES]
    if not da.available():
        c.skip_all(ktap, names, 'no DAMON sysfs interface')
    for name, fn in CASES:
        c.run_case(ktap, name, fn)
    a.reset()
    ktap.finish()


if __name__ == '__main__':
    main()
