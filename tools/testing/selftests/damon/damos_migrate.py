#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMOS migrate_cold, through sysfs: cold pages move to node 1.

A process in its own memory cgroup allocates a 64 MiB cold buffer and an
8 MiB hot one on node 0.  A migrate_cold scheme with target_nid 1 must
move the cold buffer to node 1 (move_pages(2) tells where each page is);
where the hot one ends up is only reported.  It runs on the physical
address space (paddr) where the process's buffers are, kept to its pages
by a memcg filter, and, on kernels
that can migrate from process address spaces, on vaddr.
"""

import damon_admin as da
import damos_checks as c

COLD_MIB = 64
HOT_MIB = 8
# aggregation intervals a region must stay unaccessed: time for the
# monitoring to tell the hot buffer apart from the cold one
MIN_AGE = 10
TIMEOUT_S = 120
NAMES = ('paddr_migrate_cold_to_node1', 'vaddr_migrate_cold_to_node1')


def on_node(w, name, node):
    start, end = w.region(name)
    return c.node_fractions(w.pid, start, end).get(node, 0.0)


def migrate_cold(ops):
    if c.nr_nodes() < 2:
        raise da.Unsupported('one NUMA node')
    with c.Memcg('damos_migrate') as m, \
            c.Workload(cold=COLD_MIB, hot=HOT_MIB, node=0, cgroup=m) as w:
        scheme = da.Scheme('migrate_cold', nr_accesses=(0, 0),
                           age=(MIN_AGE, da.UINT_MAX), target_nid=1)
        if ops == 'paddr':
            scheme.filters = [da.Filter('memcg', matching=False,
                                        memcg_path=m.path())]
            ctx = c.paddr_context([scheme],
                                  c.phys_ranges([(w, 'cold'), (w, 'hot')]))
        else:
            ctx = da.Context('vaddr', schemes=[scheme],
                             targets=[da.Target(pid=w.pid)])
        before = (on_node(w, 'cold', 0), on_node(w, 'hot', 0))
        k = da.Kdamond(ctx)
        k.write_config()
        if ops == 'vaddr':
            # vaddr migration came with the migration destinations
            k.require('dests')
        with k:
            c.polled(lambda: on_node(w, 'cold', 1) >= 0.95, TIMEOUT_S)
            cold1, hot0 = on_node(w, 'cold', 1), on_node(w, 'hot', 0)
            stats = k.stats()
    ok = before[0] == 1.0 and cold1 >= 0.9
    return ok, (f'on node 0 before: cold {before[0]:.2f} hot '
                f'{before[1]:.2f}; after: cold on node 1 {cold1:.2f}, hot '
                f'on node 0 {hot0:.2f}; stats {stats}')


def main():
    ktap = c.Ktap(len(NAMES))
    if not da.available():
        c.skip_all(ktap, NAMES, 'no DAMON sysfs interface')
    c.run_case(ktap, NAMES[0], lambda: migrate_cold('paddr'))
    c.run_case(ktap, NAMES[1], lambda: migrate_cold('vaddr'))
    ktap.finish()


if __name__ == '__main__':
    main()
