#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMOS filters, through sysfs: each filter type excludes what it names.

Every case runs a pageout scheme (zram swap) over memory of two kinds,
with a filter naming one kind, and checks that only the other kind was
paged out:
  addr       fvaddr; the first half of a buffer is named
  target     fvaddr; the second of two processes is named
  anon       paddr; anonymous pages are named, shmem is not
  memcg      paddr; matching=N on one memcg: the other memcg is excluded
  young      paddr; the pages of a buffer kept hot are named
  hugepage_size  paddr; 2 MiB folios are named, small pages are not
  unmapped   paddr; a memfd that is never mapped is named
  active     paddr; pages lru_prio moved to the active list are named
  allow      paddr; an allow filter on one memcg: everything else is
             excluded (and a removed memcg of the same name is not it)
  core_filters, ops_filters  the addr and anon cases through the newer
             per-layer filter directories
  chain      vaddr stat; a core filter allows the first half of a buffer,
             an ops filter rejects anonymous memory: the first half passes
             whole (the ops filter does not judge it again), the rest of
             the address space is tried too and its anonymous pages, the
             second half among them, do not pass
The paddr cases keep the action to the test's processes with a
"memcg, matching=N" filter (except memcg and allow, which are about it).
Types, files and directories a kernel does not have are skipped.
"""

import os

import damon_admin as da
import damos_checks as c

MIB = c.MIB
TIMEOUT_S = 90
YOUNG_HOT_MIB = 16


def resident(w, start, end):
    return c.present_fraction(w.pid, start, end)


def paged_out(w, name):
    return w.resident(name) <= 0.1


def pageout_until(ctx, cond):
    with da.Kdamond(ctx) as k:
        c.polled(cond, TIMEOUT_S)
        return k.stats()


def cold_pageout(filters, filters_dir='filters', age=5):
    return da.Scheme('pageout', nr_accesses=(0, 0), age=(age, da.UINT_MAX),
                     filters=filters, filters_dir=filters_dir)


def verdict(kept, gone, stats):
    """kept: {what: resident fraction} that must stay in memory; gone:
    the same for what must have been paged out."""
    ok = (all(v >= 0.9 for v in kept.values()) and
          all(v <= 0.2 for v in gone.values()))
    text = ', '.join(f'{k} {v:.2f}' for k, v in {**kept, **gone}.items())
    return ok, f'resident: {text}; stats {stats}'


def confine(m):
    return da.Filter('memcg', matching=False, memcg_path=m.path())


# ==================== core layer filters ====================

def addr_case(filters_dir='filters'):
    with c.Workload(cold=64) as w:
        start, end = w.region('cold')
        mid = start + (end - start) // 2
        f = da.Filter('addr', addr_start=start, addr_end=mid)
        target = da.Target(pid=w.pid, regions=[(start, end)])
        ctx = da.Context('fvaddr', targets=[target],
                         schemes=[cold_pageout([f], filters_dir)])
        stats = pageout_until(ctx, lambda: resident(w, mid, end) <= 0.05)
        return verdict({'named half': resident(w, start, mid)},
                       {'other half': resident(w, mid, end)}, stats)


def target_case():
    with c.Workload(cold=32) as w0, c.Workload(cold=32) as w1:
        f = da.Filter('target', target_idx=1)
        ctx = da.Context('fvaddr', schemes=[cold_pageout([f])], targets=[
            da.Target(pid=w.pid, regions=[w.region('cold')])
            for w in (w0, w1)])
        stats = pageout_until(ctx, lambda: paged_out(w0, 'cold'))
        return verdict({'named target': w1.resident('cold')},
                       {'other target': w0.resident('cold')}, stats)


# ==================== operations layer filters (paddr) ====================

def anon_case(filters_dir='filters'):
    with c.Memcg('damos_filter_anon') as m, \
            c.Workload(cold=32, shmem=32, cgroup=m) as w:
        f = da.Filter('anon')
        ctx = c.paddr_context([cold_pageout([confine(m), f], filters_dir)])
        stats = pageout_until(ctx, lambda: paged_out(w, 'shmem'))
        return verdict({'anon': w.resident('cold')},
                       {'shmem': w.resident('shmem')}, stats)


def memcg_case():
    with c.Memcg('damos_filter_a') as a, c.Memcg('damos_filter_b') as b, \
            c.Workload(cold=32, cgroup=a) as wa, \
            c.Workload(cold=32, cgroup=b) as wb:
        ctx = c.paddr_context([cold_pageout([confine(a)])])
        stats = pageout_until(ctx, lambda: paged_out(wa, 'cold'))
        return verdict({'other memcg': wb.resident('cold')},
                       {'named memcg': wa.resident('cold')}, stats)


def young_case():
    with c.Memcg('damos_filter_young') as m, \
            c.Workload(cold=32, hot=YOUNG_HOT_MIB, cgroup=m) as w:
        # every region, however hot: only the filter keeps the hot pages
        scheme = da.Scheme('pageout', filters=[confine(m), da.Filter('young')])
        faults = w.majflt()
        stats = pageout_until(c.paddr_context([scheme]),
                              lambda: paged_out(w, 'cold'))
        # a hot page paged out is faulted right back in: count the faults
        faults = w.majflt() - faults
        hot_pages = YOUNG_HOT_MIB * MIB // c.PAGE_SIZE
        ok, text = verdict({}, {'cold': w.resident('cold')}, stats)
        return (ok and faults <= 0.2 * hot_pages,
                f'{text}; {faults} major faults for {hot_pages} hot pages')


def hugepage_size_case():
    with c.Memcg('damos_filter_hps') as m, \
            c.Workload(cold=32, thp=32, cgroup=m) as w:
        start, end = w.region('thp')
        huge = c.smaps(w.pid, start, end).get('AnonHugePages', 0)
        if huge < 0.5 * (end - start):
            raise da.Unsupported('no transparent huge pages')
        f = da.Filter('hugepage_size', min=2 * MIB, max=2 * MIB)
        ctx = c.paddr_context([cold_pageout([confine(m), f])])
        stats = pageout_until(ctx, lambda: paged_out(w, 'cold'))
        return verdict({'2 MiB folios': w.resident('thp')},
                       {'small pages': w.resident('cold')}, stats)


def unmapped_case():
    with c.Memcg('damos_filter_unmapped') as m, \
            c.Workload(shmem=32, unmapped=32, cgroup=m) as w:
        f = da.Filter('unmapped')
        ctx = c.paddr_context([cold_pageout([confine(m), f])])
        stats = pageout_until(ctx, lambda: paged_out(w, 'shmem'))
        return verdict({'unmapped memfd': w.resident('unmapped')},
                       {'mapped memfd': w.resident('shmem')}, stats)


def active_case():
    with c.Memcg('damos_filter_active') as m, \
            c.Workload(cold=32, hot=16, cgroup=m) as w:
        hot = w.region('hot')
        ranges = c.phys_ranges([(w, 'cold'), (w, 'hot')])
        pageout = c.paddr_context([cold_pageout([confine(m),
                                                 da.Filter('active')])],
                                  ranges)
        # a kernel without the active type refuses it here, early
        da.Kdamond(pageout).write_config()
        # first move the hot buffer to the active list; only its young
        # pages, as the regions may hold cold pages between hot ones
        prio = da.Scheme('lru_prio', nr_accesses=(2, da.UINT_MAX),
                         age=(10, da.UINT_MAX),
                         filters=[confine(m),
                                  da.Filter('young', matching=False)])
        with da.Kdamond(c.paddr_context([prio], ranges)):
            c.polled(lambda: c.active_fraction(w.pid, *hot) >= 0.9,
                     TIMEOUT_S)
        hot_active = c.active_fraction(w.pid, *hot)
        cold_active = c.active_fraction(w.pid, *w.region('cold'))
        if hot_active < 0.8 or cold_active > 0.2:
            return False, (f'lru_prio activated {hot_active:.2f} of the hot '
                           f'buffer, {cold_active:.2f} of the cold one')
        w.hot(False)
        stats = pageout_until(pageout, lambda: paged_out(w, 'cold'))
        return verdict({'active': w.resident('hot')},
                       {'inactive': w.resident('cold')}, stats)


def allow_case():
    # a removed memcg of the same name still lingers: the filter must name
    # the live one
    with c.DyingMemcg('damos_filter_a') as dead, \
            c.Memcg('damos_filter_a') as a, c.Memcg('damos_filter_b') as b, \
            c.Workload(cold=32, cgroup=a) as wa, \
            c.Workload(cold=32, cgroup=b) as wb:
        f = da.Filter('memcg', memcg_path=a.path(), allow=True)
        # only the two buffers' memory: whole-RAM regions age slowly on TCG
        ranges = c.phys_ranges([(wa, 'cold'), (wb, 'cold')])
        ctx = c.paddr_context([cold_pageout([f])], ranges)
        stats = pageout_until(ctx, lambda: paged_out(wa, 'cold'))
        ok, text = verdict({'other memcg': wb.resident('cold')},
                           {'allowed memcg': wa.resident('cold')}, stats)
        return ok, f'{text}; {dead.dying()} dying memcgs'


# ==================== core and ops filters as one chain ====================

def tried_passed(k):
    """[(start, end, sz_filter_passed)] of the regions scheme 0 tried in
    one snapshot."""
    k.command('update_schemes_tried_regions')
    d = os.path.join(k.scheme_dir(0), 'tried_regions')
    names = sorted((n for n in os.listdir(d) if n.isdigit()), key=int)
    return [tuple(da.read_int(os.path.join(d, n, f))
                  for f in ('start', 'end', 'sz_filter_passed'))
            for n in names]


def overlap(start, end, lo, hi):
    return max(0, min(end, hi) - max(start, lo))


def chain_verdict(regions, start, mid, end):
    """The allowed half [start, mid) is tried whole and passes whole; the
    rest of the address space is tried, the other half [mid, end) too,
    and none of its (anonymous) bytes pass."""
    inside = [r for r in regions if r[0] >= start and r[1] <= mid]
    outside = [r for r in regions if r[1] <= start or r[0] >= mid]
    cut = [r for r in regions if r not in inside and r not in outside]
    sz_in = sum(e - s for s, e, _ in inside)
    passed_in = sum(p for _, _, p in inside)
    other_half = sum(overlap(s, e, mid, end) for s, e, _ in outside)
    anon_passed = [(s, e, p) for s, e, p in outside
                   if p > (e - s) - overlap(s, e, mid, end)]
    ok = (not cut and sz_in == mid - start and passed_in == sz_in and
          other_half == end - mid and not anon_passed)
    return ok, (f'{len(regions)} tried regions: {len(inside)} in the '
                f'allowed half ({sz_in} bytes, {passed_in} passed), '
                f'{len(outside)} outside ({other_half} bytes of the other '
                f'half), {len(cut)} across its ends; outside regions that '
                f'passed anonymous bytes: {anon_passed[:3]}')


def chain_case():
    with c.Workload(cold=64) as w:
        start, end = w.region('cold')
        mid = start + (end - start) // 2
        core = da.Filter('addr', addr_start=start, addr_end=mid, allow=True)
        scheme = da.Scheme('stat', filters=[core], filters_dir='core_filters')
        k = da.Kdamond(da.Context('vaddr', targets=[da.Target(pid=w.pid)],
                                  schemes=[scheme]))
        k.write_config()
        k.require('ops_filters')
        # a second stage the config helper has no field for
        ops_dir = os.path.join(k.scheme_dir(0), 'ops_filters')
        da.write(os.path.join(ops_dir, 'nr_filters'), 1)
        da._write_filter(os.path.join(ops_dir, '0'),  # pylint: disable=W0212
                         da.Filter('anon', matching=True, allow=False))
        k.command('on')
        try:
            result = [False, 'no tried regions']

            def settled():
                result[:] = chain_verdict(tried_passed(k), start, mid, end)
                return result[0]
            c.polled(settled, TIMEOUT_S)
            return result[0], f'{result[1]}; stats {k.stats()}'
        finally:
            k.stop()


CASES = (
    ('addr_filter_excludes_range', addr_case),
    ('target_filter_excludes_target', target_case),
    ('anon_filter_excludes_anon', anon_case),
    ('memcg_filter_selects_memcg', memcg_case),
    ('young_filter_excludes_young', young_case),
    ('hugepage_size_filter_excludes_thp', hugepage_size_case),
    ('unmapped_filter_excludes_unmapped', unmapped_case),
    ('active_filter_excludes_active', active_case),
    ('allow_filter_allows_only_named', allow_case),
    ('core_filters_dir_addr', lambda: addr_case('core_filters')),
    ('ops_filters_dir_anon', lambda: anon_case('ops_filters')),
    ('core_allow_skips_ops_filters', chain_case),
)


def main():
    ktap = c.Ktap(len(CASES))
    names = [name for name, _ in CASES]
    if not da.available():
        c.skip_all(ktap, names, 'no DAMON sysfs interface')
    try:
        with c.ZramSwap():
            for name, fn in CASES:
                c.run_case(ktap, name, fn)
    except da.Unsupported as e:
        c.skip_all(ktap, names[ktap.nr:], str(e))
    ktap.finish()


if __name__ == '__main__':
    main()
