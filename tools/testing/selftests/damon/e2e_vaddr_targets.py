#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON end to end: two processes at the same virtual addresses.

Two access_hotcold processes run without address space randomisation
(setarch -R), so that their buffers lie at the same virtual addresses,
with their hot parts at different offsets.  One context monitors both as
two targets, each over its buffer.  Each target must show its own hot
part and not the other's: the access checks of one address space must
never look at the page tables of the other, whatever they cache between
regions (vaddr remembers the VMA of the last region it walked).
"""

import damon_admin as da
import damon_e2e as d
import damos_checks as c

TOTAL_MIB = 64
HOT_MIB = 8
HOT_OFFSETS_MIB = (0, 48)
HOT_NR_ACCESSES = 5	# of 20 samples an aggregation
FOUND = 0.9		# share of a hot part the target must show hot
LEAKED = 0.1		# share of the other's hot part it may show hot
TIMEOUT_S = 60


def per_target(regions):
    """Split tried regions, listed target by target over the same range,
    where an address goes back down."""
    out = [[]]
    for r in regions:
        if out[-1] and r[0] < out[-1][-1][1]:
            out.append([])
        out[-1].append(r)
    return out


def hot_share(regions, start, end):
    hot = [(s, e) for s, e, n, _ in regions if n >= HOT_NR_ACCESSES]
    return d.covered(hot, [(start, end)]) / (end - start)


def main():
    ktap = c.Ktap(1)
    name = 'same_addresses_two_targets'
    if not da.available():
        ktap.result(True, name, 'no DAMON sysfs interface')
        ktap.finish()
    ws = []
    try:
        ws = [d.Workload(TOTAL_MIB, HOT_MIB, off, wrapper=('setarch', '-R'))
              for off in HOT_OFFSETS_MIB]
        a, b = ws
        if (a.start, a.end) != (b.start, b.end):
            ktap.result(True, name, 'buffers not at the same addresses')
            ktap.finish()
        ctx = da.Context(
            'fvaddr',
            targets=[da.Target(pid=w.pid, regions=[(w.start, w.end)])
                     for w in ws],
            schemes=[da.Scheme('stat')])
        shares = None

        def separated():
            nonlocal shares
            _, regions = k.tried_regions()
            split = per_target(regions)
            if len(split) != 2:
                return False
            shares = [(hot_share(split[i], w.hot_start, w.hot_end),
                       hot_share(split[i], o.hot_start, o.hot_end))
                      for i, (w, o) in enumerate(((a, b), (b, a)))]
            return all(own >= FOUND and other <= LEAKED
                       for own, other in shares)

        with da.Kdamond(ctx) as k:
            ok = c.polled(separated, TIMEOUT_S)
        ktap.diag(f'buffers at {a.start:#x}-{a.end:#x}; (own, other) hot '
                  f'shares per target: {shares}')
        ktap.result(ok, name)
    finally:
        for w in ws:
            w.stop()
    ktap.finish()


if __name__ == '__main__':
    main()
