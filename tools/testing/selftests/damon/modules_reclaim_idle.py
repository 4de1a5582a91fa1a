#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""An always-on DAMON_RECLAIM costs (almost) nothing while it is inactive.

With watermarks that the free memory rate is always above (high = mid = 1
permil), the scheme of DAMON_RECLAIM stays inactive, and its kdamond must
not sample: it sleeps until the next watermark check (every 5 s here).
Checked: its CPU time over 10 s stays under 0.5% of a vCPU, a bound that
a kdamond sampling every 5 ms fails (this is not a timing benchmark);
disabling it and committing new inputs take well under the watermark
interval, as requests wake the sleeping kdamond; and once the watermarks
are made active, it monitors again: regions are tried.
"""

import os
import time

import damon_modules as m

MOD = 'damon_reclaim'
WMARKS_INTERVAL_US = 5000000
IDLE_WINDOW_S = 10
IDLE_MAX_SHARE = 0.005          # of one vCPU
PROMPT_S = 2                    # disabling or committing while asleep
ACTIVATE_WITHIN_S = 60          # TCG: the check, then 1 s of ageing

# Free memory is above 1 permil: high = mid = 1 keep the scheme inactive.
INACTIVE = {'wmarks_high': 1, 'wmarks_mid': 1, 'wmarks_low': 0}
# A young min_age so that a resumed kdamond tries regions soon; a small
# quota and skip_anon keep what it reclaims meanwhile small.
PARAMS = {'min_age': 1000000, 'quota_ms': 0, 'quota_sz': 1 << 20,
          'skip_anon': 'Y', 'wmarks_interval': WMARKS_INTERVAL_US,
          'sample_interval': 5000, 'aggr_interval': 100000,
          'monitor_region_start': 0, 'monitor_region_end': 0}
DEFAULTS = {'min_age': 120000000, 'quota_ms': 10, 'quota_sz': 128 << 20,
            'skip_anon': 'N', 'wmarks_high': 500, 'wmarks_mid': 400,
            'wmarks_low': 200, 'wmarks_interval': 5000000,
            'sample_interval': 5000, 'aggr_interval': 100000}
NAMES = ('reclaim_idle_kdamond_cpu', 'reclaim_idle_disable_prompt',
         'reclaim_idle_commit_prompt', 'reclaim_idle_resumes_when_active')


def cpu_seconds(pid_):
    """utime + stime of a task, in seconds."""
    with open(f'/proc/{pid_}/stat') as f:
        # the fields after the command name, which may hold spaces
        fields = f.read().rsplit(')', 1)[1].split()
    # utime and stime are fields 14 and 15; fields[0] is field 3
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def timed_write(name, value):
    """Write a parameter; return (errno or 0, seconds it took)."""
    t0 = time.monotonic()
    err = m.write(MOD, name, value)
    return err, time.monotonic() - t0


def idle_cpu(ktap):
    """Start inactive; return the kdamond's CPU share over the window."""
    m.set_params(MOD, {**PARAMS, **INACTIVE})
    m.set_params(MOD, {'enabled': 'Y'})
    pid_ = m.pid(MOD)
    # let it start and check the watermarks a first time
    time.sleep(2)
    c0, t0 = cpu_seconds(pid_), time.monotonic()
    time.sleep(IDLE_WINDOW_S)
    share = (cpu_seconds(pid_) - c0) / (time.monotonic() - t0)
    tried = m.stat(MOD, 'nr_reclaim_tried_regions')
    ktap.diag(f'inactive: kdamond {pid_} used {share:.3%} of a vCPU over '
              f'{IDLE_WINDOW_S} s; {tried} regions tried')
    ktap.result(share < IDLE_MAX_SHARE and tried == 0 and m.running(MOD),
                NAMES[0])


def disable_prompt(ktap):
    err, took = timed_write('enabled', 'N')
    ktap.diag(f'disabling the sleeping kdamond took {took:.2f} s')
    ktap.result(not err and took < PROMPT_S and not m.running(MOD),
                NAMES[1])


def resumes_when_active(ktap):
    m.set_params(MOD, {**PARAMS, **INACTIVE})
    m.set_params(MOD, {'enabled': 'Y'})
    pid_ = m.pid(MOD)
    time.sleep(2)
    for name, value in m.ALWAYS_ACTIVE.items():
        m.write(MOD, name, value)
    err, took = timed_write('commit_inputs', 'Y')
    ktap.diag(f'committing to the sleeping kdamond took {took:.2f} s')
    ktap.result(not err and took < PROMPT_S, NAMES[2])

    c0, t0 = cpu_seconds(pid_), time.monotonic()
    tried, waited = m.deadline_poll(
        lambda: m.stat(MOD, 'nr_reclaim_tried_regions'), ACTIVATE_WITHIN_S)
    share = (cpu_seconds(pid_) - c0) / max(time.monotonic() - t0, 1e-3)
    ktap.diag(f'active: {tried} regions tried after {waited:.1f} s, '
              f'kdamond used {share:.2%} of a vCPU meanwhile')
    ktap.result(tried > 0 and m.running(MOD), NAMES[3])


def main():
    ktap = m.Ktap(len(NAMES))
    if not os.path.isdir(m.params_dir(MOD)):
        for n in NAMES:
            ktap.result(True, n, 'DAMON_RECLAIM not built in')
        ktap.finish()
    m.disable_all()
    try:
        idle_cpu(ktap)
        disable_prompt(ktap)
        resumes_when_active(ktap)
    finally:
        m.disable_all()
        m.set_params(MOD, DEFAULTS)
    ktap.finish()


if __name__ == '__main__':
    main()
