#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON sysfs interface: the files of data attribute probes [7.2-7.4] and
of the DAMOS additions that came with them.

  tree, defaults   monitoring_attrs/probes/..., quotas/fail_charge_*,
                   goals/<G>/complement: present, 0600, default values
  round_trip       every new file reads back what was written
  invalid          bad values fail with EINVAL and change nothing
  nr_files         nr_probes, nr_preps and nr_filters make directories
  relaxed_writes   pid_target takes -1 and a dead pid, intervals take 0
  on_refuses       what single files cannot check, "on" refuses: nothing
                   starts
  commit_refuses   the same through "commit": the kdamond keeps running
                   with its old probes
  tried_regions    tried_regions/<R>/probes/<P>/hits, one per installed
                   probe, 0400
"""

import errno
import os
import subprocess

import damon_e2e as d
import sysfs_admin as a

K = 'kdamonds/0'
C = K + '/contexts/0'
P = C + '/monitoring_attrs/probes'
S = C + '/schemes/0'
Q = S + '/quotas'
INTERVALS = C + '/monitoring_attrs/intervals'
MIB = 1 << 20
# A physical range that is RAM in the 4 GiB guest, kept small so that the
# kdamond has few regions to go through on a slow (TCG) guest.
PADDR_REGION = (16 * MIB, 80 * MIB)
DEADLINE_S = 30

ULONG_MAX = str((1 << 64) - 1)
UINT_MAX = str((1 << 32) - 1)
PROBE_FILES = {
    'nr_probes': 0o600,
    '0/weight': 0o600,
    '0/preps/nr_preps': 0o600,
    '0/preps/0/prep_action': 0o600,
    '0/filters/nr_filters': 0o600,
}
for _f in ('type', 'matching', 'allow', 'path', 'min', 'max'):
    PROBE_FILES[f'0/filters/0/{_f}'] = 0o600
SCHEME_FILES = {
    'quotas/fail_charge_num': 0o600,
    'quotas/fail_charge_denom': 0o600,
    'quotas/goals/0/complement': 0o600,
}
FILTER_TYPES = ['anon', 'memcg', 'pgidle_unset', 'pgidle_set',
                'hugepage_size']

PF = P + '/0/filters/0'
DEFAULTS = {
    P + '/nr_probes': '1',		# set by full_tree()
    P + '/0/weight': '0',
    P + '/0/preps/0/prep_action': 'set_pgidle',
    PF + '/type': 'anon',
    PF + '/matching': 'N',
    PF + '/allow': 'N',
    PF + '/path': '',
    PF + '/min': '0',
    PF + '/max': '0',
    Q + '/fail_charge_num': '0',
    Q + '/fail_charge_denom': '0',
    Q + '/goals/0/complement': 'N',
}

BOOL_OK = [('Y', 'Y'), ('N', 'N'), ('1', 'Y'), ('0', 'N'), ('on', 'Y'),
           ('off', 'N')]
NUMBER_BAD = ['abc', '-1', '1x']

# (file, [(value written, value read back)])
ROUND_TRIP = [
    (P + '/0/weight', [('7', '7'), ('0x10', '16'), (UINT_MAX, UINT_MAX),
                       ('0', '0')]),
    (P + '/0/preps/0/prep_action', [('set_pgidle', 'set_pgidle')]),
    (PF + '/type', [(t, t) for t in FILTER_TYPES + ['anon']]),
    (PF + '/matching', BOOL_OK),
    (PF + '/allow', BOOL_OK),
    (PF + '/path', [('/no/such/memcg', '/no/such/memcg'), ('/', '/')]),
    (PF + '/min', [('4096', '4096'), (ULONG_MAX, ULONG_MAX), ('0', '0')]),
    (PF + '/max', [('2097152', '2097152'), (ULONG_MAX, ULONG_MAX)]),
    (Q + '/fail_charge_num', [('3', '3'), (UINT_MAX, UINT_MAX), ('0', '0')]),
    (Q + '/fail_charge_denom', [('7', '7'), (UINT_MAX, UINT_MAX),
                                ('0', '0')]),
    (Q + '/goals/0/complement', BOOL_OK),
    (Q + '/goals/0/target_metric', [('hugepage_mem_bp', 'hugepage_mem_bp')]),
    (S + '/core_filters/0/type', [('probe_hits_wsum', 'probe_hits_wsum')]),
    (S + '/core_filters/0/max', [('40', '40')]),
    (S + '/core_filters/0/min', [('5', '5')]),
    (S + '/filters/0/type', [('probe_hits_wsum', 'probe_hits_wsum')]),
]

# (file, [values that must fail with EINVAL])
INVALID = [
    (P + '/0/weight', NUMBER_BAD + [str(1 << 32)]),
    (P + '/0/preps/0/prep_action', ['foo', 'set_pgidle_x', 'pgidle_unset']),
    (PF + '/type', ['foo', 'addr', 'young', 'probe_hits_wsum', 'active']),
    (PF + '/matching', ['maybe', '2']),
    (PF + '/allow', ['maybe', '2']),
    (PF + '/min', NUMBER_BAD + [str(1 << 64)]),
    (PF + '/max', NUMBER_BAD + [str(1 << 64)]),
    (Q + '/fail_charge_num', NUMBER_BAD + [str(1 << 32)]),
    (Q + '/fail_charge_denom', NUMBER_BAD + [str(1 << 32)]),
    (Q + '/goals/0/complement', ['maybe', '2']),
    (Q + '/goals/0/target_metric', ['hugepage_mem', 'foo']),
    # a core-handled type
    (S + '/ops_filters/0/type', ['probe_hits_wsum']),
    (P + '/nr_probes', ['abc', '-1']),
    (P + '/0/preps/nr_preps', ['abc', '-1']),
    (P + '/0/filters/nr_filters', ['abc', '-1']),
]


def full_tree(ops='paddr'):
    """One of every probe and scheme directory, nothing running."""
    a.setup(ops=ops, regions=[PADDR_REGION] if ops == 'paddr' else None,
            schemes=[{'action': 'stat'}])
    a.set_probes([{}])
    # directories only: their files keep their defaults
    a.must_write(P + '/0/preps/nr_preps', 1)
    a.must_write(P + '/0/filters/nr_filters', 1)
    for lst in ('quotas/goals/nr_goals', 'filters/nr_filters',
                'core_filters/nr_filters', 'ops_filters/nr_filters'):
        a.must_write(f'{S}/{lst}', 1)


def test_tree(ktap):
    full_tree()
    want = {f'{P}/{f}': m for f, m in PROBE_FILES.items()}
    want.update({f'{S}/{f}': m for f, m in SCHEME_FILES.items()})
    a.report(ktap, 'tree', a.tree_fails(P, want))


def test_defaults(ktap):
    full_tree()
    a.report(ktap, 'defaults', a.default_fails(DEFAULTS))


def test_round_trip(ktap):
    full_tree()
    a.report(ktap, 'round_trip', a.round_trip_fails(ROUND_TRIP))


def test_invalid(ktap):
    full_tree()
    a.must_write(PF + '/min', 4096)
    a.must_write(PF + '/max', 8192)
    fails = a.invalid_fails(INVALID)
    # a refused nr_* write keeps the directories it had
    if not a.exists(PF + '/type') or not a.exists(P + '/0/preps/0'):
        fails.append('a refused nr_* write removed directories')
    a.report(ktap, 'invalid', fails)


def dirs(parent):
    return sorted(n for n in os.listdir(a.path(parent)) if n.isdigit())


def test_nr_files(ktap):
    full_tree()
    fails = []
    for nr, want in ((3, ['0', '1', '2']), (0, []),
                     # 7.4q: more than DAMON_MAX_PROBES is staged; "on"
                     # and "commit" refuse it (see on_refuses)
                     (5, ['0', '1', '2', '3', '4']), (1, ['0'])):
        err = a.write(P + '/nr_probes', nr)
        if err or dirs(P) != want or a.read(P + '/nr_probes') != str(nr):
            fails.append(f'nr_probes {nr}: err {err}, dirs {dirs(P)}')
    for sub in ('preps', 'filters'):
        d_ = f'{P}/0/{sub}'
        for nr in (2, 7, 0, 1):
            err = a.write(f'{d_}/nr_{sub}', nr)
            want = [str(i) for i in range(nr)]
            if err or sorted(dirs(d_), key=int) != want:
                fails.append(f'nr_{sub} {nr}: err {err}, dirs {dirs(d_)}')
    a.report(ktap, 'nr_files', fails)


def dead_pid():
    p = subprocess.Popen(['true'])
    p.wait()
    return p.pid


def test_relaxed_writes(ktap):
    """Values upstream takes at write time and checks, if at all, at
    commit: pid_target of any integer, intervals of 0."""
    a.setup(ops='vaddr', pids=[os.getpid()])
    fails = []
    pid = dead_pid()
    for v in ('-1', str(pid), str(os.getpid())):
        err = a.write(C + '/targets/0/pid_target', v)
        got = a.read(C + '/targets/0/pid_target')
        if err or got != v:
            fails.append(f'pid_target {v}: err {err}, reads {got!r}')
    for f in ('sample_us', 'aggr_us', 'update_us'):
        before = a.read(f'{INTERVALS}/{f}')
        err = a.write(f'{INTERVALS}/{f}', 0)
        got = a.read(f'{INTERVALS}/{f}')
        if err or got != '0':
            fails.append(f'{f} 0: err {err}, reads {got!r}')
        a.write(f'{INTERVALS}/{f}', before)
    # a dead pid is refused when a vaddr kdamond would need it
    a.must_write(C + '/targets/0/pid_target', pid)
    err = a.command('on')
    if err not in (errno.EINVAL, errno.ESRCH) or a.state() != 'off':
        fails.append(f'on with a dead pid: err {err}, state {a.state()}')
    a.reset()
    a.report(ktap, 'relaxed_writes', fails)


# What "on" and "commit" must refuse: (name, [(file, value)]) staged over
# a valid context with one probe.
BAD_CONFIGS = [
    ('nr_probes 5', [(P + '/nr_probes', 5)]),
    ('hugepage_size max < min', [
        (P + '/0/filters/nr_filters', 1), (PF + '/type', 'hugepage_size'),
        (PF + '/min', 8192), (PF + '/max', 4096)]),
    ('memcg probe filter without path', [
        (P + '/0/filters/nr_filters', 1), (PF + '/type', 'memcg'),
        (PF + '/matching', 'Y'), (PF + '/allow', 'Y')]),
    ('memcg probe filter of no memcg', [
        (P + '/0/filters/nr_filters', 1), (PF + '/type', 'memcg'),
        (PF + '/path', '/no/such/memcg')]),
    ('probe_hits_wsum max < min', [
        (S + '/core_filters/nr_filters', 1),
        (S + '/core_filters/0/type', 'probe_hits_wsum'),
        (S + '/core_filters/0/min', 10), (S + '/core_filters/0/max', 5)]),
    ('attributes-only with 300 samples per aggregation', [
        (P + '/0/weight', 1), (INTERVALS + '/sample_us', 1000),
        (INTERVALS + '/aggr_us', 300000)]),
]


def stage_good():
    """The valid staging the bad configurations start from (also while a
    kdamond runs: directory files only stage)."""
    a.must_write(INTERVALS + '/sample_us', 5000)
    a.must_write(INTERVALS + '/aggr_us', 100000)
    a.must_write(S + '/core_filters/nr_filters', 0)
    a.set_probes([{'weight': 0}])


def stage(writes):
    """Write a bad configuration; return the failures of its writes."""
    fails = []
    for f, v in writes:
        err = a.write(f, v)
        if err:
            fails.append(f'staging {f} <- {v}: err {err}')
    return fails


def test_on_refuses(ktap):
    fails = []
    for name, writes in BAD_CONFIGS:
        a.setup(ops='paddr', regions=[PADDR_REGION],
                schemes=[{'action': 'stat'}])
        stage_good()
        err = stage(writes)
        if err:
            fails += [f'{name}: {e}' for e in err]
            continue
        err = a.command('on')
        if err != errno.EINVAL or a.state() != 'off':
            fails.append(f'{name}: on gave {err}, state {a.state()}')
            a.command('off')
    # and the good staging, with every new DAMOS file set, does start
    a.setup(ops='paddr', regions=[PADDR_REGION], schemes=[{
        'action': 'stat', 'quotas/fail_charge_num': 1,
        'quotas/fail_charge_denom': 2, 'quotas/goals/nr_goals': 1,
        'quotas/goals/0/target_metric': 'hugepage_mem_bp',
        'quotas/goals/0/target_value': 5000,
        'quotas/goals/0/complement': 'Y',
        'core_filters/nr_filters': 1,
        'core_filters/0/type': 'probe_hits_wsum',
        'core_filters/0/max': 20, 'core_filters/0/min': 0,
        'core_filters/0/allow': 'Y'}])
    a.set_probes([{'weight': 1, 'preps': ['set_pgidle'], 'filters': [
        {'type': 'pgidle_unset', 'matching': 'Y', 'allow': 'Y'},
        {'type': 'hugepage_size', 'min': 4096, 'max': 2 * MIB}]}])
    err = a.command('on')
    if err or a.state() != 'on':
        fails.append(f'a valid context with probes: on gave {err}')
    elif a.command('commit_schemes_quota_goals'):
        fails.append('commit_schemes_quota_goals refused')
    a.reset()
    a.report(ktap, 'on_refuses', fails)


def tried_dirs():
    return dirs(S + '/tried_regions')


def update_tried():
    """Fresh tried regions; polled, as the scheme may not have been
    applied yet right after "on"."""
    def got():
        return a.command('update_schemes_tried_regions') == 0 and \
            tried_dirs()
    return a.wait_for(got, DEADLINE_S, 0.2)


def installed_probes():
    """The probes the running kdamond has, as its tried regions show."""
    if not update_tried():
        return None
    return len(dirs(f'{S}/tried_regions/{tried_dirs()[0]}/probes'))


def test_commit_refuses(ktap):
    a.setup(ops='paddr', regions=[PADDR_REGION], schemes=[{'action': 'stat'}])
    stage_good()
    fails = []
    if a.command('on') or a.state() != 'on':
        a.report(ktap, 'commit_refuses', ['a valid context does not start'])
        a.reset()
        return
    pid = a.read(K + '/pid')
    if installed_probes() != 1:
        fails.append(f'started with 1 probe, tried regions show '
                     f'{installed_probes()}')
    for name, writes in BAD_CONFIGS:
        stage_good()
        err = stage(writes)
        if err:
            fails += [f'{name}: {e}' for e in err]
            continue
        err = a.command('commit')
        if err != errno.EINVAL:
            fails.append(f'{name}: commit gave {err}')
        if a.state() != 'on' or a.read(K + '/pid') != pid:
            fails.append(f'{name}: kdamond {a.state()}, pid '
                         f'{a.read(K + "/pid")} (was {pid})')
            break
        n = installed_probes()
        if n != 1:
            fails.append(f'{name}: the kdamond has {n} probes after the '
                         'refused commit, not 1')
    # a good commit still goes through
    if a.state() == 'on':
        stage_good()
        a.set_probes([{}, {'filters': [{'type': 'anon'}]}])
        err = a.command('commit')
        n = installed_probes()
        if err or n != 2:
            fails.append(f'valid commit of 2 probes: err {err}, '
                         f'kdamond has {n}')
    a.reset()
    a.report(ktap, 'commit_refuses', fails)


def test_tried_regions(ktap):
    a.setup(ops='paddr', regions=[PADDR_REGION], schemes=[{'action': 'stat'}])
    a.set_probes([])
    fails = []
    if a.command('on'):
        a.report(ktap, 'tried_regions', ['a valid context does not start'])
        a.reset()
        return
    if not update_tried():
        fails.append('no tried regions')
    else:
        r = f'{S}/tried_regions/{tried_dirs()[0]}'
        if not a.exists(r + '/probes') or dirs(r + '/probes'):
            fails.append('without probes, tried_regions/<R>/probes is '
                         'missing or not empty')
    # a probe without filters hits at every sample; one that allows only
    # hugepage_size 0..0 (what no folio is) never does
    a.set_probes([{}, {'filters': [{'type': 'hugepage_size',
                                    'matching': 'Y', 'allow': 'Y'}]}])
    if a.command('commit'):
        fails.append('commit of 2 probes refused')
    # wait for a whole aggregation with the probes
    hits = {}

    def counted():
        hits.clear()
        if not update_tried():
            return False
        for rd in tried_dirs():
            pd = f'{S}/tried_regions/{rd}/probes'
            if dirs(pd) != ['0', '1']:
                fails.append(f'region {rd}: probes {dirs(pd)}')
                return True
            for p in ('0', '1'):
                f = f'{pd}/{p}/hits'
                if a.mode(f) != 0o400:
                    fails.append(f'mode of {f}: {oct(a.mode(f))}')
                    return True
                hits.setdefault(p, []).append(int(a.read(f)))
        return min(hits['0']) > 0
    a.wait_for(counted, DEADLINE_S, 0.2)
    if not fails:
        window = 100000 // 5000
        h0, h1 = hits.get('0', [0]), hits.get('1', [0])
        ktap.diag(f'tried_regions: {len(h0)} regions, probe 0 hits '
                  f'{min(h0)}..{max(h0)}, probe 1 hits {min(h1)}..{max(h1)}')
        if not all(0 < h <= window + 1 for h in h0):
            fails.append(f'probe 0 (no filters) hits out of 1..{window}')
        if any(h1):
            fails.append('probe 1 (hugepage_size 0..0) hits')
    a.reset()
    a.report(ktap, 'tried_regions', fails)


TESTS = [test_tree, test_defaults, test_round_trip, test_invalid,
         test_nr_files, test_relaxed_writes, test_on_refuses,
         test_commit_refuses, test_tried_regions]


def probes_supported():
    a.must_write('kdamonds/nr_kdamonds', 1)
    a.must_write(K + '/contexts/nr_contexts', 1)
    ok = a.exists(P + '/nr_probes')
    a.reset()
    return ok


def main():
    ktap = d.Ktap(len(TESTS))
    names = [t.__name__[5:] for t in TESTS]
    if not a.exists('kdamonds/nr_kdamonds'):
        for n in names:
            ktap.result(True, n, 'no DAMON sysfs interface')
        ktap.finish()
    a.reset()
    if not probes_supported():
        # the kernel under test is meant to have them: a failure, not a skip
        ktap.diag('no monitoring_attrs/probes directory')
        for n in names:
            ktap.result(False, n)
        ktap.finish()
    for t, n in zip(TESTS, names):
        try:
            t(ktap)
        except OSError as e:
            ktap.diag(f'{n}: {e}')
            ktap.result(False, n)
            a.reset()
    a.reset()
    ktap.finish()


if __name__ == '__main__':
    main()
