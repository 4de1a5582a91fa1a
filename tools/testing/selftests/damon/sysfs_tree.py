#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON sysfs interface: the tree, its permissions, defaults, and what
every writable file accepts and rejects.

A rejected write must fail with EINVAL (EBUSY where noted) and leave the
file as it was.  Files that upstream 6.12 lacks are skipped there.
"""

import errno
import os

import damon_e2e as d
import sysfs_admin as a

K = 'kdamonds/0'
C = K + '/contexts/0'
S = C + '/schemes/0'

# Every file of a tree with one of each directory, and its mode.
FILTER_FILES = ['type', 'matching', 'allow', 'memcg_path', 'addr_start',
                'addr_end', 'damon_target_idx', 'min', 'max']
TREE = {
    'kdamonds/nr_kdamonds': 0o600,
    K + '/state': 0o600,
    K + '/pid': 0o400,
    K + '/refresh_ms': 0o600,
    K + '/contexts/nr_contexts': 0o600,
    C + '/avail_operations': 0o400,
    C + '/operations': 0o600,
    C + '/addr_unit': 0o600,
    C + '/pause': 0o600,
    C + '/targets/nr_targets': 0o600,
    C + '/targets/0/pid_target': 0o600,
    C + '/targets/0/obsolete_target': 0o600,
    C + '/targets/0/regions/nr_regions': 0o600,
    C + '/targets/0/regions/0/start': 0o600,
    C + '/targets/0/regions/0/end': 0o600,
    C + '/schemes/nr_schemes': 0o600,
    S + '/action': 0o600,
    S + '/apply_interval_us': 0o600,
    S + '/target_nid': 0o600,
    S + '/quotas/ms': 0o600,
    S + '/quotas/bytes': 0o600,
    S + '/quotas/reset_interval_ms': 0o600,
    S + '/quotas/effective_bytes': 0o400,
    S + '/quotas/goal_tuner': 0o600,
    S + '/quotas/fail_charge_num': 0o600,
    S + '/quotas/fail_charge_denom': 0o600,
    S + '/quotas/weights/sz_permil': 0o600,
    S + '/quotas/weights/nr_accesses_permil': 0o600,
    S + '/quotas/weights/age_permil': 0o600,
    S + '/quotas/goals/nr_goals': 0o600,
    S + '/quotas/goals/0/target_metric': 0o600,
    S + '/quotas/goals/0/target_value': 0o600,
    S + '/quotas/goals/0/current_value': 0o600,
    S + '/quotas/goals/0/nid': 0o600,
    S + '/quotas/goals/0/path': 0o600,
    S + '/quotas/goals/0/complement': 0o600,
    C + '/monitoring_attrs/probes/nr_probes': 0o600,
    # damon/next sample control (sample_sysfs.py tests its filters)
    C + '/monitoring_attrs/sample/primitives/page_table': 0o600,
    C + '/monitoring_attrs/sample/primitives/page_fault': 0o600,
    C + '/monitoring_attrs/sample/filters/nr_filters': 0o600,
    S + '/watermarks/metric': 0o600,
    S + '/watermarks/interval_us': 0o600,
    S + '/watermarks/high': 0o600,
    S + '/watermarks/mid': 0o600,
    S + '/watermarks/low': 0o600,
    S + '/dests/nr_dests': 0o600,
    S + '/dests/0/id': 0o600,
    S + '/dests/0/weight': 0o600,
    S + '/tried_regions/total_bytes': 0o400,
    # this project's extension (tried_regions_all.py tests its content)
    S + '/tried_regions_all': 0o400,
}
for _m in ('sample_us', 'aggr_us', 'update_us'):
    TREE[f'{C}/monitoring_attrs/intervals/{_m}'] = 0o600
for _m in ('access_bp', 'aggrs', 'min_sample_us', 'max_sample_us'):
    TREE[f'{C}/monitoring_attrs/intervals/intervals_goal/{_m}'] = 0o600
for _m in ('min', 'max'):
    TREE[f'{C}/monitoring_attrs/nr_regions/{_m}'] = 0o600
    for _r in ('sz', 'nr_accesses', 'age'):
        TREE[f'{S}/access_pattern/{_r}/{_m}'] = 0o600
for _l in ('filters', 'core_filters', 'ops_filters'):
    TREE[f'{S}/{_l}/nr_filters'] = 0o600
    for _f in FILTER_FILES:
        TREE[f'{S}/{_l}/0/{_f}'] = 0o600
for _s in ('nr_tried', 'sz_tried', 'nr_applied', 'sz_applied',
           'sz_ops_filter_passed', 'qt_exceeds', 'nr_snapshots'):
    TREE[f'{S}/stats/{_s}'] = 0o400
TREE[S + '/stats/max_nr_snapshots'] = 0o600

NR_FILES = {'nr_kdamonds', 'nr_contexts', 'nr_targets', 'nr_regions',
            'nr_schemes', 'nr_goals', 'nr_filters', 'nr_dests'}

DEFAULTS = {
    K + '/state': 'off',
    K + '/pid': '-1',
    K + '/refresh_ms': '0',
    C + '/operations': 'vaddr',
    C + '/addr_unit': '1',
    C + '/pause': 'N',
    C + '/monitoring_attrs/intervals/sample_us': '5000',
    C + '/monitoring_attrs/intervals/aggr_us': '100000',
    C + '/monitoring_attrs/intervals/update_us': '60000000',
    C + '/monitoring_attrs/nr_regions/min': '10',
    C + '/monitoring_attrs/nr_regions/max': '1000',
    C + '/monitoring_attrs/sample/primitives/page_table': 'Y',
    C + '/monitoring_attrs/sample/primitives/page_fault': 'N',
    C + '/targets/0/obsolete_target': 'N',
    S + '/quotas/goal_tuner': 'consist',
    S + '/watermarks/metric': 'none',
    S + '/core_filters/0/type': 'addr',
    S + '/ops_filters/0/type': 'anon',
    S + '/filters/0/allow': 'N',
}

ACTIONS = a.ACTIONS
METRICS = a.METRICS
CORE_TYPES = ['addr', 'target', 'probe_hits_wsum']
OPS_TYPES = ['anon', 'active', 'memcg', 'young', 'hugepage_size',
             'unmapped']
NUMBER_BAD = ['abc', '-1', '18446744073709551616', '']
BOOL = (['Y', 'N'], ['maybe', '2'])


def rules(f):
    """(valid values, invalid values) of a writable file."""
    base = os.path.basename(f)
    pid = str(os.getpid())
    special = {
        'operations': (['paddr', 'fvaddr', 'vaddr'], ['foo', '']),
        # any integer: checked at on/commit, for vaddr and fvaddr only
        'pid_target': ([pid, '-5', '4194304', '0'], ['abc', '1x']),
        'complement': BOOL,
        # more than 4 is refused by on/commit (probes_sysfs.py)
        'nr_probes': (['2', '0'], ['abc', '-1']),
        # 0 is staged; "on" refuses it (consistency_on_start)
        'addr_unit': (['4', '0', '1'], NUMBER_BAD),
        'pause': BOOL,
        # ends on the default: exactly one primitive
        'page_table': (['N', 'Y'], BOOL[1]),
        'page_fault': BOOL,
        'obsolete_target': BOOL,
        'matching': BOOL,
        'allow': BOOL,
        'access_bp': (['5000', '10001', '10000', '0'], NUMBER_BAD),
        'action': (ACTIONS, ['foo', 'stats']),
        # node ids, memcg paths and target indexes are staged as upstream
        # does; "on" and the actions check them
        'target_nid': (['1', '-2', '64', '-1'], ['abc']),
        'nid': (['1', '-2', '64', '0'], ['abc']),
        'id': (['1', '64', '0'], ['-1', 'abc']),
        'target_metric': (METRICS, ['foo']),
        'goal_tuner': (['temporal', 'consist'], ['foo']),
        'metric': (['free_mem_rate', 'none'], ['foo']),
        'path': (['/no/such/memcg', ''], []),
        'memcg_path': (['/no/such/memcg', ''], []),
        'damon_target_idx': (['3', '-1', '0'], ['abc']),
        'weight': (['10'], NUMBER_BAD),
        'refresh_ms': (['100', '0'], NUMBER_BAD),
    }
    if base == 'type':
        if '/core_filters/' in f:
            return CORE_TYPES, OPS_TYPES + ['foo']
        if '/ops_filters/' in f:
            return OPS_TYPES, CORE_TYPES + ['foo']
        return CORE_TYPES + OPS_TYPES, ['foo']
    if base in special:
        return special[base]
    if '/nr_regions/' in f and base in ('min', 'max'):
        return ['20', '2', '3'], NUMBER_BAD
    if '/intervals/' in f and base.endswith('_us') and \
            'intervals_goal' not in f:
        return ['0', '1000'], NUMBER_BAD
    if '/nr_accesses/' in f or '/age/' in f:
        # "no upper bound" is written as ULONG_MAX; it saturates
        return ['7', '4294967296', '18446744073709551615'], \
            NUMBER_BAD
    return ['12345', '0'], NUMBER_BAD


def make_full_tree():
    a.reset()
    a.must_write('kdamonds/nr_kdamonds', 1)
    a.must_write(K + '/contexts/nr_contexts', 1)
    a.must_write(C + '/targets/nr_targets', 1)
    a.must_write(C + '/targets/0/regions/nr_regions', 1)
    a.must_write(C + '/schemes/nr_schemes', 1)
    for lst in ('quotas/goals/nr_goals', 'filters/nr_filters',
                'core_filters/nr_filters', 'ops_filters/nr_filters',
                'dests/nr_dests'):
        if a.exists(f'{S}/{os.path.dirname(lst)}'):
            a.must_write(f'{S}/{lst}', 1)


def main():
    tests = ['tree', 'modes', 'defaults', 'round_trip', 'invalid',
             'nr_files', 'consistency_on_start', 'unknown_command']
    ktap = d.Ktap(len(tests))
    if not a.exists('kdamonds/nr_kdamonds'):
        for t in tests:
            ktap.result(True, t, 'no DAMON sysfs interface')
        ktap.finish()

    make_full_tree()
    have = set(a.walk_files())
    want = {f for f in TREE if a.exists(os.path.dirname(f))}
    missing = sorted(want - have)
    extra = sorted(have - set(TREE))
    for f in missing[:10]:
        ktap.diag(f'missing {f}')
    for f in extra[:10]:
        ktap.diag(f'unexpected {f}')
    ktap.result(not missing and not extra, 'tree')

    bad = [(f, oct(a.mode(f)), oct(m)) for f, m in TREE.items()
           if f in have and a.mode(f) != m]
    for b in bad[:10]:
        ktap.diag(f'mode of {b[0]}: {b[1]}, expected {b[2]}')
    ktap.result(not bad, 'modes')

    bad = [(f, a.read(f), v) for f, v in DEFAULTS.items()
           if f in have and a.read(f) != v]
    for b in bad:
        ktap.diag(f'{b[0]} reads {b[1]!r}, expected {b[2]!r}')
    ktap.result(not bad, 'defaults')

    writable = sorted(f for f in have if TREE.get(f) == 0o600 and
                      os.path.basename(f) not in NR_FILES and
                      os.path.basename(f) != 'state')
    fails = []
    for f in writable:
        for v in rules(f)[0]:
            err = a.write(f, v)
            got = a.read(f) if not err else None
            if err or got != v:
                fails.append(f'{f}: wrote {v!r}: err {err}, read {got!r}')
    for m in fails[:20]:
        ktap.diag(m)
    ktap.result(not fails, 'round_trip')

    fails = []
    for f in writable:
        before = a.read(f)
        for v in rules(f)[1]:
            err = a.write(f, v)
            after = a.read(f)
            if err != errno.EINVAL or after != before:
                fails.append(f'{f}: wrote {v!r}: err {err}, '
                             f'{before!r} -> {after!r}')
    for m in fails[:20]:
        ktap.diag(m)
    ktap.result(not fails, 'invalid')

    fails = []
    for f in sorted(f for f in have if os.path.basename(f) in NR_FILES):
        before = a.read(f)
        for v in ['abc', '-1', '100000']:
            err = a.write(f, v)
            if err != errno.EINVAL or a.read(f) != before:
                fails.append(f'{f}: {v!r}: err {err}')
    if a.write(K + '/contexts/nr_contexts', 2) != errno.EINVAL:
        fails.append('nr_contexts accepts 2')
    # growing and shrinking keeps the items that stay
    a.must_write(C + '/targets/0/regions/0/start', 4096)
    a.must_write(C + '/targets/0/regions/nr_regions', 5)
    if not a.exists(C + '/targets/0/regions/4/end') or \
            a.read(C + '/targets/0/regions/0/start') != '4096':
        fails.append('regions did not grow to 5 keeping region 0')
    a.must_write(C + '/targets/0/regions/nr_regions', 1)
    if a.exists(C + '/targets/0/regions/1') or \
            a.read(C + '/targets/0/regions/0/start') != '4096':
        fails.append('regions did not shrink to 1 keeping region 0')
    for m in fails:
        ktap.diag(m)
    ktap.result(not fails, 'nr_files')

    # what single files cannot check is checked by "on": nothing starts
    fails = []
    a.setup(ops='paddr')
    nr = C + '/monitoring_attrs/nr_regions/'
    IG = C + '/monitoring_attrs/intervals/intervals_goal/'
    cases = [
        ([(nr + 'min', 100), (nr + 'max', 50)], 'nr_regions min > max'),
        ([(C + '/monitoring_attrs/intervals/sample_us', 200000)],
         'sample_us > aggr_us'),
        ([(C + '/targets/0/regions/nr_regions', 1),
          (C + '/targets/0/regions/0/start', 8192),
          (C + '/targets/0/regions/0/end', 4096)], 'region start > end'),
        ([(C + '/operations', 'vaddr'), (C + '/targets/0/pid_target', 0)],
         'vaddr target without pid'),
        ([(C + '/addr_unit', 4), (C + '/operations', 'vaddr')],
         'addr_unit with vaddr'),
        # checks that upstream makes at "on", not at the write
        ([(C + '/addr_unit', 0)], 'addr_unit 0'),
        ([(nr + 'min', 2)], 'nr_regions min < 3'),
        ([(IG + 'min_sample_us', 1000), (IG + 'max_sample_us', 100000),
          (IG + 'aggrs', 3), (IG + 'access_bp', 10001)],
         'intervals goal access_bp > 10000'),
        ([(C + '/schemes/nr_schemes', 1), (S + '/filters/nr_filters', 1),
          (S + '/filters/0/type', 'memcg'),
          (S + '/filters/0/memcg_path', '/no/such/memcg')],
         'memcg filter of no memcg'),
        ([(C + '/schemes/nr_schemes', 1),
          (S + '/access_pattern/sz/min', 10),
          (S + '/access_pattern/sz/max', 5)], 'sz min > max'),
        ([(C + '/schemes/nr_schemes', 1), (S + '/watermarks/metric',
                                           'free_mem_rate'),
          (S + '/watermarks/high', 100), (S + '/watermarks/mid', 200)],
         'watermarks high < mid'),
    ]
    for writes, name in cases:
        a.setup(ops='paddr')
        skip = False
        for f, v in writes:
            if a.write(f, v):
                skip = not a.exists(f)
                if not skip:
                    fails.append(f'{name}: cannot write {f}')
        if skip:
            continue
        err = a.command('on')
        if err != errno.EINVAL or a.state() != 'off':
            fails.append(f'{name}: on gave {err}, state {a.state()}')
    a.setup(ops='paddr')
    if a.command('on') or a.state() != 'on':
        fails.append('a valid paddr context does not start')
    a.reset()
    for m in fails:
        ktap.diag(m)
    ktap.result(not fails, 'consistency_on_start')

    a.setup(ops='paddr')
    ok = all(a.command(c) == errno.EINVAL for c in ('foo', 'onn', ''))
    ok = ok and a.state() == 'off'
    for c in ('off', 'commit', 'update_schemes_stats',
              'commit_schemes_quota_goals', 'update_schemes_tried_regions'):
        err = a.command(c)
        if err != errno.EINVAL:
            ktap.diag(f'{c} while off: {err}')
            ok = False
    a.reset()
    ktap.result(ok, 'unknown_command')
    ktap.finish()


if __name__ == '__main__':
    main()
