#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Access control: no DAMON file lets an unprivileged user in, not even to
read it (issue 13, item 4).

A tree with one of every kind of directory is built as root and started
once, so that the files a running kdamond fills (its pid, the schemes'
stats, tried_regions/<R>/... and tried_regions_all) exist with content.
A child process then drops to nobody (no supplementary groups, gid and
uid 65534, which also clears every capability) and opens every file
under /sys/kernel/mm/damon/ and every parameter of every /sys/module/damon*
for reading and for writing: each open must fail with EACCES or EPERM.
It runs while the kdamond is on and again after "off".

"Every DAMON sysfs file ... including reads" is about files: sysfs makes
its directories 0755, so nobody may list them and learn the names of the
files, which are the same on every machine; what the files hold is what
must stay closed.  Directories are therefore not a failure; the test says
how many nobody could list.

  populated       the tree is built, started and its runtime files hold
                  content
  modes_admin     every file under /sys/kernel/mm/damon/ is 0600, 0400
                  or 0200: no group or other permission bit
  modes_params    the same for the module parameters
  self_check      a file root makes 0644 for a moment is reported: the
                  unprivileged pass does see what it should refuse
  nobody_*_on     as nobody, while the kdamond runs: every open refused
  unchanged_on    as root afterwards: state and values read as before
  nobody_*_off    the same after "off"
  unchanged_off
"""

import errno
import json
import os
import subprocess
import sys

import damon_e2e as d
import sysfs_admin as a

DAMON_TOP = '/sys/kernel/mm/damon'
NOBODY = 65534
K = 'kdamonds/0'
C = K + '/contexts/0'
S = C + '/schemes/0'
REFUSED = (errno.EACCES, errno.EPERM)
ALLOWED_MODES = (0o600, 0o400, 0o200)
DEADLINE_S = 30

# Values read before and after the unprivileged pass; they must not move.
WATCHED = [
    K + '/state', K + '/pid', C + '/operations',
    C + '/monitoring_attrs/intervals/sample_us',
    C + '/monitoring_attrs/intervals/aggr_us',
    C + '/monitoring_attrs/nr_regions/min',
    C + '/targets/0/regions/0/start',
    S + '/action', S + '/quotas/ms', S + '/quotas/goals/0/target_value',
    S + '/core_filters/0/type', S + '/ops_filters/0/type',
    C + '/monitoring_attrs/probes/nr_probes',
    C + '/monitoring_attrs/sample/filters/nr_filters',
]

SCHEME = {
    'action': 'stat',
    'quotas/ms': 100,
    'quotas/reset_interval_ms': 100,
    'quotas/goals/nr_goals': 1,
    'quotas/goals/0/target_metric': 'user_input',
    'quotas/goals/0/target_value': 10000,
    'quotas/goals/0/current_value': 5000,
    'core_filters/nr_filters': 1,
    'core_filters/0/type': 'addr',
    'core_filters/0/addr_end': 1 << 47,
    'core_filters/0/allow': 'Y',
    'ops_filters/nr_filters': 1,
    'ops_filters/0/type': 'anon',
    'filters/nr_filters': 1,
    'filters/0/type': 'anon',
    # used by the migrate actions only: here just files to test
    'dests/nr_dests': 1,
    'dests/0/id': 0,
    'dests/0/weight': 1,
}
SAMPLE_FILTER = {'type': 'write', 'matching': 'Y', 'allow': 'Y'}
PROBE = {'weight': 0, 'filters': [{'type': 'anon', 'matching': 'Y',
                                   'allow': 'Y'}]}


def first_mapping(pid):
    """(start, end) of the first mapping of pid: a range that is sure to
    be mapped, for the target's one region."""
    with open(f'/proc/{pid}/maps') as f:
        start, end = f.readline().split()[0].split('-')
    return int(start, 16), int(end, 16)


def module_param_dirs():
    """The parameters directory of every /sys/module/damon* that has one
    (damon_reclaim, damon_lru_sort, damon_stat, damon_ops, damon_e2e)."""
    return [f'/sys/module/{m}/parameters'
            for m in sorted(os.listdir('/sys/module'))
            if m.startswith('damon') and
            os.path.isdir(f'/sys/module/{m}/parameters')]


def walk(top):
    """(files, directories) under top, top included in directories."""
    files, dirs = [], []
    for dpath, _, names in os.walk(top):
        dirs.append(dpath)
        files += [os.path.join(dpath, n) for n in names]
    return sorted(files), sorted(dirs)


def build(pid):
    """The populated tree, started on pid; returns the failures of the
    runtime files."""
    a.setup(ops='vaddr', pids=[pid], regions=[first_mapping(pid)],
            schemes=[SCHEME])
    a.set_probes([PROBE])
    sample = C + '/monitoring_attrs/sample/filters'
    if a.exists(sample):
        a.must_write(sample + '/nr_filters', 1)
        # the default cpumask filter is refused with page_table sampling
        for f, v in SAMPLE_FILTER.items():
            a.must_write(f'{sample}/0/{f}', v)
    a.must_write(K + '/state', 'on')

    def tried():
        return a.command('update_schemes_tried_regions') == 0 and \
            a.exists(S + '/tried_regions/0/start')
    fails = []
    if not a.wait_for(tried, DEADLINE_S, 0.2):
        fails.append('no tried region after update_schemes_tried_regions')
    elif not a.exists(S + '/tried_regions/0/probes/0/hits'):
        fails.append('no tried_regions/0/probes/0/hits')
    if a.command('update_schemes_stats'):
        fails.append('update_schemes_stats refused')
    if int(a.read(K + '/pid')) <= 0:
        fails.append(f'kdamond pid reads {a.read(K + "/pid")}')
    if a.exists(S + '/tried_regions_all') and \
            not a.read(S + '/tried_regions_all'):
        fails.append('tried_regions_all is empty')
    if a.read(S + '/stats/nr_tried') == '0':
        fails.append('stats/nr_tried is 0')
    return fails


def mode_fails(files):
    """The files whose mode is not one of ALLOWED_MODES."""
    fails = []
    for f in files:
        try:
            m = os.stat(f).st_mode & 0o777
        except FileNotFoundError:
            continue	# a runtime file that went away: nothing to check
        if m not in ALLOWED_MODES:
            fails.append(f'{f}: {oct(m)}')
    return fails


def try_open(f, flags):
    """None if opening f with flags fails with EACCES or EPERM, else what
    happened instead.  Nothing is ever written; a file that opens for
    reading is read, to show what leaked."""
    try:
        fd = os.open(f, flags)
    except OSError as e:
        if e.errno in REFUSED or e.errno == errno.ENOENT:
            return None	# ENOENT: a runtime file gone meanwhile
        return f'open failed with {errno.errorcode.get(e.errno, e.errno)}'
    try:
        if flags == os.O_RDONLY:
            try:
                data = os.read(fd, 64)
                return f'opened for reading, read {data!r}'
            except OSError as e:
                return f'opened for reading (read: errno {e.errno})'
        return 'opened for writing'
    finally:
        os.close(fd)


def nobody_pass(files, dirs):
    """Open every file as nobody, in a child; return (failures, number of
    listable directories), or raise if the child could not report."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rfd)
        out = {'fails': [], 'listable': 0}
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            for f in files:
                for flags, how in ((os.O_RDONLY, 'read'),
                                   (os.O_WRONLY, 'write')):
                    what = try_open(f, flags)
                    if what:
                        out['fails'].append(f'{f} ({how}): {what}')
            for dpath in dirs:
                try:
                    os.listdir(dpath)
                    out['listable'] += 1
                except OSError:
                    pass
        except Exception as e:	# noqa: BLE001 - reported by the parent
            out['fails'].append(f'child: {e!r}')
        os.write(wfd, json.dumps(out).encode())
        os._exit(0)
    os.close(wfd)
    chunks = []
    while True:
        chunk = os.read(rfd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(rfd)
    os.waitpid(pid, 0)
    if not chunks:
        raise RuntimeError('the unprivileged child reported nothing')
    out = json.loads(b''.join(chunks))
    return out['fails'], out['listable']


def self_check_fails():
    """The nobody pass must see a file that root made readable to all:
    else a pass that did not drop privileges, or that opened nothing,
    would pass every test.  The file's mode is put back."""
    f = a.path('kdamonds/nr_kdamonds')
    os.chmod(f, 0o644)
    try:
        fails, _ = nobody_pass([f], [])
    finally:
        os.chmod(f, 0o600)
    want = [f'{f} (read)']
    got = [m.split(':')[0] for m in fails]
    if got != want:
        return [f'made {f} 0644: nobody pass reported {fails}']
    return []


def snapshot():
    return {f: a.read(f) for f in WATCHED if a.exists(f)}


def changed_fails(before):
    after = snapshot()
    return [f'{f}: {v!r} -> {after.get(f)!r}'
            for f, v in before.items() if after.get(f) != v]


def unprivileged_round(ktap, tag):
    """The nobody checks and the root check that follows, one run."""
    admin_files, admin_dirs = walk(DAMON_TOP)
    param_files = [f for p in module_param_dirs() for f in walk(p)[0]]
    before = snapshot()
    fails, listable = nobody_pass(admin_files + param_files, admin_dirs)
    runtime = [f for f in admin_files if '/tried_regions/' in f]
    ktap.diag(f'{tag}: {len(admin_files)} sysfs files ({len(runtime)} '
              f'under tried_regions/), {len(param_files)} parameters of '
              f'{", ".join(p.split("/")[3] for p in module_param_dirs())}, '
              f'opened twice each as nobody; {listable} of '
              f'{len(admin_dirs)} directories listable (allowed)')
    a.report(ktap, f'nobody_admin_{tag}',
             [m for m in fails if m.startswith(DAMON_TOP)], most=40)
    a.report(ktap, f'nobody_params_{tag}',
             [m for m in fails if not m.startswith(DAMON_TOP)], most=40)
    a.report(ktap, f'unchanged_{tag}', changed_fails(before))


def main():
    tests = ['populated', 'modes_admin', 'modes_params', 'self_check',
             'nobody_admin_on', 'nobody_params_on', 'unchanged_on',
             'nobody_admin_off', 'nobody_params_off', 'unchanged_off']
    ktap = d.Ktap(len(tests))
    if not a.exists('kdamonds/nr_kdamonds'):
        for t in tests:
            ktap.result(True, t, 'no DAMON sysfs interface')
        ktap.finish()
    if os.geteuid() != 0:
        for t in tests:
            ktap.result(True, t, 'needs root')
        ktap.finish()

    # a sleeping target, killed whatever happens; without our stdout, so
    # that the runner never waits for it
    child = subprocess.Popen([sys.executable, '-c',
                              'import time; time.sleep(3600)'],
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        fails = build(child.pid)
        a.report(ktap, 'populated', fails)
        admin_files = walk(DAMON_TOP)[0]
        param_files = [f for p in module_param_dirs() for f in walk(p)[0]]
        a.report(ktap, 'modes_admin', mode_fails(admin_files), most=40)
        a.report(ktap, 'modes_params', mode_fails(param_files), most=40)
        a.report(ktap, 'self_check', self_check_fails())
        unprivileged_round(ktap, 'on')
        if a.command('off'):
            raise RuntimeError('off refused')
        a.wait_for(lambda: a.state() == 'off', DEADLINE_S)
        unprivileged_round(ktap, 'off')
    except (OSError, RuntimeError) as e:
        ktap.diag(f'aborted: {e}')
        while ktap.nr < len(tests):
            ktap.result(False, tests[ktap.nr])
    finally:
        child.kill()
        child.wait()
        a.reset()
    ktap.diag(f'{ktap.nr - ktap.failed} passed, {ktap.failed} failed')
    ktap.finish()


if __name__ == '__main__':
    main()
