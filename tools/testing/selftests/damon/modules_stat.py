#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON_STAT: idle time percentiles and the bandwidth estimate.

The percentiles are 101 values that never decrease; while a buffer is
kept hot the lowest is negative (memory hot for that long) and the highest
is positive (memory idle for that long).  While access_rate touches 1 GiB
of memory once every 2 seconds, the mean of estimated_memory_bandwidth
over the run must be within a factor of 2 of the rate access_rate
measured itself.
"""

import os
import subprocess
import time

import damon_modules as m

MOD = 'damon_stat'
GEN_MIB = 1024
GEN_PERIOD_MS = 2000
GEN_S = 100
WARMUP_S = 30
FACTOR = 2


def percentiles():
    return [int(x) for x in m.read(MOD, 'memory_idle_ms_percentiles')
            .split(',')]


def check_percentiles(ktap):
    """With a hot buffer, the least idle memory is hot (p0 is negative)
    and some memory is idle (p100 is positive)."""
    w = subprocess.Popen([os.path.join(m.HERE, 'access_hotcold'),
                          '256', '64', '0'], stdout=subprocess.PIPE)
    try:
        w.stdout.readline()
        ok, waited = m.deadline_poll(
            lambda: (lambda p: p[0] < 0 and p[100] > 0)(percentiles()),
            90, 1)
        p = percentiles()
    finally:
        w.kill()
        w.wait()
    monotone = all(a <= b for a, b in zip(p, p[1:]))
    ktap.diag(f'after {waited:.0f} s (aggr '
              f'{m.stat(MOD, "aggr_interval_us")} us): p0 {p[0]} p25 '
              f'{p[25]} p50 {p[50]} p90 {p[90]} p100 {p[100]} ms')
    ktap.result(len(p) == 101 and monotone and bool(ok),
                'stat_idle_percentiles_monotone')


def check_bandwidth(ktap):
    base = m.stat(MOD, 'estimated_memory_bandwidth')
    gen = subprocess.Popen([os.path.join(m.HERE, 'access_rate'),
                            str(GEN_MIB), str(GEN_PERIOD_MS), str(GEN_S)],
                           stdout=subprocess.PIPE, text=True)
    gen.stdout.readline()               # "ready"
    t0 = time.monotonic()
    samples = []
    while gen.poll() is None:
        time.sleep(max(m.stat(MOD, 'aggr_interval_us') / 1e6, 1))
        if time.monotonic() - t0 >= WARMUP_S and gen.poll() is None:
            samples.append(m.stat(MOD, 'estimated_memory_bandwidth'))
    touched, ns = (int(x) for x in gen.stdout.readline().split())
    rate = touched * 1e9 / ns
    est = sum(samples) / len(samples) if samples else 0
    ktap.diag(f'generator {rate / (1 << 20):.0f} MiB/s; estimate '
              f'{est / (1 << 20):.0f} MiB/s (mean of {len(samples)}, '
              f'idle baseline {base / (1 << 20):.0f} MiB/s), sampling '
              f'{m.stat(MOD, "aggr_interval_us") // 20} us')
    ktap.diag('samples MiB/s: ' +
              ' '.join(str(s >> 20) for s in samples))
    ktap.result(rate / FACTOR <= est <= rate * FACTOR,
                'stat_bandwidth_within_factor_2')


def main():
    ktap = m.Ktap(2)
    names = ('stat_idle_percentiles_monotone',
             'stat_bandwidth_within_factor_2')
    if not os.path.isdir(m.params_dir(MOD)):
        for n in names:
            ktap.result(True, n, 'DAMON_STAT not built in')
        ktap.finish()
    m.disable_all()
    try:
        m.set_params(MOD, {'enabled': 'Y'})
        check_percentiles(ktap)
        check_bandwidth(ktap)
    finally:
        m.disable_all()
    ktap.finish()


if __name__ == '__main__':
    main()
