#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMOS lru_prio and lru_deprio, through sysfs (paddr).

A process in its own memory cgroup has a 16 MiB hot buffer it keeps
writing and a 48 MiB cold one.  Its new anonymous pages start on the
inactive LRU list.  lru_prio for regions frequently accessed for a
second must move the hot buffer to the active list; lru_deprio for every
region must move it back.  The list of the cold buffer is only
reported: it may look accessed while its pages still have the accessed
bits of their first write.  /proc/kpageflags tells the list of each
page.  The schemes run on the physical frames of the buffers, kept to
the process's pages by a memcg filter.
"""

import damon_admin as da
import damos_checks as c

COLD_MIB = 48
HOT_MIB = 16
HOT_NR_ACCESSES = 2
HOT_MIN_AGE = 10
TIMEOUT_S = 120
NAMES = ('lru_prio_activates_hot_pages', 'lru_deprio_deactivates_them')


def active(w, name):
    start, end = w.region(name)
    return c.active_fraction(w.pid, start, end)


def run(w, m, action, nr_accesses, age, cond):
    scheme = da.Scheme(action, nr_accesses=nr_accesses, age=age, filters=[
        da.Filter('memcg', matching=False, memcg_path=m.path())])
    regions = c.phys_ranges([(w, 'cold'), (w, 'hot')])
    with da.Kdamond(c.paddr_context([scheme], regions)) as k:
        c.polled(cond, TIMEOUT_S)
        return k.stats()


def lru_prio(w, m):
    before = active(w, 'hot'), active(w, 'cold')
    stats = run(w, m, 'lru_prio', (HOT_NR_ACCESSES, da.UINT_MAX),
                (HOT_MIN_AGE, da.UINT_MAX),
                lambda: active(w, 'hot') >= 0.9)
    hot, cold = active(w, 'hot'), active(w, 'cold')
    ok = before[0] <= 0.2 and hot >= 0.8
    return ok, (f'active before: hot {before[0]:.2f} cold {before[1]:.2f}; '
                f'after: hot {hot:.2f} cold {cold:.2f}; stats {stats}')


def lru_deprio(w, m):
    if active(w, 'hot') < 0.5:
        raise da.Unsupported('lru_prio did not activate the hot buffer')
    stats = run(w, m, 'lru_deprio', (0, da.UINT_MAX), (0, da.UINT_MAX),
                lambda: active(w, 'hot') <= 0.05)
    hot, cold = active(w, 'hot'), active(w, 'cold')
    ok = hot <= 0.2 and cold <= 0.2
    return ok, f'active after: hot {hot:.2f} cold {cold:.2f}; stats {stats}'


def main():
    ktap = c.Ktap(len(NAMES))
    if not da.available():
        c.skip_all(ktap, NAMES, 'no DAMON sysfs interface')
    with c.Memcg('damos_lru') as m, \
            c.Workload(cold=COLD_MIB, hot=HOT_MIB, cgroup=m) as w:
        c.run_case(ktap, NAMES[0], lambda: lru_prio(w, m))
        c.run_case(ktap, NAMES[1], lambda: lru_deprio(w, m))
    ktap.finish()


if __name__ == '__main__':
    main()
