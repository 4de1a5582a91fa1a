#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON write monitoring loses no write: data integrity under pressure.

Write monitoring (the page_table primitive with a write filter) clears
the Dirty bits of the pages it samples.  Whatever dirtiness it clears
must first be moved to the folio, or reclaim takes a written page for
clean and drops it: a MADV_FREE page written again is discarded, an
anonymous page in the swap cache keeps its old swap copy, a shared file
page is not written back.

write_verify runs in a memory cgroup whose memory.high (32 MiB) is
below its working set (3 areas of 16 MiB), with zram as swap, while a
kdamond monitors writes with short intervals (1 ms samples): on vaddr
(the process), on paddr (all of System RAM), and with a DAMOS pageout
scheme for the regions found not written, which reclaims pages right
after the checks that cleaned them (the sharpest case for the TLB rule:
a write through a stale TLB entry must not be lost).  Each area is
written whole every round (after MADV_FREE for one, after MADV_PAGEOUT
and a read for the others, see write_verify.c) and verified byte by byte
the next round, the shared file (a memfd: the guest has no disk file
system, and shmem goes to swap too) also through pread(); no byte may
differ.  Pages must have been written to zram during the run, and some
brought back into the swap cache (by MADV_WILLNEED).

So that a run that monitored nothing cannot pass, the pageout scheme
must have paged out some bytes (sz_applied), and a DAMOS stat scheme for
the regions found written (nr_accesses >= 1 with the write filter),
restricted to the workload's memory by an addr filter over its areas,
must have tried some (sz_tried) on vaddr.  On paddr, with a memcg filter,
the bytes of the workload it found written (sz_ops_filter_passed) are
only reported: one sampled frame per region of a few MiB often misses
pages written once a round.
"""

import os
import select
import subprocess
import time

import damon_admin as da
import damos_checks as c
import sample_write as sw

AREA_MIB = 16
# memory.high, not memory.max: reclaim and throttling above it, never an
# OOM kill (memory.max at 24, 32 and 40 MiB saw the memcg OOM killer
# end the workload before it finished a round)
MEMORY_HIGH = 32 << 20
ROUNDS = 3
RUN_TIMEOUT_S = 65		# 4 runs within the kselftest timeout (300 s)
CHECKS = ('lazyfree', 'swapped', 'shared', 'shared_read')
MEMCG = 'damon_sample_integrity'

# name, ops, with a pageout scheme
RUNS = (
    ('vaddr_write_monitoring_keeps_data', 'vaddr', False),
    ('paddr_write_monitoring_keeps_data', 'paddr', False),
    ('vaddr_write_monitoring_pageout_keeps_data', 'vaddr', True),
    ('paddr_write_monitoring_pageout_keeps_data', 'paddr', True),
)


def swap_io():
    """(reads, writes) of the zram swap device, in bytes: the guest has
    no /proc/vmstat event counters."""
    fields = c.read_file('/sys/block/zram0/stat').split()
    # the block layer's stat: sectors read and written are fields 3 and 7
    return int(fields[2]) * 512, int(fields[6]) * 512


def memcg_stat(m, names=('anon', 'shmem', 'swapcached', 'pgscan',
                         'pgsteal', 'pglazyfree', 'pglazyfreed')):
    stat = {}
    for line in c.read_file(os.path.join(m.dir, 'memory.stat')).splitlines():
        name, value = line.split()
        if name in names:
            stat[name] = int(value)
    return stat


class WriteVerify:
    """A write_verify process in memcg m, started and waiting for 'go'."""

    def __init__(self, m):
        procs = m.procs_file()
        self.proc = subprocess.Popen(
            [os.path.join(sw.HERE, 'write_verify'), '-m', str(AREA_MIB),
             '-r', str(ROUNDS)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
            preexec_fn=lambda: c.write_file(procs, os.getpid()))
        self.pid = self.proc.pid
        self.areas = {}
        self.timed_out = False
        for line in self.proc.stdout:
            fields = line.split()
            if fields == ['ready']:
                return
            self.areas[fields[0]] = (int(fields[1], 16), int(fields[2], 16))
        self.stop()
        raise RuntimeError('write_verify did not start: '
                           f'{self.proc.stderr.read()[-500:]}')

    def go(self):
        self.proc.stdin.write('go\n')
        self.proc.stdin.close()

    def lines(self, timeout):
        """Its output lines, split, until it ends or timeout seconds
        pass (self.timed_out then)."""
        deadline = time.monotonic() + timeout
        self.timed_out = False
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if not ready:
                continue
            line = self.proc.stdout.readline()
            if not line:
                return
            yield line.split()
        self.timed_out = True

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


STAT, PAGEOUT = 0, 1		# the schemes' indexes


def context(ops, w, pageout, m):
    """The context: a stat scheme for the regions found written in the
    workload's memory, then, if pageout, a pageout scheme for the
    others."""
    if ops == 'vaddr':
        target = da.Target(pid=w.pid)
        starts, ends = zip(*w.areas.values())
        mine = [da.Filter('addr', matching=True, allow=True,
                          addr_start=min(starts), addr_end=max(ends))]
        filters = []
    else:
        target = da.Target(regions=[c.system_ram_span()])
        # only the workload's memory, not the rest of the guest
        mine = filters = [da.Filter('memcg', matching=False, allow=False,
                                    memcg_path=m.path())]
    # every aggregation: the workload writes each page once a round, so a
    # region is found written in few aggregations
    schemes = [da.Scheme('stat', nr_accesses=(1, da.UINT_MAX),
                         filters=mine)]
    if pageout:
        schemes.append(da.Scheme('pageout', nr_accesses=(0, 0),
                                 apply_interval_us=100000,
                                 filters=filters))
    return da.Context(ops, targets=[target], schemes=schemes,
                      sample_us=1000, aggr_us=20000, max_nr_regions=1000)


def run(ops, pageout):
    with c.Memcg(MEMCG) as m:
        c.write_file(os.path.join(m.dir, 'memory.high'), MEMORY_HIGH)
        w = WriteVerify(m)
        try:
            return verify(ops, pageout, m, w)
        finally:
            w.stop()


def scheme_stats(k, idx):
    """The stats of scheme idx, with sz_ops_filter_passed."""
    stats = k.stats(idx)
    stats['sz_ops_filter_passed'] = da.read_int(os.path.join(
        k.scheme_dir(idx), 'stats', 'sz_ops_filter_passed'))
    return stats


def verify(ops, pageout, m, w):
    results, rounds, running, stats, times = {}, 0, [], {}, []
    mstat, swapcache = {}, 0
    before = swap_io()
    with sw.SampledKdamond(context(ops, w, pageout, m), sw.WRITE_ONLY) as k:
        w.go()
        t0 = time.monotonic()
        for fields in w.lines(RUN_TIMEOUT_S):
            if fields[:1] == ['round']:
                rounds = int(fields[1])
                times.append(f'{time.monotonic() - t0:.1f}')
                mstat = memcg_stat(m)	# while the process lives
                running.append(k.running())
                # a vaddr kdamond ends with its target: ask now
                if running[-1]:
                    stats = {'stat': scheme_stats(k, STAT)}
                    if pageout:
                        stats['pageout'] = scheme_stats(k, PAGEOUT)
            elif fields[:1] == ['result']:
                results[fields[1]] = [int(x) for x in fields[2:]]
            elif fields[:1] == ['swapcache']:
                swapcache = int(fields[1])
    swapin, swapout = (a - b for a, b in zip(swap_io(), before))
    w.stop()
    corrupted = sum(r[0] for r in results.values())
    # writes found in the workload's memory, and paged out what was not.
    # paddr samples one frame of a few MiB per region: it may miss writes
    # made once a round, so only vaddr must find some.
    found = stats.get('stat', {}).get(
        'sz_tried' if ops == 'vaddr' else 'sz_ops_filter_passed', 0)
    paged_out = stats.get('pageout', {}).get('sz_applied', 0)
    ok = (w.proc.returncode == 0 and rounds == ROUNDS and
          set(results) == set(CHECKS) and corrupted == 0 and
          all(running) and swapout > 0 and swapcache > 0 and
          (found > 0 or ops != 'vaddr') and (paged_out > 0 or not pageout))
    diag = [f'{rounds} of {ROUNDS} rounds (done at {", ".join(times)} s'
            f'{", then timed out" if w.timed_out else ""}), kdamond '
            f'running after each: {running}; corrupted bytes (pages, '
            f'zeroed, stale) ' +
            ', '.join(f'{n} {r[0]} ({r[1]}, {r[2]}, {r[3]})'
                      for n, r in sorted(results.items())),
            f'swapped out {swapout >> 20} MiB, in {swapin >> 20} MiB; '
            f'{swapcache} pages read into the swap cache by MADV_WILLNEED; '
            f'memcg {mstat}; memory.events ' +
            c.read_file(os.path.join(m.dir, 'memory.events')).replace(
                '\n', ', ')]
    diag.append(f'written bytes found {found}, paged out {paged_out}; '
                f'scheme stats {stats}')
    err = w.proc.stderr.read().strip()
    if err:
        diag.append(f'write_verify: {err}')
    return ok, '\n'.join(diag)


def main():
    names = [n for n, _, _ in RUNS]
    ktap = sw.Ktap(len(names))
    if not da.available():
        c.skip_all(ktap, names, 'no DAMON sysfs interface')
    try:
        with c.ZramSwap():
            for name, ops, pageout in RUNS:
                c.run_case(ktap, name, lambda: run(ops, pageout))
    except da.Unsupported as e:
        c.skip_all(ktap, names[ktap.nr:], str(e))
    ktap.finish()


if __name__ == '__main__':
    main()
