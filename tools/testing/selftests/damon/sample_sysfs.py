#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON sysfs interface: the sample control files [next],
monitoring_attrs/sample/{primitives,filters}.

  tree, defaults   the files are there, 0600, with their default values
                   (and the directory damo's feature detection looks for)
  round_trip       every file reads back what was written
  invalid          bad values, and writes that fill a page (sysfs would
                   cut longer ones), fail with EINVAL and change nothing
  nr_filters       nr_filters makes and removes directories
  on_refuses       what single files cannot check, "on" refuses: nothing
                   starts
  commit_refuses   the same through "commit": the kdamond keeps running
  write_filter     a write filter with the page_table primitive starts
                   on vaddr, fvaddr and paddr, and commits online
  damo_flow        what damo 3.3.0 does: finds sample/ in a scratch
                   context, stages --exp_ops_write_only Y, starts, reads
                   every file back, commits
"""

import errno
import os

import sysfs_admin as a

K = 'kdamonds/0'
C = K + '/contexts/0'
SAMPLE = C + '/monitoring_attrs/sample'
PRIM = SAMPLE + '/primitives'
FILTERS = SAMPLE + '/filters'
F0 = FILTERS + '/0'
MIB = 1 << 20
# RAM in the 4 GiB guest, small so that a slow (TCG) guest keeps up
PADDR_REGION = (16 * MIB, 80 * MIB)

FILES = {
    SAMPLE + '/primitives/page_table': 0o600,
    SAMPLE + '/primitives/page_fault': 0o600,
    SAMPLE + '/filters/nr_filters': 0o600,
}
for _f in ('type', 'matching', 'allow', 'cpumask', 'tid_arr'):
    FILES[f'{F0}/{_f}'] = 0o600

DEFAULTS = {
    PRIM + '/page_table': 'Y',
    PRIM + '/page_fault': 'N',
    FILTERS + '/nr_filters': '1',	# set by one_filter()
    F0 + '/type': 'cpumask',
    F0 + '/matching': 'N',
    F0 + '/allow': 'N',
    F0 + '/cpumask': '',
    F0 + '/tid_arr': '',
}

BOOL_OK = [('Y', 'Y'), ('N', 'N'), ('1', 'Y'), ('0', 'N'), ('on', 'Y'),
           ('off', 'N')]
BOOL_BAD = ['maybe', '2', '']
NR_CPUS = os.cpu_count()
LAST_CPU = str(NR_CPUS - 1)
ALL_CPUS = f'0-{LAST_CPU}' if NR_CPUS > 1 else '0'
# PID_MAX_LIMIT (64-bit): never a pid; the ids below it have 7 digits
PID_MAX_LIMIT = 4194304
# The most thread ids a tid_arr takes, of the most digits: the longest
# list (4088 bytes with its newline) fits in one page, reads back whole
MAX_TIDS = 511
TIDS_MAX = ','.join(str(PID_MAX_LIMIT - 1 - i) for i in range(MAX_TIDS))
# one more, short ones
TIDS_TOO_MANY = ','.join(str(t) for t in range(1, MAX_TIDS + 2))
# Writes longer than a page, that sysfs would pass on in pieces: refused
# whole.  600 ids of 7 digits (4800 bytes), and a cpulist of 4802 bytes.
TIDS_TOO_LONG = ','.join(str(PID_MAX_LIMIT - 1 - i) for i in range(600))
CPUS_TOO_LONG = '0' + ',0' * 2400
# The longest write taken (4094 bytes with its newline), and one that
# fills the page (4096 bytes), which may have been cut: refused.
CPUS_LONGEST = '0' + ',0' * 2046
CPUS_FILLS_PAGE = '0' + ',0' * 2047

# the characters of a value a failure shows: some are pages long
CLIP = 40

# (file, [(value written, value read back)]); '' writes a lone newline
ROUND_TRIP = [
    (PRIM + '/page_table', BOOL_OK + [('Y', 'Y')]),
    (PRIM + '/page_fault', BOOL_OK),
    (F0 + '/type', [(t, t) for t in ('threads', 'write', 'cpumask')]),
    (F0 + '/matching', BOOL_OK),
    (F0 + '/allow', BOOL_OK),
    (F0 + '/cpumask', [('0', '0'), (LAST_CPU, LAST_CPU),
                       (f'0-{LAST_CPU}', ALL_CPUS), ('all', ALL_CPUS),
                       ('0-N', ALL_CPUS), ('0,0', '0'), (CPUS_LONGEST, '0'),
                       ('', '')]),
    (F0 + '/tid_arr', [('1', '1'), ('1,2,3', '1,2,3'), ('42,7', '42,7'),
                       ('4194303', '4194303'), (TIDS_MAX, TIDS_MAX),
                       ('', '')]),
]

# (file, [values that must fail with EINVAL]), over the values that
# stage_nondefault() writes
INVALID = [
    (PRIM + '/page_table', BOOL_BAD),
    (PRIM + '/page_fault', BOOL_BAD),
    (F0 + '/type', ['foo', 'Write', 'writes', 'anon', '']),
    (F0 + '/matching', BOOL_BAD),
    (F0 + '/allow', BOOL_BAD),
    (F0 + '/cpumask', ['abc', '0-', '1-0', '0-1-2', 'x0', str(NR_CPUS),
                       '4096', '4294967296', '-1', CPUS_TOO_LONG,
                       CPUS_FILLS_PAGE]),
    (F0 + '/tid_arr', ['0', '-1', 'abc', '1,abc', '1x', '1,', ',1', '1,,2',
                       '1 2', '1,0', '2,-1', '010', '0x10', '1-3',
                       '4194304', '4194305', '99999999',
                       '18446744073709551617', TIDS_TOO_MANY,
                       TIDS_TOO_LONG]),
    (FILTERS + '/nr_filters', ['abc', '-1', '100000']),
]


def own_mapping():
    """The first mapping of this process, for fvaddr's fixed regions."""
    with open('/proc/self/maps') as f:
        start, end = f.readline().split()[0].split('-')
    return int(start, 16), int(end, 16)


def one_filter(ops='paddr'):
    """A context with one default sample filter, nothing running."""
    if ops == 'paddr':
        a.setup(ops=ops, regions=[PADDR_REGION])
    elif ops == 'fvaddr':
        a.setup(ops=ops, pids=[os.getpid()], regions=[own_mapping()])
    else:
        a.setup(ops=ops, pids=[os.getpid()])
    a.must_write(FILTERS + '/nr_filters', 1)


def test_tree(ktap):
    a.reset()
    a.must_write('kdamonds/nr_kdamonds', 1)
    a.must_write(K + '/contexts/nr_contexts', 1)
    # damo's sysfs/damon_sample_control: this directory, in a context
    # that has just been made
    fails = [] if a.exists(SAMPLE) else [f'no {SAMPLE}']
    one_filter()
    fails += a.tree_fails(SAMPLE, FILES)
    a.report(ktap, 'tree', fails)


def test_defaults(ktap):
    one_filter()
    a.report(ktap, 'defaults', a.default_fails(DEFAULTS))


def test_round_trip(ktap):
    one_filter()
    a.report(ktap, 'round_trip', a.round_trip_fails(ROUND_TRIP, clip=CLIP))


def stage_nondefault():
    """Values other than the defaults, that a bad write must keep."""
    a.must_write(PRIM + '/page_fault', 'Y')
    a.must_write(F0 + '/type', 'threads')
    a.must_write(F0 + '/matching', 'Y')
    a.must_write(F0 + '/cpumask', LAST_CPU)
    a.must_write(F0 + '/tid_arr', '5,6')


def test_invalid(ktap):
    one_filter()
    stage_nondefault()
    fails = a.invalid_fails(INVALID, clip=CLIP)
    if not a.exists(F0 + '/tid_arr'):
        fails.append('a refused nr_filters write removed directories')
    a.report(ktap, 'invalid', fails)


def dirs(parent):
    return sorted((n for n in os.listdir(a.path(parent)) if n.isdigit()),
                  key=int)


def test_nr_filters(ktap):
    one_filter()
    a.must_write(F0 + '/type', 'write')
    fails = []
    for nr in (3, 12, 0, 2):
        err = a.write(FILTERS + '/nr_filters', nr)
        want = [str(i) for i in range(nr)]
        if err or dirs(FILTERS) != want or \
                a.read(FILTERS + '/nr_filters') != str(nr):
            fails.append(f'nr_filters {nr}: err {err}, dirs '
                         f'{dirs(FILTERS)}')
    # new directories start with the defaults
    if a.read(F0 + '/type') != 'cpumask' or a.read(F0 + '/tid_arr') != '':
        fails.append('a new filter directory is not default')
    a.report(ktap, 'nr_filters', fails)


def set_sample(page_table='Y', page_fault='N', filters=()):
    """Stage the primitives and the filters, each a dict of file: value
    (type first: it is written in the order given)."""
    a.must_write(PRIM + '/page_table', page_table)
    a.must_write(PRIM + '/page_fault', page_fault)
    a.must_write(FILTERS + '/nr_filters', len(filters))
    for i, files in enumerate(filters):
        for f, v in files.items():
            a.must_write(f'{FILTERS}/{i}/{f}', v)


WRITE_ONLY = {'type': 'write', 'matching': 'Y', 'allow': 'Y'}

# What "on" and "commit" must refuse: name, set_sample() arguments
BAD_SAMPLES = [
    ('both primitives', {'page_fault': 'Y'}),
    ('no primitive', {'page_table': 'N'}),
    ('threads filter without tids, page_fault', {
        'page_table': 'N', 'page_fault': 'Y', 'filters': [
            {'type': 'threads', 'matching': 'Y', 'allow': 'Y'}]}),
    ('threads filter without tids', {'filters': [
        {'type': 'threads', 'matching': 'Y', 'allow': 'Y'}]}),
    # Accessed and Dirty bits tell no CPU or thread
    ('cpumask filter with page_table', {'filters': [
        {'type': 'cpumask', 'matching': 'Y', 'allow': 'Y',
         'cpumask': '0'}]}),
    ('threads filter with page_table', {'filters': [
        {'type': 'threads', 'matching': 'Y', 'allow': 'Y',
         'tid_arr': str(os.getpid())}]}),
    ('write then cpumask filter with page_table', {'filters': [
        WRITE_ONLY, {'type': 'cpumask', 'cpumask': '0'}]}),
]


def test_on_refuses(ktap):
    fails = []
    for ops in ('paddr', 'vaddr'):
        for name, sample in BAD_SAMPLES:
            one_filter(ops)
            set_sample(**sample)
            err = a.command('on')
            if err != errno.EINVAL or a.state() != 'off':
                fails.append(f'{ops}, {name}: on gave {err}, state '
                             f'{a.state()}')
                a.command('off')
    a.reset()
    a.report(ktap, 'on_refuses', fails)


def start(ops, sample):
    """Stage @sample on a fresh @ops context and start it; return the
    failure or None."""
    one_filter(ops)
    set_sample(**sample)
    err = a.command('on')
    if err or a.state() != 'on':
        return f'{ops}: on gave {err}, state {a.state()}'
    return None


def test_commit_refuses(ktap):
    fails = []
    for ops in ('paddr', 'vaddr'):
        fail = start(ops, {'filters': [WRITE_ONLY]})
        if fail:
            fails.append(fail)
            continue
        pid = a.read(K + '/pid')
        for name, sample in BAD_SAMPLES:
            set_sample(**sample)
            err = a.command('commit')
            if err != errno.EINVAL:
                fails.append(f'{ops}, {name}: commit gave {err}')
            if a.state() != 'on' or a.read(K + '/pid') != pid:
                fails.append(f'{ops}, {name}: kdamond {a.state()}, pid '
                             f'{a.read(K + "/pid")} (was {pid})')
                break
        # what was running goes on taking good commits
        set_sample(filters=[WRITE_ONLY])
        if a.command('commit') or a.state() != 'on':
            fails.append(f'{ops}: a valid commit after the refused ones '
                         'failed')
        a.reset()
    a.report(ktap, 'commit_refuses', fails)


# Valid sample controls with page_table, to start with and commit online.
GOOD_SAMPLES = [
    ('write only', {'filters': [WRITE_ONLY]}),
    ('no writes', {'filters': [
        {'type': 'write', 'matching': 'Y', 'allow': 'N'}]}),
    ('reads (not matching)', {'filters': [
        {'type': 'write', 'matching': 'N', 'allow': 'Y'}]}),
    ('two write filters', {'filters': [
        WRITE_ONLY, {'type': 'write', 'matching': 'N', 'allow': 'N'}]}),
    ('no filters', {}),
    # a cpumask and tids on a write filter are not looked at
    ('write filter with cpumask and tids', {'filters': [
        dict(WRITE_ONLY, cpumask='0', tid_arr='1,2')]}),
]


def test_write_filter(ktap):
    fails = []
    for ops in ('vaddr', 'fvaddr', 'paddr'):
        fail = start(ops, GOOD_SAMPLES[0][1])
        if fail:
            fails.append(fail)
            a.reset()
            continue
        pid = a.read(K + '/pid')
        for name, sample in GOOD_SAMPLES[1:] + GOOD_SAMPLES[:1]:
            set_sample(**sample)
            err = a.command('commit')
            if err or a.state() != 'on' or a.read(K + '/pid') != pid:
                fails.append(f'{ops}, commit {name}: err {err}, kdamond '
                             f'{a.state()}')
                break
        # the directories may change while the kdamond runs
        set_sample(filters=[WRITE_ONLY, WRITE_ONLY])
        a.must_write(FILTERS + '/nr_filters', 0)
        if a.command('off') or a.state() != 'off':
            fails.append(f'{ops}: off failed')
        a.reset()
    a.report(ktap, 'write_filter', fails)


def read_all(top):
    """Read every file under @top, as damo does; return the failures."""
    fails = []
    for f in a.walk_files(top):
        try:
            a.read(f)
        except OSError as e:
            fails.append(f'reading {f}: {e}')
    return fails


def test_damo_flow(ktap):
    fails = []
    # feature detection: a scratch kdamond, one context, one target
    # without regions and one default scheme
    a.reset()
    a.must_write('kdamonds/nr_kdamonds', 1)
    a.must_write(K + '/contexts/nr_contexts', 1)
    a.must_write(C + '/targets/nr_targets', 1)
    a.must_write(C + '/schemes/nr_schemes', 1)
    if not a.exists(SAMPLE):
        fails.append('sysfs/damon_sample_control: no ' + SAMPLE)
    # --exp_ops_write_only Y (use_reports N): the primitives first, then
    # the filters, each with the file its type uses
    a.setup(ops='vaddr', pids=[os.getpid()], schemes=[{'action': 'stat'}])
    set_sample(filters=[WRITE_ONLY])
    if a.command('on') or a.state() != 'on':
        fails.append("on with damo's write-only staging failed")
    fails += read_all('kdamonds')
    # --exp_ops_use_reports Y with --exp_ops_cpus: page_fault, whose
    # accesses tell their CPU (a kernel without CONFIG_DAMON_PAGE_FAULT
    # refuses it, and the kdamond runs on as it was)
    set_sample(page_table='N', page_fault='Y', filters=[
        WRITE_ONLY, {'type': 'cpumask', 'matching': 'Y', 'allow': 'Y',
                     'cpumask': '0-1'}])
    err = a.command('commit')
    if err not in (0, errno.EINVAL) or a.state() != 'on':
        fails.append(f'commit of use_reports Y gave {err}, state '
                     f'{a.state()}')
    set_sample(filters=[WRITE_ONLY])
    if a.command('commit'):
        fails.append('commit of the write-only staging failed')
    fails += read_all('kdamonds')
    a.reset()
    a.report(ktap, 'damo_flow', fails)


TESTS = [test_tree, test_defaults, test_round_trip, test_invalid,
         test_nr_filters, test_on_refuses, test_commit_refuses,
         test_write_filter, test_damo_flow]


if __name__ == '__main__':
    a.run_tests(TESTS)
