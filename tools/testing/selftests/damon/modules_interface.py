#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The parameter interface of DAMON_RECLAIM, DAMON_LRU_SORT and DAMON_STAT.

Every parameter exists; as upstream's plain module parameters, a write
takes any value of the parameter's type and only text that does not parse
is refused (EINVAL, or ERANGE for an overflow), changing nothing; values
that cannot be used are refused when they are applied, by enabled Y (the
module stays off) or commit_inputs Y (the kdamond keeps what it had), with
EINVAL.  Each module starts and stops its own kdamond; the modules exclude
each other and the damon_e2e driver (EBUSY, the first keeps running);
commit_inputs applies valid changes online and refuses invalid ones with
the kdamond unchanged.  A monitoring region of 0 to 0 becomes the span of
all System RAM and is written back; enabled and kdamond_pid tell whether
the kdamond really runs; autotune_monitoring_intervals replaces the
interval parameters.

If the kernel command line gives damon_reclaim.kdamond_pid (the driver
may add it with GUEST_APPEND), the boot must have accepted and ignored it.
"""

import errno
import os

import damon_modules as m

# (module, parameter, value that does not parse): refused at write
UNPARSEABLE = [
    ('damon_reclaim', 'min_age', 'soon'),
    ('damon_reclaim', 'sample_interval', '5ms'),
    ('damon_reclaim', 'addr_unit', -1),
    ('damon_reclaim', 'quota_sz', 1 << 64),
    ('damon_reclaim', 'skip_anon', 'maybe'),
    ('damon_reclaim', 'autotune_monitoring_intervals', 'maybe'),
    ('damon_reclaim', 'commit_inputs', 'maybe'),
    ('damon_lru_sort', 'autotune_monitoring_intervals', 'maybe'),
    ('damon_lru_sort', 'wmarks_mid', -1),
    ('damon_lru_sort', 'active_mem_bp', 'half'),
    ('damon_stat', 'enabled', 'perhaps'),
]

# (module, parameter, value, whether enabling or committing with it
# works): values that parse, the others being those of the tests
# (ALWAYS_ACTIVE watermarks), all taken when written.  The core refuses
# what it cannot run; the module what it cannot use (addr_unit 0 is
# divided by, active_mem_bp above 10000 would wrap the inactive goal).
APPLIED = [
    ('damon_reclaim', 'min_nr_regions', 2, False),
    ('damon_reclaim', 'max_nr_regions', 0, False),
    ('damon_reclaim', 'addr_unit', 0, False),
    ('damon_reclaim', 'wmarks_low', 5000, False),
    ('damon_reclaim', 'wmarks_high', 1001, True),
    ('damon_reclaim', 'quota_reset_interval_ms', 0, True),
    ('damon_reclaim', 'sample_interval', 0, True),
    ('damon_lru_sort', 'aggr_interval', 0, False),
    ('damon_lru_sort', 'active_mem_bp', 10001, False),
    ('damon_lru_sort', 'addr_unit', 0, False),
    ('damon_lru_sort', 'hot_thres_access_freq', 1001, True),
    ('damon_lru_sort', 'hot_thres_access_freq', (1 << 64) - 1, True),
]

READ_ONLY = [('damon_reclaim', 'kdamond_pid'),
             ('damon_lru_sort', 'kdamond_pid'),
             ('damon_stat', 'kdamond_pid'),
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


def check_unparseable(ktap):
    bad = []
    for mod, name, value in UNPARSEABLE:
        before = m.read(mod, name)
        err = m.write(mod, name, value)
        after = m.read(mod, name)
        # the kernel's kstrtoul() tells an overflow with ERANGE
        want = (errno.EINVAL, errno.ERANGE) if isinstance(value, int) \
            else (errno.EINVAL,)
        if err not in want or after != before:
            bad.append(f'{mod}.{name}={value}: errno {err}, '
                       f'{before} -> {after}')
    for mod, name in READ_ONLY:
        mode = os.stat(os.path.join(m.params_dir(mod), name)).st_mode
        if mode & 0o222:
            bad.append(f'{mod}.{name} is writable ({mode:o})')
    for line in bad:
        ktap.diag(line)
    ktap.result(not bad, 'unparseable_values_rejected')


def check_any_value_written(ktap):
    """Values of the type that cannot be used are taken by the write, as
    upstream's plain parameters take them, and read back."""
    bad = []
    for mod, name, value, _ in APPLIED:
        before = m.read(mod, name)
        err = m.write(mod, name, value)
        after = m.read(mod, name)
        if err or after != str(value):
            bad.append(f'{mod}.{name}={value}: errno {err}, read {after}')
        m.write(mod, name, before)
    for line in bad:
        ktap.diag(line)
    ktap.result(not bad, 'any_value_of_the_type_written')


def try_enable(mod, name, value, ok, bad):
    """Enable mod with name=value: it runs if ok, else the write of Y
    fails with EINVAL and the module stays off."""
    err = m.write(mod, 'enabled', 'Y')
    p = m.pid(mod)
    if ok and (err or not m.running(mod)):
        bad.append(f'{mod}.{name}={value}: enable gave errno {err}, '
                   f'pid {p}')
    if not ok and (err != errno.EINVAL or p != -1 or
                   m.read(mod, 'enabled') != 'N'):
        bad.append(f'{mod}.{name}={value}: enable gave errno {err}, pid '
                   f'{p}, enabled {m.read(mod, "enabled")}')
    m.write(mod, 'enabled', 'N')


def try_commit(mod, name, value, ok, span, bad):
    """Commit name=value to a running mod, with the region parameters at
    0 to 0 (the span of System RAM, written back only by a commit that
    worked): it applies if ok, else the write of Y fails with EINVAL and
    the kdamond runs on, same pid, with what it had."""
    before = m.read(mod, name)
    set_region(mod, span[0], span[1])
    err = m.write(mod, 'enabled', 'Y')
    p = m.pid(mod)
    if err or not m.running(mod):
        bad.append(f'{mod}: valid enable gave errno {err}')
        return
    set_region(mod, 0, 0)
    m.write(mod, name, value)
    err = m.write(mod, 'commit_inputs', 'Y')
    got = region(mod)
    if ok and (err or got != span):
        bad.append(f'{mod}.{name}={value}: commit gave errno {err}, '
                   f'region {got}')
    if not ok and (err != errno.EINVAL or got != (0, 0)):
        bad.append(f'{mod}.{name}={value}: commit gave errno {err}, '
                   f'region {got} (written back)')
    if m.pid(mod) != p or not m.running(mod):
        bad.append(f'{mod}.{name}={value}: kdamond {p} -> {m.pid(mod)} '
                   'after the commit')
    # what it had still commits
    m.write(mod, name, before)
    err = m.write(mod, 'commit_inputs', 'Y')
    if err or region(mod) != span or m.pid(mod) != p:
        bad.append(f'{mod}.{name}={value}: commit back gave errno {err}, '
                   f'region {region(mod)}, pid {m.pid(mod)}')
    m.write(mod, 'enabled', 'N')


def check_applied(ktap):
    """Values taken at write that cannot be used are refused by enabled Y
    and by commit_inputs Y, and change nothing; the others work."""
    span = system_ram_span()
    bad = []
    for mod, name, value, ok in APPLIED:
        m.set_params(mod, m.ALWAYS_ACTIVE)
        before = m.read(mod, name)
        m.write(mod, name, value)
        try_enable(mod, name, value, ok, bad)
        m.write(mod, name, before)
        try_commit(mod, name, value, ok, span, bad)
        m.write(mod, name, before)
        set_region(mod, 0, 0)
    m.disable_all()
    for line in bad:
        ktap.diag(line)
    ktap.result(not bad, 'unusable_values_refused_when_applied')


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
    if err != errno.EINVAL or m.pid(mod) != -1 or \
            m.read(mod, 'enabled') != 'N':
        bad.append(f'invalid enable: errno {err}, pid {m.pid(mod)}, '
                   f'enabled {m.read(mod, "enabled")}')
    m.set_params(mod, {'min_age': 120000000, 'wmarks_high': 500,
                       'wmarks_mid': 400, 'wmarks_low': 200})
    for line in bad:
        ktap.diag(line)
    ktap.result(not bad, 'commit_inputs_applies_or_refuses')


def system_ram_span():
    """(start, end) from the first to the last System RAM block."""
    blocks = []
    with open('/proc/iomem') as f:
        for line in f:
            rng, _, name = line.strip().partition(' : ')
            if name == 'System RAM':
                start, end = (int(x, 16) for x in rng.split('-'))
                blocks.append((start, end + 1))
    return min(b[0] for b in blocks), max(b[1] for b in blocks)


def region(mod):
    return (m.stat(mod, 'monitor_region_start'),
            m.stat(mod, 'monitor_region_end'))


def set_region(mod, start, end, unit=1):
    m.set_params(mod, {'monitor_region_start': start,
                       'monitor_region_end': end, 'addr_unit': unit})


def check_default_region_of(mod, span, bad):
    set_region(mod, 0, 0)
    m.set_params(mod, m.ALWAYS_ACTIVE)
    err = m.write(mod, 'enabled', 'Y')
    if err or region(mod) != span:
        bad.append(f'{mod} enable: errno {err}, region {region(mod)}')
    err = m.write(mod, 'commit_inputs', 'Y')
    if err or region(mod) != span:
        bad.append(f'{mod} commit: errno {err}, region {region(mod)}')
    m.write(mod, 'enabled', 'N')
    if region(mod) != span:
        bad.append(f'{mod} disabled: region {region(mod)}')
    # a commit of 0 to 0 computes the span again
    set_region(mod, span[0], span[0] + (64 << 20))
    err = m.write(mod, 'enabled', 'Y')
    set_region(mod, 0, 0)
    err = err or m.write(mod, 'commit_inputs', 'Y')
    if err or region(mod) != span or not m.running(mod):
        bad.append(f'{mod} commit of 0-0: errno {err}, '
                   f'region {region(mod)}')
    m.write(mod, 'enabled', 'N')
    # in address units
    set_region(mod, 0, 0, 4)
    err = m.write(mod, 'enabled', 'Y')
    want = (span[0] // 4, span[1] // 4)
    if err or region(mod) != want:
        bad.append(f'{mod} addr_unit 4: errno {err}, region '
                   f'{region(mod)}, want {want}')
    m.write(mod, 'enabled', 'N')
    # an empty range is refused and changes nothing
    set_region(mod, 1 << 30, 1 << 30)
    err = m.write(mod, 'enabled', 'Y')
    if err != errno.EINVAL or m.pid(mod) != -1 or \
            region(mod) != (1 << 30, 1 << 30):
        bad.append(f'{mod} empty range: errno {err}, region {region(mod)}')
    set_region(mod, 0, 0)


def check_default_region(ktap):
    """With both region parameters 0, enabling or committing monitors the
    first to the last System RAM block and writes that range back."""
    span = system_ram_span()
    ktap.diag(f'System RAM span {span[0]:#x}-{span[1]:#x}')
    bad = []
    for mod in ('damon_reclaim', 'damon_lru_sort'):
        check_default_region_of(mod, span, bad)
    m.disable_all()
    for line in bad:
        ktap.diag(line)
    ktap.result(not bad, 'default_region_spans_system_ram')


def check_live_state(ktap):
    """enabled and kdamond_pid read the kdamond's state, not the last
    write; kdamond_pid ignores writes, also from the command line."""
    bad = []
    for mod in m.MODULES:
        if mod != 'damon_stat':
            m.set_params(mod, m.ALWAYS_ACTIVE)
        m.write(mod, 'enabled', 'Y')
        p = m.pid(mod)
        try:
            with open(os.path.join(m.params_dir(mod), 'kdamond_pid'),
                      'w') as f:
                f.write('1\n')
        except OSError:
            pass
        if m.pid(mod) != p or not m.running(mod):
            bad.append(f'{mod}: pid {p} -> {m.pid(mod)} after a write')
        m.write(mod, 'enabled', 'N')
        gone, _ = m.deadline_poll(lambda: not os.path.exists(f'/proc/{p}'),
                                  5, 0.1)
        if not gone or m.read(mod, 'enabled') != 'N' or m.pid(mod) != -1:
            bad.append(f'{mod}: kdamond {p} gone {gone}, enabled '
                       f'{m.read(mod, "enabled")}, pid {m.pid(mod)}')
    with open('/proc/cmdline') as f:
        cmdline = f.read()
    if 'damon_reclaim.kdamond_pid=' in cmdline:
        ktap.diag('kdamond_pid given on the kernel command line')
        if m.pid('damon_reclaim') != -1:
            bad.append('damon_reclaim.kdamond_pid from the command line '
                       f'reads {m.pid("damon_reclaim")}')
    for line in bad:
        ktap.diag(line)
    ktap.result(not bad, 'enabled_and_kdamond_pid_are_live')


def check_autotune(ktap):
    """autotune_monitoring_intervals round-trips and, when Y, replaces
    sample_interval and aggr_interval: an invalid pair of them no longer
    matters."""
    bad = []
    for mod in ('damon_reclaim', 'damon_lru_sort'):
        if m.read(mod, 'autotune_monitoring_intervals') != 'N':
            bad.append(f'{mod}: autotuning is on by default')
        m.set_params(mod, {'sample_interval': 200000,
                           'aggr_interval': 100000, **m.ALWAYS_ACTIVE})
        err = m.write(mod, 'enabled', 'Y')
        if err != errno.EINVAL:
            bad.append(f'{mod}: aggr < sample enabled: errno {err}')
            m.write(mod, 'enabled', 'N')
        for value, want in (('Y', 'Y'), ('0', 'N'), ('on', 'Y')):
            err = m.write(mod, 'autotune_monitoring_intervals', value)
            got = m.read(mod, 'autotune_monitoring_intervals')
            if err or got != want:
                bad.append(f'{mod}: wrote {value}: errno {err}, read {got}')
        err = m.write(mod, 'enabled', 'Y')
        err = err or m.write(mod, 'commit_inputs', 'Y')
        if err or not m.running(mod):
            bad.append(f'{mod}: autotuned enable/commit: errno {err}')
        m.write(mod, 'enabled', 'N')
        m.set_params(mod, {'autotune_monitoring_intervals': 'N',
                           'sample_interval': 5000,
                           'aggr_interval': 100000})
    for line in bad:
        ktap.diag(line)
    ktap.result(not bad, 'autotune_monitoring_intervals_overrides')


TESTS = (
    ('all_parameters_exist', check_parameters),
    ('unparseable_values_rejected', check_unparseable),
    ('any_value_of_the_type_written', check_any_value_written),
    ('unusable_values_refused_when_applied', check_applied),
    ('enable_starts_and_disable_stops_kdamond', check_start_stop),
    ('modules_exclude_other_damon_users', check_exclusive),
    ('commit_inputs_applies_or_refuses', check_commit),
    ('default_region_spans_system_ram', check_default_region),
    ('enabled_and_kdamond_pid_are_live', check_live_state),
    ('autotune_monitoring_intervals_overrides', check_autotune),
)


def main():
    ktap = m.Ktap(len(TESTS))
    if not all(os.path.isdir(m.params_dir(mod)) for mod in m.MODULES):
        for name, _ in TESTS:
            ktap.result(True, name, 'DAMON modules not built in')
        ktap.finish()
    m.disable_all()
    try:
        for _, check in TESTS:
            check(ktap)
    finally:
        m.disable_all()
    ktap.finish()


if __name__ == '__main__':
    main()
