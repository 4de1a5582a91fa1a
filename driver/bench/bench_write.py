# SPDX-License-Identifier: GPL-2.0
"""make bench, section "write": what write monitoring costs and finds.

The workload is the write-monitoring selftest's rw_areas (one 32 MiB area
only read, one only written, a page at a time in a loop), monitored
through sysfs by a vaddr kdamond with upstream's default intervals and no
scheme, three ways, alternated run after run:

  none   not monitored
  plain  vaddr monitoring (the Accessed bit)
  write  vaddr monitoring with the write filter damo makes of
         --exp_ops_write_only (sample control; our kernel only)
  fault  vaddr monitoring with the page_fault primitive, no filter (our
         kernel only): every sample makes each region's sampled page
         fault once

For each, the medians of the workload's passes per second and of the
kdamond's CPU use; slowdown = rate unmonitored / rate monitored - 1.
Upstream 6.12 has no write monitoring: it gets "none" and "plain", for
reference.  Then the write filter's accuracy as the selftest scores it
(sample_write.measure()): the fraction of the written area found, and of
the read-only area seen as accessed, on vaddr and paddr.
"""

import os
import statistics
import sys
import time

sys.path.insert(0, os.environ['DAMON_E2E_DIR'])
import damon_admin as da  # noqa: E402
import sample_write as sw  # noqa: E402

MODES = ('none', 'plain', 'write', 'fault')


def write_supported():
    """Whether the kernel has sample control (sysfs files; staging one
    context tells)."""
    da.write(os.path.join(da.KDAMONDS, 'nr_kdamonds'), 1)
    ctx = os.path.join(da.KDAMONDS, '0', 'contexts')
    da.write(os.path.join(ctx, 'nr_contexts'), 1)
    supported = os.path.isdir(os.path.join(ctx, '0', 'monitoring_attrs',
                                           'sample'))
    da.write(os.path.join(da.KDAMONDS, 'nr_kdamonds'), 0)
    return supported


def kdamond(mode, w):
    ctx = da.Context('vaddr', targets=[da.Target(pid=w.pid)])
    if mode == 'write':
        return sw.SampledKdamond(ctx, sw.WRITE_ONLY)
    if mode == 'fault':
        return sw.SampledKdamond(ctx, (), primitive='page_fault')
    return da.Kdamond(ctx)


def one_run(mode, w, seconds, cpu_seconds):
    """(passes per second, kdamond CPU %) of one run of mode."""
    k = None
    if mode != 'none':
        k = kdamond(mode, w)
        k.start()
    try:
        time.sleep(1)		# past the kdamond's first samples
        pid = k.pid() if k else None
        c0 = cpu_seconds(pid) if k else 0
        p0, t0 = w.passes(), time.monotonic()
        time.sleep(seconds)
        p1, t1 = w.passes(), time.monotonic()
        c1 = cpu_seconds(pid) if k else 0
    finally:
        if k:
            k.stop()
    return (p1 - p0) / (t1 - t0), (c1 - c0) / (t1 - t0) * 100


def section(a, emit, cpu_seconds):
    """The section; emit(metric, value, unit) records a result,
    cpu_seconds(pid) reads a task's CPU time."""
    supported = write_supported()
    emit('write_monitoring_supported', int(supported), '')
    modes = MODES if supported else MODES[:2]
    rates = {m: [] for m in modes}
    cpus = {m: [] for m in modes}
    binary = os.path.join(os.environ['DAMON_E2E_DIR'], 'rw_areas')
    with sw.RwAreas(binary=binary) as w:
        for _ in range(a.write_runs):
            for m in modes:
                rate, cpu = one_run(m, w, a.write_seconds, cpu_seconds)
                rates[m].append(rate)
                cpus[m].append(cpu)
        rate = {m: statistics.median(rates[m]) for m in modes}
        emit('write_runs', a.write_runs, 'runs')
        for m in modes:
            emit(f'write_passes_per_s_{m}', rate[m], '/s')
            if m != 'none':
                emit(f'write_kdamond_cpu_{m}', statistics.median(cpus[m]),
                     '%')
                emit(f'write_slowdown_{m}',
                     (rate['none'] / rate[m] - 1) * 100, '%')
        if not supported:
            return
        for ops in ('vaddr', 'paddr'):
            r = sw.measure(ops, w, sw.WRITE_ONLY, a.write_accuracy_timeout)
            emit(f'write_found_{ops}', r['found'], '')
            emit(f'write_read_seen_{ops}', r['seen'], '')
            emit(f'write_accuracy_at_{ops}', r['at'], 's')
