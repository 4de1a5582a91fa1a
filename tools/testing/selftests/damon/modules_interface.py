#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The parameter interface of DAMON_RECLAIM, DAMON_LRU_SORT and DAMON_STAT.

Every parameter exists; invalid values are refused with EINVAL and change
nothing; each module starts and stops its own kdamond; the modules exclude
each other and the damon_e2e driver (EBUSY, the first keeps running);
commit_inputs applies valid changes online and refuses invalid ones with
the kdamond unchanged.
"""

import errno
import os

import damon_modules as m

# (module, parameter, invalid value)
INVALID = [
    ('damon_reclaim', 'wmarks_high', 1001),
    ('damon_reclaim', 'wmarks_low', 5000),
    ('damon_reclaim', 'min_nr_regions', 2),
    ('damon_reclaim', 'max_nr_regions', 0),
    ('damon_reclaim', 'sample_interval', 0),
    ('damon_reclaim', 'quota_reset_interval_ms', 0),
    ('damon_reclaim', 'addr_unit', 0),
    ('damon_reclaim', 'min_age', 'soon'),
    ('damon_reclaim', 'skip_anon', 'maybe'),
    ('damon_lru_sort', 'hot_thres_access_freq', 1001),
    ('damon_lru_sort', 'active_mem_bp', 10001),
    ('damon_lru_sort', 'aggr_interval', 0),
    ('damon_lru_sort', 'wmarks_mid', -1),
    ('damon_stat', 'enabled', 'perhaps'),
]

READ_ONLY = [('damon_reclaim', 'kdamond_pid'),
             ('damon_reclaim', 'nr_reclaimed_regions'),
             ('damon_lru_sort', 'nr_hot_quota_exceeds'),
             ('damon_stat', 'estimated_memory_bandwidth'),
             ('damon_stat', 'memory_idle_ms_percentiles')]


def check_parameters(ktap):
    missing = [f'{mod}.{p}' for mod, names in m.PARAMETERS.items()
               for p in names
               if not os.path.exists(os.path.join(m.params_dir(mod), p))]
    if missing:
        ktap.diag('missing: ' + ' '.join(missing))
    ktap.result(not missing, 'all_parameters_exist')


def check_invalid(ktap):
    bad = []
    for mod, name, value in INVALID:
        before = m.read(mod, name)
        err = m.write(mod, name, value)
        after = m.read(mod, name)
        if err != errno.EINVAL or after != before:
            bad.append(f'{mod}.{name}={value}: errno {err}, '
                       f'{before} -> {after}')
    for mod, name in READ_ONLY:
        mode = os.stat(os.path.join(m.params_dir(mod), name)).st_mode
        if mode & 0o222:
            bad.append(f'{mod}.{name} is writable ({mode:o})')
    for line in bad:
        ktap.diag(line)
    ktap.result(not bad, 'invalid_values_rejected')


def check_start_stop(ktap):
    bad = []
    for mod in m.MODULES:
        if m.pid(mod) != -1 or m.read(mod, 'enabled') != 'N':
            bad.append(f'{mod}: not stopped at the start')
        if mod != 'damon_stat':
            m.set_params(mod, m.ALWAYS_ACTIVE)
        err = m.write(mod, 'enabled', 'Y')
        p = m.pid(mod)
        if err or not m.is_kdamond(p) or m.read(mod, 'enabled') != 'Y':
            bad.append(f'{mod}: enabling gave errno {err}, pid {p}')
        m.write(mod, 'enabled', 'N')
        if m.pid(mod) != -1 or m.is_kdamond(p):
            bad.append(f'{mod}: kdamond {p} still there after N')
    for line in bad:
        ktap.diag(line)
    ktap.result(not bad, 'enable_starts_and_disable_stops_kdamond')


def check_exclusive(ktap):
    bad = []
    for first in m.MODULES:
        m.write(first, 'enabled', 'Y')
        p = m.pid(first)
        for other in m.MODULES:
            if other == first:
                continue
            err = m.write(other, 'enabled', 'Y')
            if err != errno.EBUSY or m.pid(other) != -1:
                bad.append(f'{first} running, {other}: errno {err}')
        if os.path.isdir('/sys/module/damon_e2e'):
            m.write('damon_e2e', 'ops', 'paddr')
            err = m.write('damon_e2e', 'enabled', 'Y')
            if err != errno.EBUSY:
                bad.append(f'{first} running, damon_e2e: errno {err}')
                m.write('damon_e2e', 'enabled', 'N')
        if m.pid(first) != p or not m.is_kdamond(p):
            bad.append(f'{first}: kdamond {p} did not survive')
        m.write(first, 'enabled', 'N')
    # and the other way around: a running e2e kdamond keeps modules out
    if os.path.isdir('/sys/module/damon_e2e'):
        m.write('damon_e2e', 'ops', 'paddr')
        if m.write('damon_e2e', 'enabled', 'Y') == 0:
            err = m.write('damon_reclaim', 'enabled', 'Y')
            if err != errno.EBUSY:
                bad.append(f'damon_e2e running, damon_reclaim: errno {err}')
            m.write('damon_e2e', 'enabled', 'N')
    check_sysfs_exclusive(bad)
    m.disable_all()
    for line in bad:
        ktap.diag(line)
    ktap.result(not bad, 'modules_exclude_other_damon_users')


def check_sysfs_exclusive(bad):
    """A module and a kdamond of the sysfs interface exclude each other."""
    if not os.path.isdir('/sys/kernel/mm/damon/admin'):
        return
    import sysfs_admin as sa
    sa.setup('paddr', regions=[(1 << 30, 2 << 30)])
    m.write('damon_reclaim', 'enabled', 'Y')
    p = m.pid('damon_reclaim')
    err = sa.command('on')
    if err != errno.EBUSY or sa.state() != 'off':
        bad.append(f'damon_reclaim running, sysfs on: errno {err}')
    if m.pid('damon_reclaim') != p or not m.is_kdamond(p):
        bad.append(f'damon_reclaim kdamond {p} did not survive sysfs on')
    m.write('damon_reclaim', 'enabled', 'N')
    err = sa.command('on')
    if err:
        bad.append(f'sysfs on with no module running: errno {err}')
    else:
        err = m.write('damon_stat', 'enabled', 'Y')
        if err != errno.EBUSY or m.pid('damon_stat') != -1:
            bad.append(f'sysfs kdamond running, damon_stat: errno {err}')
        if sa.state() != 'on':
            bad.append('the sysfs kdamond did not survive damon_stat')
    sa.reset()


def check_commit(ktap):
    mod = 'damon_reclaim'
    bad = []
    m.set_params(mod, {'min_age': 5000000, **m.ALWAYS_ACTIVE})
    m.write(mod, 'enabled', 'Y')
    p = m.pid(mod)
    err = m.write(mod, 'min_age', 1000000)
    err = err or m.write(mod, 'commit_inputs', 'Y')
    if err or m.pid(mod) != p or m.read(mod, 'commit_inputs') != 'N':
        bad.append(f'valid commit: errno {err}, pid {p} -> {m.pid(mod)}')
    # valid one by one, not together: refused at commit
    m.write(mod, 'wmarks_high', 500)            # below wmarks_mid
    err = m.write(mod, 'commit_inputs', 'Y')
    if err != errno.EINVAL or m.pid(mod) != p:
        bad.append(f'invalid commit: errno {err}, pid {p} -> {m.pid(mod)}')
    m.write(mod, 'wmarks_high', 1000)
    m.write(mod, 'aggr_interval', 1000)         # below sample_interval
    err = m.write(mod, 'commit_inputs', 'Y')
    if err != errno.EINVAL or m.pid(mod) != p:
        bad.append(f'aggr < sample commit: errno {err}, pid {m.pid(mod)}')
    m.write(mod, 'aggr_interval', 100000)
    m.write(mod, 'enabled', 'N')
    # enabling with an invalid combination fails and starts nothing
    m.write(mod, 'wmarks_high', 500)
    err = m.write(mod, 'enabled', 'Y')
    if err != errno.EINVAL or m.pid(mod) != -1:
        bad.append(f'invalid enable: errno {err}, pid {m.pid(mod)}')
    m.set_params(mod, {'min_age': 120000000, 'wmarks_high': 500,
                       'wmarks_mid': 400, 'wmarks_low': 200})
    for line in bad:
        ktap.diag(line)
    ktap.result(not bad, 'commit_inputs_applies_or_refuses')


def main():
    ktap = m.Ktap(5)
    if not all(os.path.isdir(m.params_dir(mod)) for mod in m.MODULES):
        for name in ('all_parameters_exist', 'invalid_values_rejected',
                     'enable_starts_and_disable_stops_kdamond',
                     'modules_exclude_other_damon_users',
                     'commit_inputs_applies_or_refuses'):
            ktap.result(True, name, 'DAMON modules not built in')
        ktap.finish()
    m.disable_all()
    try:
        check_parameters(ktap)
        check_invalid(ktap)
        check_start_stop(ktap)
        check_exclusive(ktap)
        check_commit(ktap)
    finally:
        m.disable_all()
    ktap.finish()


if __name__ == '__main__':
    main()
