# SPDX-License-Identifier: GPL-2.0
"""Helpers for tests of the DAMON sysfs interface (/sys/kernel/mm/damon/admin).

Paths are relative to the admin directory unless they start with '/'.
Writes return 0 or the errno of the write, so that tests can check
rejections as easily as acceptances.
"""

import errno
import os

import damon_e2e

ADMIN = '/sys/kernel/mm/damon/admin'
KDAMONDS = 'kdamonds'

# The names "action" and "target_metric" files take, in the order of the
# interface document.
ACTIONS = ['willneed', 'cold', 'pageout', 'hugepage', 'nohugepage',
           'collapse', 'lru_prio', 'lru_deprio', 'migrate_hot',
           'migrate_cold', 'alloc', 'free', 'stat']
METRICS = ['user_input', 'some_mem_psi_us', 'node_mem_used_bp',
           'node_mem_free_bp', 'node_memcg_used_bp', 'node_memcg_free_bp',
           'active_mem_bp', 'inactive_mem_bp', 'node_eligible_mem_bp',
           'hugepage_mem_bp']


def path(p):
    return p if p.startswith('/') else os.path.join(ADMIN, p)


def exists(p):
    return os.path.exists(path(p))


def read(p):
    with open(path(p)) as f:
        return f.read().strip()


def write_fd(fd, value):
    """Write value (with a newline) to fd, then close it; return 0 or the
    errno of the write."""
    try:
        os.write(fd, f'{value}\n'.encode())
        return 0
    except OSError as e:
        return e.errno
    finally:
        os.close(fd)


def write(p, value):
    """Write value (with a newline); return 0 or the errno."""
    try:
        fd = os.open(path(p), os.O_WRONLY)
    except OSError as e:
        return e.errno
    return write_fd(fd, value)


def must_write(p, value):
    err = write(p, value)
    if err:
        raise OSError(err, f'writing {value!r} to {path(p)}: '
                      f'{errno.errorcode.get(err, err)}')


def kdamond(k=0):
    return f'{KDAMONDS}/{k}'


def ctx(k=0):
    return f'{kdamond(k)}/contexts/0'


def scheme(s, k=0):
    return f'{ctx(k)}/schemes/{s}'


def state(k=0):
    return read(f'{kdamond(k)}/state')


def command(cmd, k=0):
    """Write a command to kdamonds/<k>/state; return 0 or the errno."""
    return write(f'{kdamond(k)}/state', cmd)


def reset():
    """Stop every kdamond and remove every directory."""
    if not exists(f'{KDAMONDS}/nr_kdamonds'):
        return
    for k in range(int(read(f'{KDAMONDS}/nr_kdamonds'))):
        if state(k) == 'on':
            command('off', k)
    # a kdamond that stopped on its own is reaped here
    must_write(f'{KDAMONDS}/nr_kdamonds', 0)


def setup(ops='paddr', pids=(), regions=None, schemes=(), sample_us=5000,
          aggr_us=100000, nr_kdamonds=1):
    """One context per kdamond: ops, targets and schemes.

    pids: one target per pid (empty for paddr: one target without pid).
    regions: list of (start, end) for target 0, or None.
    schemes: list of dicts {file path under schemes/<S>: value}.
    """
    reset()
    must_write(f'{KDAMONDS}/nr_kdamonds', nr_kdamonds)
    for k in range(nr_kdamonds):
        must_write(f'{kdamond(k)}/contexts/nr_contexts', 1)
        c = ctx(k)
        must_write(f'{c}/operations', ops)
        must_write(f'{c}/monitoring_attrs/intervals/sample_us', sample_us)
        must_write(f'{c}/monitoring_attrs/intervals/aggr_us', aggr_us)
        targets = list(pids) if pids else [0]
        must_write(f'{c}/targets/nr_targets', len(targets))
        for i, pid in enumerate(targets):
            if pid:
                must_write(f'{c}/targets/{i}/pid_target', pid)
        if regions:
            r = f'{c}/targets/0/regions'
            must_write(f'{r}/nr_regions', len(regions))
            for i, (start, end) in enumerate(regions):
                must_write(f'{r}/{i}/start', start)
                must_write(f'{r}/{i}/end', end)
        set_schemes(schemes, k)


def set_schemes(schemes, k=0):
    c = ctx(k)
    must_write(f'{c}/schemes/nr_schemes', len(schemes))
    for i, files in enumerate(schemes):
        # nr_* files first, so that the directories they make exist
        for f, v in sorted(files.items(),
                           key=lambda kv: (kv[0].count('/'),
                                           not kv[0].split('/')[-1]
                                           .startswith('nr_'))):
            must_write(f'{c}/schemes/{i}/{f}', v)


def probes_dir(k=0):
    return f'{ctx(k)}/monitoring_attrs/probes'


def set_probes(probes, k=0):
    """Stage the data attribute probes of kdamond k's context [7.2].

    probes: list of dicts {'weight': int, 'preps': [action names],
    'filters': [{filter file name: value}]}; missing keys keep defaults.
    Filter files are written in the order given (type first, then the
    rest), so that a type's own files are written after it is set.
    """
    pd = probes_dir(k)
    must_write(f'{pd}/nr_probes', len(probes))
    for i, p in enumerate(probes):
        if 'weight' in p:
            must_write(f'{pd}/{i}/weight', p['weight'])
        preps = p.get('preps', [])
        must_write(f'{pd}/{i}/preps/nr_preps', len(preps))
        for j, action in enumerate(preps):
            must_write(f'{pd}/{i}/preps/{j}/prep_action', action)
        filters = p.get('filters', [])
        must_write(f'{pd}/{i}/filters/nr_filters', len(filters))
        for j, files in enumerate(filters):
            for f, v in files.items():
                must_write(f'{pd}/{i}/filters/{j}/{f}', v)


def run_tests(tests):
    """Run @tests, functions taking the Ktap, each one result, and
    finish: a test that raises fails and the tree is reset for the next;
    all skip without the sysfs interface."""
    ktap = damon_e2e.Ktap(len(tests))
    if not exists('kdamonds/nr_kdamonds'):
        for t in tests:
            ktap.result(True, t.__name__, 'no DAMON sysfs interface')
        ktap.finish()
    for t in tests:
        try:
            t(ktap)
        except (OSError, RuntimeError) as e:
            ktap.diag(f'{t.__name__}: {e}')
            ktap.result(False, t.__name__)
            reset()
    ktap.finish()


def wait_for(cond, timeout, interval=0.05):
    """damon_e2e.wait_for(), polling sysfs files more often."""
    return damon_e2e.wait_for(cond, timeout, interval)


def walk_files(top='.'):
    """Every file under top, as paths relative to the admin directory."""
    root = path(top)
    for d, _, files in os.walk(root):
        for f in files:
            yield os.path.relpath(os.path.join(d, f), ADMIN)


def mode(p):
    return os.stat(path(p)).st_mode & 0o777


# The checks below return their failures, a list of strings for report().

def report(ktap, name, fails, most=20):
    """One result, name, that passes without fails; the first most fails
    are diagnostics, the rest counted."""
    for m in fails[:most]:
        ktap.diag(f'{name}: {m}')
    if len(fails) > most:
        ktap.diag(f'{name}: ... {len(fails) - most} more')
    ktap.result(not fails, name)


def _clip(value, clip):
    """value cut to clip characters (None: all of it; None stays None)."""
    return value if clip is None or value is None else value[:clip]


def tree_fails(top, want_modes):
    """The files of want_modes ({file: mode}) that are missing or have
    another mode, and the files under top that it does not name."""
    have = set(walk_files(top))
    fails = [f'missing {f}' for f in sorted(want_modes) if not exists(f)]
    fails += [f'unexpected {f}' for f in sorted(have - set(want_modes))]
    fails += [f'mode of {f}: {oct(mode(f))}, expected {oct(m)}'
              for f, m in want_modes.items() if exists(f) and mode(f) != m]
    return fails


def default_fails(defaults):
    """The files of defaults ({file: value}) that read another value."""
    return [f'{f} reads {read(f)!r}, expected {v!r}'
            for f, v in defaults.items() if read(f) != v]


def round_trip_fails(cases, clip=None):
    """Write every value of cases, [(file, [(value written, value read
    back)])]; the writes that fail or read back another value.  clip:
    show at most that many characters of each value."""
    fails = []
    for f, pairs in cases:
        for v, want in pairs:
            err = write(f, v)
            got = read(f) if not err else None
            if err or got != want:
                fails.append(f'{f}: wrote {_clip(v, clip)!r}: err {err}, '
                             f'read {_clip(got, clip)!r}, expected '
                             f'{_clip(want, clip)!r}')
    return fails


def invalid_fails(cases, clip=None):
    """Write every value of cases, [(file, [values])]: the writes that do
    not fail with EINVAL or change what the file reads.  clip: as for
    round_trip_fails(), but the value read before is shown whole."""
    fails = []
    for f, values in cases:
        before = read(f)
        for v in values:
            err = write(f, v)
            after = read(f)
            if err != errno.EINVAL or after != before:
                fails.append(f'{f}: wrote {_clip(v, clip)!r}: err {err}, '
                             f'{before!r} -> {_clip(after, clip)!r}')
    return fails
