#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON sysfs interface: the commands written to kdamonds/<K>/state.

Starting and stopping, what may not change while a kdamond runs, online
commits, the update commands, tried regions, quota goals, refresh_ms, and
a kdamond that stops on its own when its target exits.
"""

import errno
import os
import subprocess
import time

import damon_e2e as d
import sysfs_admin as a

K = 'kdamonds/0'
C = K + '/contexts/0'
S = C + '/schemes/0'
INTERVALS = C + '/monitoring_attrs/intervals'
MIB = 1 << 20

# TCG guests are slow: every wait polls with a generous deadline.
DEADLINE_S = 30

STAT_SCHEME = {'action': 'stat'}


def kdamond_comm(pid):
    try:
        with open(f'/proc/{pid}/comm') as f:
            return f.read().strip()
    except OSError:
        return ''


def test_on_off(ktap):
    a.setup(ops='paddr')
    ok = a.command('on') == 0 and a.state() == 'on'
    pid = int(a.read(K + '/pid'))
    ok = ok and pid > 0 and kdamond_comm(pid).startswith('kdamond')
    ok = ok and a.command('on') == errno.EBUSY
    ok = ok and a.command('off') == 0 and a.state() == 'off'
    ok = ok and a.read(K + '/pid') == '-1'
    ok = ok and a.wait_for(lambda: not kdamond_comm(pid), DEADLINE_S)
    # and again, from the same directories
    ok = ok and a.command('on') == 0 and a.state() == 'on'
    ok = ok and a.command('off') == 0
    a.reset()
    ktap.result(ok, 'on_off')


def test_busy(ktap):
    a.setup(ops='paddr', schemes=[STAT_SCHEME])
    a.must_write(K + '/state', 'on')
    fails = []
    checks = [
        ('kdamonds/nr_kdamonds', 1, errno.EBUSY),
        ('kdamonds/nr_kdamonds', 2, errno.EBUSY),
        # directories only (as upstream): applied by the next commit,
        # which refuses to switch the operation set
        (C + '/operations', 'vaddr', 0),
        (C + '/schemes/nr_schemes', 2, 0),
        (C + '/targets/nr_targets', 1, 0),
    ]
    for f, v, want in checks:
        err = a.write(f, v)
        if err != want:
            fails.append(f'{f} <- {v}: {err}, expected {want}')
    if a.command('commit') == 0:
        fails.append('commit switched the operations of a running kdamond')
    a.must_write(C + '/operations', 'paddr')
    # the running context is the kdamond's own copy
    if a.write(K + '/contexts/nr_contexts', 0):
        fails.append('nr_contexts 0 refused while running')
    if a.command('commit') == 0:
        fails.append('commit without a context directory accepted')
    for cmd in ('update_schemes_stats', 'update_schemes_effective_quotas',
                'update_tuned_intervals'):
        if a.command(cmd) != errno.EINVAL:
            fails.append(f'{cmd} without a context directory accepted')
    if a.state() != 'on':
        fails.append('the refused commits stopped the kdamond')
    a.command('off')
    if a.write('kdamonds/nr_kdamonds', 2):
        fails.append('nr_kdamonds refused after off')
    a.reset()
    for m in fails:
        ktap.diag(m)
    ktap.result(not fails, 'busy_while_running')


def test_commit(ktap):
    a.setup(ops='paddr', schemes=[STAT_SCHEME])
    a.must_write(K + '/state', 'on')
    pid = a.read(K + '/pid')
    fails = []
    a.must_write(INTERVALS + '/sample_us', 10000)
    a.must_write(INTERVALS + '/aggr_us', 200000)
    a.set_schemes([STAT_SCHEME, {'action': 'pageout',
                                 'access_pattern/age/min': 100}])
    err = a.command('commit')
    if err:
        fails.append(f'commit: {err}')
    # a commit that the files do not allow changes nothing
    a.must_write(C + '/monitoring_attrs/nr_regions/min', 500)
    a.must_write(C + '/monitoring_attrs/nr_regions/max', 100)
    err = a.command('commit')
    if err != errno.EINVAL:
        fails.append(f'inconsistent commit: {err}')
    a.must_write(C + '/monitoring_attrs/nr_regions/min', 10)
    a.must_write(C + '/monitoring_attrs/nr_regions/max', 1000)
    # the kdamond runs on, with the committed intervals
    a.must_write(INTERVALS + '/sample_us', 1)
    err = a.command('update_tuned_intervals')
    if err or a.read(INTERVALS + '/sample_us') != '10000' or \
            a.read(INTERVALS + '/aggr_us') != '200000':
        fails.append(f'update_tuned_intervals: {err}, '
                     f'{a.read(INTERVALS + "/sample_us")}')
    if a.state() != 'on' or a.read(K + '/pid') != pid:
        fails.append('the kdamond did not survive the commits')
    a.reset()
    for m in fails:
        ktap.diag(m)
    ktap.result(not fails, 'online_commit')


def test_commit_vaddr_targets(ktap):
    """Targets follow commits: added, dead, obsolete."""
    workloads = [d.Workload(total_mib=16, hot_mib=4, hot_offset_mib=0)
                 for _ in range(2)]
    dead_pid = workloads[1].pid
    fails = []
    try:
        a.setup(ops='vaddr', pids=[workloads[0].pid])
        a.must_write(K + '/state', 'on')
        a.must_write(C + '/targets/nr_targets', 2)
        a.must_write(C + '/targets/1/pid_target', dead_pid)
        if a.command('commit'):
            fails.append('commit adding a target')
        workloads[1].stop()
        # the kdamond goes on with the live target ...
        if a.state() != 'on':
            fails.append('kdamond stopped with a live target')
        # ... but a dead pid cannot be committed; it is written (as
        # upstream does: the check is at commit)
        if a.command('commit') != errno.EINVAL:
            fails.append('commit of a dead target accepted')
        if a.write(C + '/targets/0/pid_target', dead_pid):
            fails.append('dead pid refused by pid_target')
        a.must_write(C + '/targets/0/pid_target', workloads[0].pid)
        # unless the target is dropped as obsolete
        a.must_write(C + '/targets/1/obsolete_target', 'Y')
        if a.command('commit'):
            fails.append('commit of an obsolete target')
        if a.state() != 'on':
            fails.append('kdamond stopped after the commits')
    finally:
        for w in workloads:
            w.stop()
    a.reset()
    for m in fails:
        ktap.diag(m)
    ktap.result(not fails, 'commit_targets')


def test_self_stop(ktap):
    """A kdamond whose targets all exited reads off; its pid is -1."""
    w = d.Workload(total_mib=16, hot_mib=4, hot_offset_mib=0)
    a.setup(ops='vaddr', pids=[w.pid])
    a.must_write(K + '/state', 'on')
    ok = a.state() == 'on'
    w.stop()
    ok = ok and a.wait_for(lambda: a.state() == 'off', DEADLINE_S)
    ok = ok and a.read(K + '/pid') == '-1'
    # the stale context is reaped by the next command
    ok = ok and a.command('update_schemes_stats') == errno.EINVAL
    w = d.Workload(total_mib=16, hot_mib=4, hot_offset_mib=0)
    a.must_write(C + '/targets/0/pid_target', w.pid)
    ok = ok and a.command('on') == 0 and a.state() == 'on'
    w.stop()
    ok = ok and a.wait_for(lambda: a.state() == 'off', DEADLINE_S)
    # and by nr_kdamonds
    ok = ok and a.write('kdamonds/nr_kdamonds', 0) == 0
    ktap.result(ok, 'self_stop')


def scheme_stat(name, s=0):
    return int(a.read(f'{C}/schemes/{s}/stats/{name}'))


def test_stats(ktap):
    a.setup(ops='paddr', schemes=[STAT_SCHEME])
    a.must_write(K + '/state', 'on')

    def tried():
        return a.command('update_schemes_stats') == 0 and \
            scheme_stat('nr_tried') > 0 and scheme_stat('sz_tried') > 0
    ok = a.wait_for(tried, DEADLINE_S, interval=0.5)
    # stat applies to nothing, but every region is tried
    ok = ok and scheme_stat('sz_applied') == 0
    ok = ok and scheme_stat('nr_snapshots') > 0
    a.reset()
    ktap.result(ok, 'update_schemes_stats')


def test_effective_quota(ktap):
    a.setup(ops='paddr', schemes=[{
        'action': 'stat', 'quotas/bytes': MIB,
        'quotas/reset_interval_ms': 100}])
    a.must_write(K + '/state', 'on')

    def esz():
        return a.command('update_schemes_effective_quotas') == 0 and \
            a.read(S + '/quotas/effective_bytes') == str(MIB)
    ok = a.wait_for(esz, DEADLINE_S, interval=0.5)
    ktap.diag(f'effective_bytes {a.read(S + "/quotas/effective_bytes")}')
    a.reset()
    ktap.result(ok, 'update_schemes_effective_quotas')


def tried_regions(s=0):
    top = f'{C}/schemes/{s}/tried_regions'
    regions = []
    for name in sorted((n for n in os.listdir(a.path(top)) if n.isdigit()),
                       key=int):
        regions.append(tuple(int(a.read(f'{top}/{name}/{f}')) for f in
                             ('start', 'end', 'nr_accesses', 'age',
                              'sz_filter_passed')))
    return int(a.read(f'{top}/total_bytes')), regions


def test_tried_regions(ktap):
    a.setup(ops='paddr', schemes=[STAT_SCHEME, STAT_SCHEME])
    a.must_write(K + '/state', 'on')
    fails = []
    err = a.command('update_schemes_tried_regions')
    if err:
        fails.append(f'update_schemes_tried_regions: {err}')
    else:
        total, regions = tried_regions()
        if not regions or total != sum(e - s for s, e, *_ in regions):
            fails.append(f'{len(regions)} regions, total {total}')
        if any(s >= e for s, e, *_ in regions) or any(
                regions[i][1] > regions[i + 1][0]
                for i in range(len(regions) - 1)):
            fails.append('tried regions overlap or are empty')
        if not tried_regions(1)[1]:
            fails.append('scheme 1 has no tried regions')
    a.command('clear_schemes_tried_regions')
    total, regions = tried_regions()
    if regions or total:
        fails.append(f'clear left {len(regions)} regions, total {total}')
    err = a.command('update_schemes_tried_bytes')
    total, regions = tried_regions()
    if err or not total or regions:
        fails.append(f'tried_bytes: {err}, total {total}, '
                     f'{len(regions)} regions')
    a.reset()
    for m in fails:
        ktap.diag(m)
    ktap.result(not fails, 'tried_regions')


def test_quota_goals(ktap):
    goal = S + '/quotas/goals/0'
    a.setup(ops='paddr', schemes=[{
        'action': 'stat', 'quotas/bytes': 64 * MIB,
        'quotas/reset_interval_ms': 100, 'quotas/goals/nr_goals': 1,
        'quotas/goals/0/target_metric': 'user_input',
        'quotas/goals/0/target_value': 10000,
        'quotas/goals/0/current_value': 0}])
    a.must_write(K + '/state', 'on')
    fails = []
    a.must_write(goal + '/current_value', 5000)
    err = a.command('commit_schemes_quota_goals')
    if err:
        fails.append(f'commit_schemes_quota_goals: {err}')
    # user_input is what the user wrote, not refreshed by the kernel
    a.command('update_schemes_effective_quotas')
    if a.read(goal + '/current_value') != '5000':
        fails.append(f'current_value {a.read(goal + "/current_value")}')
    # more goals in the directories than in the kdamond: still fine
    a.must_write(S + '/quotas/goals/nr_goals', 2)
    if a.command('commit_schemes_quota_goals'):
        fails.append('commit of a new goal')
    a.reset()
    for m in fails:
        ktap.diag(m)
    ktap.result(not fails, 'commit_schemes_quota_goals')


def test_tuned_intervals(ktap):
    """An idle guest has few accesses: tuning lengthens sampling."""
    a.setup(ops='paddr')
    goal = INTERVALS + '/intervals_goal'
    a.must_write(goal + '/access_bp', 4000)
    a.must_write(goal + '/aggrs', 1)
    a.must_write(goal + '/min_sample_us', 1000)
    a.must_write(goal + '/max_sample_us', 100000)
    a.must_write(K + '/state', 'on')

    def tuned():
        return a.command('update_tuned_intervals') == 0 and \
            a.read(INTERVALS + '/sample_us') != '5000'
    ok = a.wait_for(tuned, DEADLINE_S, interval=0.5)
    sample = int(a.read(INTERVALS + '/sample_us'))
    aggr = int(a.read(INTERVALS + '/aggr_us'))
    ktap.diag(f'tuned sample_us {sample}, aggr_us {aggr}')
    ok = ok and 1000 <= sample <= 100000 and aggr == sample * 20
    a.reset()
    ktap.result(ok, 'update_tuned_intervals')


def test_refresh_ms(ktap):
    """Without any command, refresh_ms keeps the files current."""
    a.setup(ops='paddr', schemes=[STAT_SCHEME])
    goal = INTERVALS + '/intervals_goal'
    a.must_write(goal + '/access_bp', 4000)
    a.must_write(goal + '/aggrs', 1)
    a.must_write(goal + '/min_sample_us', 1000)
    a.must_write(goal + '/max_sample_us', 100000)
    a.must_write(K + '/refresh_ms', 100)
    a.must_write(K + '/state', 'on')
    fails = []
    if not a.wait_for(lambda: a.read(INTERVALS + '/sample_us') != '5000',
                      DEADLINE_S):
        fails.append('sample_us not refreshed')
    if not a.wait_for(lambda: scheme_stat('nr_tried') > 0, DEADLINE_S):
        fails.append('stats not refreshed')
    # 0 stops refreshing: once the write returns, no refresh runs again
    a.must_write(K + '/refresh_ms', 0)
    a.must_write(INTERVALS + '/sample_us', 1234)
    # a negative check: ten periods of the old refresh_ms pass unnoticed
    time.sleep(1)
    if a.read(INTERVALS + '/sample_us') != '1234':
        fails.append('refreshed after refresh_ms was set to 0')
    a.reset()
    for m in fails:
        ktap.diag(m)
    ktap.result(not fails, 'refresh_ms')


def test_pause(ktap):
    a.setup(ops='paddr', schemes=[STAT_SCHEME])
    a.must_write(C + '/pause', 'Y')
    ok = a.command('on') == 0 and a.state() == 'on'
    a.must_write(C + '/pause', 'N')
    ok = ok and a.command('commit') == 0 and a.state() == 'on'
    a.reset()
    ktap.result(ok, 'pause')


def test_multiple_kdamonds(ktap):
    a.setup(ops='paddr', nr_kdamonds=2)
    ok = a.command('on', 0) == 0 and a.command('on', 1) == 0
    pids = {a.read('kdamonds/0/pid'), a.read('kdamonds/1/pid')}
    ok = ok and len(pids) == 2 and '-1' not in pids
    ok = ok and a.command('off', 1) == 0 and a.state(0) == 'on'
    a.reset()
    ktap.result(ok, 'two_kdamonds')


def main():
    tests = [test_on_off, test_busy, test_commit, test_commit_vaddr_targets,
             test_self_stop, test_stats, test_effective_quota,
             test_tried_regions, test_quota_goals, test_tuned_intervals,
             test_refresh_ms, test_pause, test_multiple_kdamonds]
    a.run_tests(tests)


if __name__ == '__main__':
    main()
