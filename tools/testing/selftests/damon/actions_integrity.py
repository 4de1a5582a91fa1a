#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""No DAMOS action corrupts or takes away the memory it acts on.

verify_loop keeps verifying and rewriting its memory (a 32 MiB
anonymous area with MADV_HUGEPAGE, 32 MiB without, and 4 MiB of a
MAP_SHARED memfd; every page holds a pattern of its area, index and
generation), in its own memory cgroup, with zram as swap.  Meanwhile,
one action at a time, a kdamond runs a single aggressive scheme on it:
every region qualifies (any nr_accesses, any age), no quota, 1 ms
samples and 20 ms aggregations.  First on vaddr (the process), then on
paddr (the physical ranges its pages are in at that moment, with a memcg
filter that leaves everything but the workload alone).  An action that
the operation set refuses (EINVAL on "on") is a SKIP.

Each (ops, action) case reports the scheme's stats, its time, where the
pages are and how much of each anonymous area is in huge pages.  It
passes if the scheme tried some bytes and, for the actions that always
find something to do here (pageout, the migrations and the LRU actions),
applied some; if a migration left at least MIGRATED of the workload's
anonymous pages on the destination node (the node that held fewer of
them, so both nodes are destinations over the run); and if, once the
kdamond stopped, the workload finished two whole passes more (one of
them entirely after the scheme) with no corrupted page.  The last case
stops the workload: it must exit normally (no SIGBUS or SIGSEGV) after a
final verification of every page, with no corrupted byte over the run.
Kernel splats are the driver's to find in the serial log.
"""

import errno
import json
import os
import select
import time

import damon_admin as da
import damos_checks as c

ANON_MIB = 64
SHARED_MIB = 4
PAUSE_US = 200		# after every MiB the workload writes: CPU for others
MEMCG = 'damon_actions_integrity'
ACTIONS = ('pageout', 'migrate_hot', 'migrate_cold', 'hugepage',
           'collapse', 'nohugepage', 'lru_prio', 'lru_deprio', 'cold',
           'willneed')
# actions that must apply to something: every page here qualifies for them
MUST_APPLY = ('pageout', 'migrate_hot', 'migrate_cold', 'lru_prio',
              'lru_deprio')
MIGRATIONS = ('migrate_hot', 'migrate_cold')
OPS = ('vaddr', 'paddr')
MIN_RUN_S = 3		# each scheme runs at least this long
MAX_RUN_S = 20		# and at most this long, waiting for its effect
MIGRATED = 0.8
KPF_THP = 1 << 22
REPLY_TIMEOUT_S = 60
NAMES = [f'{ops}_{action}_keeps_data' for ops in OPS for action in ACTIONS]
NAMES.append('workload_verified_all_pages_intact')


class VerifyLoop(c.AreasProcess):
    """A verify_loop process in memcg m, looping after go()."""

    def __init__(self, m):
        procs = m.procs_file()
        super().__init__([os.path.join(c.HERE, 'verify_loop'),
                          '-m', str(ANON_MIB), '-s', str(SHARED_MIB),
                          '-p', str(PAUSE_US)], 'verify_loop',
                         preexec_fn=lambda: c.write_file(procs, os.getpid()))

    def go(self):
        self.send('go')

    def send(self, line):
        self.proc.stdin.write(line + '\n')
        self.proc.stdin.flush()

    def reply(self):
        """Its next JSON line; RuntimeError if it died or stalled."""
        ready, _, _ = select.select([self.proc.stdout], [], [],
                                    REPLY_TIMEOUT_S)
        line = self.proc.stdout.readline() if ready else ''
        if not line:
            raise RuntimeError(f'verify_loop gave no reply (exit status '
                               f'{self.proc.poll()})')
        return json.loads(line)

    def status(self):
        self.send('status')
        return self.reply()

    def finish(self):
        """Stop it: the final counters and its exit status."""
        self.send('stop')
        result = self.reply()
        self.proc.stdin.close()
        return result, self.proc.wait(REPLY_TIMEOUT_S)

    def alive(self):
        return self.proc.poll() is None

    def nodes(self, names=('thp', 'small')):
        """{node: fraction} of the pages of the areas names."""
        total, pages = {}, 0
        for name in names:
            start, end = self.region(name)
            nr = (end - start) // c.PAGE_SIZE
            for node, frac in c.node_fractions(self.pid, start,
                                               end).items():
                total[node] = total.get(node, 0) + frac * nr
            pages += nr
        return {n: v / pages for n, v in sorted(total.items())}

    def huge_mib(self, name):
        """MiB of area name in transparent huge pages, from the flags of
        its frames (smaps would count a VMA that an madvise() over the
        whole address space merged with its neighbours)."""
        nr = 0
        with open('/proc/kpageflags', 'rb') as f:
            for first, count in c.pfn_runs(
                    c.present_pfns(self.pid, *self.region(name))):
                f.seek(first * 8)
                data = f.read(count * 8)
                nr += sum(1 for i in range(0, len(data), 8)
                          if int.from_bytes(data[i:i + 8], 'little') &
                          KPF_THP)
        return nr * c.PAGE_SIZE >> 20


def scheme(ops, action, m, dest):
    s = da.Scheme(action, nr_accesses=(0, da.UINT_MAX),
                  age=(0, da.UINT_MAX))
    if action in MIGRATIONS:
        s.target_nid = dest
    if ops == 'paddr':
        # the workload's pages only: the ranges' gaps hold others' pages
        s.filters = [da.Filter('memcg', matching=False,
                               memcg_path=m.path())]
    return s


def context(ops, w, s):
    if ops == 'vaddr':
        target = da.Target(pid=w.pid)
    else:
        target = da.Target(regions=c.phys_ranges(
            [(w, name) for name in w.areas]))
    return da.Context(ops, targets=[target], schemes=[s], sample_us=1000,
                      aggr_us=20000)


def emptier_node(w):
    """The node that holds fewer of the workload's anonymous pages."""
    nodes = w.nodes()
    return min(range(c.nr_nodes()), key=lambda n: nodes.get(n, 0.0))


def effect_seen(k, w, action, dest, t0):
    """Whether the scheme has run long enough and done what it should."""
    if time.monotonic() - t0 < MIN_RUN_S or not w.alive():
        return not w.alive()
    stats = k.stats()
    if not stats['sz_tried']:
        return False
    if action in MUST_APPLY and not stats['sz_applied']:
        return False
    return action not in MIGRATIONS or w.nodes().get(dest, 0.0) >= 0.95


def wait_passes(w, nr):
    """Wait until the workload has done nr whole passes more."""
    want = w.status()['passes'] + nr
    st = w.status()
    deadline = time.monotonic() + REPLY_TIMEOUT_S
    while st['passes'] < want and time.monotonic() < deadline:
        time.sleep(0.2)
        st = w.status()
    return st, st['passes'] >= want


def run_action(ops, action, w, m):
    t0 = time.monotonic()
    dest = emptier_node(w) if action in MIGRATIONS else None
    before = {'nodes': w.nodes(), 'thp_mib': w.huge_mib('thp'),
              'small_thp_mib': w.huge_mib('small')}
    st0 = w.status()
    k = da.Kdamond(context(ops, w, scheme(ops, action, m, dest)))
    k.write_config()
    try:
        k.command('on')
    except OSError as e:
        if e.errno == errno.EINVAL:
            raise da.Unsupported(f'{ops} refuses {action} ("on": '
                                 'EINVAL)') from e
        raise
    try:
        c.polled(lambda: effect_seen(k, w, action, dest, t0), MAX_RUN_S)
        ran_s = time.monotonic() - t0
        stats = k.stats() if k.running() else {}
        after_nodes = w.nodes() if w.alive() else {}
        shared_nodes = w.nodes(('shared',)) if w.alive() else {}
    finally:
        k.stop()
    st, passed = wait_passes(w, 2)
    elapsed = time.monotonic() - t0
    ok = (passed and st['corrupted_bytes'] == 0 and
          stats.get('sz_tried', 0) > 0 and
          (action not in MUST_APPLY or stats.get('sz_applied', 0) > 0) and
          (action not in MIGRATIONS or
           after_nodes.get(dest, 0.0) >= MIGRATED))
    moved = (f'; dest node {dest}: anon pages by node {before["nodes"]} -> '
             f'{after_nodes}, shared {shared_nodes}'
             if action in MIGRATIONS else f'; nodes {after_nodes}')
    return ok, (f'{elapsed:.1f} s (scheme ran {ran_s:.1f} s); stats '
                f'{stats}{moved}; THP thp '
                f'{before["thp_mib"]} -> {w.huge_mib("thp")} MiB, small '
                f'{before["small_thp_mib"]} -> {w.huge_mib("small")} MiB; '
                f'workload passes {st0["passes"]} -> {st["passes"]}, '
                f'pages checked {st["pages_checked"]}, corrupted pages '
                f'{st["corrupted_pages"]} bytes {st["corrupted_bytes"]} '
                f'(zeroed {st["zeroed"]}, stale {st["stale"]}) first '
                f'{st["first_bad"]}')


def finish(w, t_start):
    result, status = w.finish()
    ok = status == 0 and result['corrupted_bytes'] == 0 and \
        result['corrupted_pages'] == 0
    return ok, (f'exit status {status}; {result["passes"]} passes, '
                f'{result["pages_checked"]} pages verified, corrupted '
                f'bytes {result["corrupted_bytes"]} pages '
                f'{result["corrupted_pages"]} (zeroed {result["zeroed"]}, '
                f'stale {result["stale"]}) first {result["first_bad"]}; '
                f'{time.monotonic() - t_start:.1f} s in all')


def main():
    ktap = c.Ktap(len(NAMES))
    if not da.available():
        c.skip_all(ktap, NAMES, 'no DAMON sysfs interface')
    if c.nr_nodes() < 2:
        c.skip_all(ktap, NAMES, 'one NUMA node')
    t_start = time.monotonic()
    try:
        with c.ZramSwap(), c.Memcg(MEMCG) as m, VerifyLoop(m) as w:
            w.go()
            for ops in OPS:
                for action in ACTIONS:
                    c.run_case(ktap, f'{ops}_{action}_keeps_data',
                               lambda: run_action(ops, action, w, m))
            c.run_case(ktap, NAMES[-1], lambda: finish(w, t_start))
    except da.Unsupported as e:
        c.skip_all(ktap, NAMES[ktap.nr:], str(e))
    ktap.finish()


if __name__ == '__main__':
    main()
