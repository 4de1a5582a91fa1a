# SPDX-License-Identifier: GPL-2.0
"""Drive one kdamond through /sys/kernel/mm/damon/admin.

A configuration is a tree of small dataclasses (Context, Target, Scheme,
Quota, Goal, Filter).  Kdamond(ctx).start() writes it into kdamond 0's
directory and turns the kdamond on; the other methods send state
commands and read the results back.

Files that newer kernels added may be missing, and values they added
(actions, filter types, goal metrics) may be refused with EINVAL; both
raise Unsupported, so that a test can report a SKIP instead of a failure.
"""

import dataclasses
import errno
import os

ADMIN = '/sys/kernel/mm/damon/admin'
KDAMONDS = os.path.join(ADMIN, 'kdamonds')
ULONG_MAX = (1 << 64) - 1
UINT_MAX = (1 << 32) - 1

STAT_FILES = ('nr_tried', 'sz_tried', 'nr_applied', 'sz_applied',
              'qt_exceeds')


class Unsupported(Exception):
    """The running kernel lacks a file or a value the config needs."""


@dataclasses.dataclass
class Filter:
    """One DAMOS filter; the fields a type does not use are left unset."""
    type: str
    matching: bool = True
    allow: bool = None		# None: do not write (kernels before 6.14)
    memcg_path: str = None
    addr_start: int = None
    addr_end: int = None
    target_idx: int = None
    min: int = None		# hugepage_size
    max: int = None


@dataclasses.dataclass
class Goal:
    metric: str
    target_value: int
    current_value: int = 0
    nid: int = None


@dataclasses.dataclass
class Quota:
    ms: int = 0
    bytes: int = 0
    reset_interval_ms: int = 0
    weights: tuple = None	# (sz_permil, nr_accesses_permil, age_permil)
    goals: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Scheme:
    """A scheme; the access pattern ranges are inclusive (min, max)."""
    action: str
    sz: tuple = (0, ULONG_MAX)
    nr_accesses: tuple = (0, UINT_MAX)
    age: tuple = (0, UINT_MAX)
    apply_interval_us: int = 0
    target_nid: int = None
    quota: Quota = dataclasses.field(default_factory=Quota)
    filters: list = dataclasses.field(default_factory=list)
    filters_dir: str = 'filters'	# or core_filters, ops_filters [6.15]
    dests: list = None		# [(node id, weight)] [6.17]


@dataclasses.dataclass
class Target:
    pid: int = None
    regions: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Context:
    ops: str
    targets: list = dataclasses.field(default_factory=list)
    schemes: list = dataclasses.field(default_factory=list)
    sample_us: int = 5000
    aggr_us: int = 100000
    update_us: int = 1000000
    min_nr_regions: int = 10
    max_nr_regions: int = 1000


def available():
    """Whether the kernel has the DAMON sysfs interface."""
    return os.path.isdir(KDAMONDS)


def write(path, value, new_value=False):
    """Write value to a sysfs file.

    A missing file raises Unsupported; so does EINVAL if new_value says
    the value is one that only newer kernels know.
    """
    try:
        with open(path, 'w') as f:
            f.write(f'{value}\n')
    except OSError as e:
        # sysfs answers EACCES to creating a file that is not there
        if not os.path.exists(path):
            raise Unsupported(f'no {os.path.relpath(path, ADMIN)}') from e
        if new_value and e.errno == errno.EINVAL:
            raise Unsupported(f'{os.path.relpath(path, ADMIN)} refuses '
                              f'"{value}"') from e
        raise OSError(e.errno, f'writing "{value}" to {path}: '
                      f'{os.strerror(e.errno)}') from e


def read(path):
    with open(path) as f:
        return f.read().strip()


def read_int(path):
    return int(read(path))


def _yn(value):
    return 'Y' if value else 'N'


def _write_filter(d, f):
    write(os.path.join(d, 'type'), f.type, new_value=True)
    write(os.path.join(d, 'matching'), _yn(f.matching))
    if f.allow is not None:
        write(os.path.join(d, 'allow'), _yn(f.allow))
    if f.memcg_path is not None:
        write(os.path.join(d, 'memcg_path'), f.memcg_path)
    if f.addr_start is not None:
        write(os.path.join(d, 'addr_start'), f.addr_start)
        write(os.path.join(d, 'addr_end'), f.addr_end)
    if f.target_idx is not None:
        write(os.path.join(d, 'damon_target_idx'), f.target_idx)
    if f.min is not None:
        write(os.path.join(d, 'min'), f.min)
        write(os.path.join(d, 'max'), f.max)


def _write_quota(d, q):
    write(os.path.join(d, 'ms'), q.ms)
    write(os.path.join(d, 'bytes'), q.bytes)
    write(os.path.join(d, 'reset_interval_ms'), q.reset_interval_ms)
    if q.weights is not None:
        for name, value in zip(('sz_permil', 'nr_accesses_permil',
                                'age_permil'), q.weights):
            write(os.path.join(d, 'weights', name), value)
    write(os.path.join(d, 'goals', 'nr_goals'), len(q.goals))
    for i, g in enumerate(q.goals):
        gd = os.path.join(d, 'goals', str(i))
        write(os.path.join(gd, 'target_metric'), g.metric, new_value=True)
        write(os.path.join(gd, 'target_value'), g.target_value)
        write(os.path.join(gd, 'current_value'), g.current_value)
        if g.nid is not None:
            write(os.path.join(gd, 'nid'), g.nid)


def _write_scheme(d, s):
    write(os.path.join(d, 'action'), s.action, new_value=True)
    if os.path.exists(os.path.join(d, 'apply_interval_us')):
        write(os.path.join(d, 'apply_interval_us'), s.apply_interval_us)
    if s.target_nid is not None:
        write(os.path.join(d, 'target_nid'), s.target_nid)
    for name in ('sz', 'nr_accesses', 'age'):
        lo, hi = getattr(s, name)
        # max first: a min above the old max may be refused
        write(os.path.join(d, 'access_pattern', name, 'max'), hi)
        write(os.path.join(d, 'access_pattern', name, 'min'), lo)
    _write_quota(os.path.join(d, 'quotas'), s.quota)
    # no watermarks: the scheme is always active
    write(os.path.join(d, 'watermarks', 'metric'), 'none')
    # empty the other filter directories: they may hold an earlier setup
    for other in ('filters', 'core_filters', 'ops_filters'):
        od = os.path.join(d, other)
        if other != s.filters_dir and os.path.exists(od):
            write(os.path.join(od, 'nr_filters'), 0)
    fd = os.path.join(d, s.filters_dir)
    write(os.path.join(fd, 'nr_filters'), len(s.filters))
    for i, f in enumerate(s.filters):
        _write_filter(os.path.join(fd, str(i)), f)
    if s.dests is not None:
        write(os.path.join(d, 'dests', 'nr_dests'), len(s.dests))
        for i, (nid, weight) in enumerate(s.dests):
            write(os.path.join(d, 'dests', str(i), 'id'), nid)
            write(os.path.join(d, 'dests', str(i), 'weight'), weight)


class Kdamond:
    """Kdamond 0 of the sysfs interface, running one context."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.dir = os.path.join(KDAMONDS, '0')
        self.ctx_dir = os.path.join(self.dir, 'contexts', '0')

    def scheme_dir(self, idx):
        return os.path.join(self.ctx_dir, 'schemes', str(idx))

    def write_config(self):
        """Write the whole configuration (the kdamond must be off)."""
        if not available():
            raise Unsupported('no DAMON sysfs interface')
        if os.path.isdir(self.dir) and self.running():
            self.stop()
        write(os.path.join(KDAMONDS, 'nr_kdamonds'), 1)
        write(os.path.join(self.dir, 'contexts', 'nr_contexts'), 1)
        self.write_context()

    def write_context(self):
        """Write the context's files; also used for an online commit."""
        c, d = self.ctx, self.ctx_dir
        write(os.path.join(d, 'operations'), c.ops)
        iv = os.path.join(d, 'monitoring_attrs', 'intervals')
        write(os.path.join(iv, 'sample_us'), c.sample_us)
        write(os.path.join(iv, 'aggr_us'), c.aggr_us)
        write(os.path.join(iv, 'update_us'), c.update_us)
        nr = os.path.join(d, 'monitoring_attrs', 'nr_regions')
        write(os.path.join(nr, 'max'), c.max_nr_regions)
        write(os.path.join(nr, 'min'), c.min_nr_regions)
        write(os.path.join(d, 'targets', 'nr_targets'), len(c.targets))
        for i, t in enumerate(c.targets):
            td = os.path.join(d, 'targets', str(i))
            if t.pid is not None:
                write(os.path.join(td, 'pid_target'), t.pid)
            write(os.path.join(td, 'regions', 'nr_regions'), len(t.regions))
            # the kernel wants them in address order
            for j, (start, end) in enumerate(sorted(t.regions)):
                rd = os.path.join(td, 'regions', str(j))
                # end first, so that start never exceeds end
                write(os.path.join(rd, 'end'), end)
                write(os.path.join(rd, 'start'), start)
        write(os.path.join(d, 'schemes', 'nr_schemes'), len(c.schemes))
        for i, s in enumerate(c.schemes):
            _write_scheme(self.scheme_dir(i), s)

    def start(self):
        self.write_config()
        self.command('on')

    def require(self, *parts, idx=0):
        """Unsupported unless scheme idx's directory has parts (call
        after write_config(), for files of newer kernels that a config
        does not write)."""
        path = os.path.join(self.scheme_dir(idx), *parts)
        if not os.path.exists(path):
            raise Unsupported(f'no {os.path.relpath(path, ADMIN)}')

    def stop(self):
        if self.running():
            self.command('off')

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def command(self, cmd):
        write(os.path.join(self.dir, 'state'), cmd)

    def commit(self):
        """Apply the (changed) configuration to the running kdamond."""
        self.write_context()
        self.command('commit')

    def running(self):
        return read(os.path.join(self.dir, 'state')) == 'on'

    def pid(self):
        return read_int(os.path.join(self.dir, 'pid'))

    def stats(self, idx=0):
        """The stats of scheme idx, freshly updated, as a dict."""
        self.command('update_schemes_stats')
        d = os.path.join(self.scheme_dir(idx), 'stats')
        return {n: read_int(os.path.join(d, n)) for n in STAT_FILES}

    def effective_bytes(self, idx=0):
        self.command('update_schemes_effective_quotas')
        return read_int(os.path.join(self.scheme_dir(idx), 'quotas',
                                     'effective_bytes'))

    def set_goal_current(self, value, idx=0, goal=0):
        """Feed a user_input goal its current value."""
        write(os.path.join(self.scheme_dir(idx), 'quotas', 'goals',
                           str(goal), 'current_value'), value)
        self.command('commit_schemes_quota_goals')

    def tried_regions(self, idx=0):
        """(total_bytes, [(start, end, nr_accesses, age)]) of scheme idx."""
        self.command('update_schemes_tried_regions')
        d = os.path.join(self.scheme_dir(idx), 'tried_regions')
        regions = []
        names = sorted((n for n in os.listdir(d) if n.isdigit()), key=int)
        for n in names:
            rd = os.path.join(d, n)
            regions.append(tuple(read_int(os.path.join(rd, f)) for f in
                                 ('start', 'end', 'nr_accesses', 'age')))
        return read_int(os.path.join(d, 'total_bytes')), regions
