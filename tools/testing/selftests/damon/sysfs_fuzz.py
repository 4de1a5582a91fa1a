#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON sysfs and module parameters: a seeded random-write fuzzer.

Two kdamonds run with schemes (0: vaddr on an access_hotcold child, 1:
paddr on the System RAM span), each with a quota goal and filters.  Then
DAMON_FUZZ_WRITES (10000) random writes go to the writable files of the
admin tree as it is at that step, and to the parameters of the DAMON
modules.  Values come from each file's domain (known by its name), its
edges and garbage; nr_* files shrink and grow, state commands are
interleaved, and the workload child is killed and restarted at random
points.

The seed comes from DAMON_FUZZ_SEED, or the clock, and is printed first:
the same seed replays the same choices (what the kernel answers may still
depend on timing: a kdamond that stops by itself, a tree that differs).
A write still blocked after WRITE_TIMEOUT_S (a command waiting for a
kdamond whose fuzzed intervals are long) is interrupted and counted as
EINTR; a write blocked for WATCHDOG_S prints the last writes.  The loop
stops after DAMON_FUZZ_BUDGET_S (220) seconds, which fails fuzz_writes.

Checks:
  failed_writes_unchanged   a failed write left the file reading as before
                            (but for the files the kernel changes by
                            itself: VOLATILE, stats/, tried_regions/)
  module_enable_exclusive   enabling a module while a sysfs kdamond runs
                            fails with EBUSY
  no_splat                  the kernel log of the run has no splat
  valid_config_works        a clean vaddr tree still starts, commits and
                            stops
  modules_reset             every module parameter takes its value of
                            before the run back, and DAMON_RECLAIM still
                            starts and stops
On a failure, the last RING writes are printed (diagnostics).
"""

import errno
import os
import random
import re
import signal
import threading
import time

import damon_e2e as d
import damon_modules as m
import sysfs_admin as a

RING = 50
WATCHDOG_S = 60
# A command may wait for the kdamond as long as its (fuzzed) intervals
# make it; the wait is interruptible, and interrupted after this long.
WRITE_TIMEOUT_S = 5
# stop the loop after this long, so that the checks still run before the
# kselftest timeout (settings)
BUDGET_S = float(os.environ.get('DAMON_FUZZ_BUDGET_S', 220))

# Files whose content the kernel changes by itself (kdamond state, live
# pids and statistics, the module status), so that a failed write cannot
# be checked against what the file read before it.  Base names.
VOLATILE = {'state', 'pid', 'enabled', 'commit_inputs', 'kdamond_pid',
            'effective_bytes', 'total_bytes',
            # DAMON_RECLAIM and DAMON_LRU_SORT write the region they
            # computed back at enable and commit_inputs time
            'monitor_region_start', 'monitor_region_end'}
# Changed by the periodic refresh of a kdamond with refresh_ms > 0 (tuned
# intervals, goal metrics): volatile only then.
VOLATILE_IF_REFRESH = {'sample_us', 'aggr_us', 'current_value'}

STATE_CMDS = ['on', 'off', 'commit', 'update_schemes_stats',
              'update_schemes_tried_regions', 'update_schemes_tried_bytes',
              'clear_schemes_tried_regions', 'commit_schemes_quota_goals',
              'update_schemes_effective_quotas', 'update_tuned_intervals']
ACTIONS = a.ACTIONS
METRICS = a.METRICS
FILTER_TYPES = ['addr', 'target', 'probe_hits_wsum', 'anon', 'active',
                'memcg', 'young', 'hugepage_size', 'unmapped',
                'pgidle_set', 'pgidle_unset', 'cpumask', 'threads',
                'write']
BOOLS = ['Y', 'N', '1', '0', 'y', 'n', 'on', 'off']
EDGES = ['0', '1', '-1', '4294967295', '4294967296',
         '18446744073709551615', '18446744073709551616']
GARBAGE = ['-5', '-4294967296', '340282366920938463463374607431768211456',
           '', ' ', '\t', '\n\n', '  7  ', '7 8', 'x' * 5000, '1' * 5000,
           'a\0b', '1\0', '\0', 'foo', '0x', '0xg', '1e3', '+', '--1',
           'Y\0N', 'on off', 'pageout\0', ' vaddr', 'VADDR', 'stats',
           'ONN', '1-', ',', '0-1-2', '\xe9', '\udcff\udcfe', '%s%n',
           '../..']
BOOL_PARAMS = {'enabled', 'commit_inputs', 'skip_anon',
               'filter_young_pages', 'autotune_monitoring_intervals'}
SPLAT_RE = re.compile(
    r'BUG:|WARNING:|Oops|KASAN|lockdep|RCU stall|detected stall|'
    r'general protection|UBSAN|soft lockup|hung_task|'
    r'blocked for more than|list_(add|del) corruption|Kernel panic')
BENIGN_RE = re.compile(r'RCU lockdep checking is enabled|traps: .*general '
                       r'protection fault ip:')
# The values of an admin file's domain, by its base name.
NAMED = {
    'state': STATE_CMDS,
    'operations': ['vaddr', 'fvaddr', 'paddr'],
    'action': ACTIONS,
    'type': FILTER_TYPES,
    'target_metric': METRICS,
    'goal_tuner': ['temporal', 'consist'],
    'metric': ['free_mem_rate', 'none'],
    'cpumask': ['0', '1', '0-1', '0,1', '', '0-1023', '1-0', '7'],
    'nid': ['0', '1', '2', '63', '64', '1024', '-1'],
    'target_nid': ['0', '1', '2', '64', '1024', '-1'],
    'id': ['0', '1', '2', '64'],
    'prep_action': ['set_pgidle', 'pgidle_set'],
    'damon_target_idx': ['0', '1', '2', '-1'],
    'addr_unit': ['1', '4', '4096', '0'],
    'refresh_ms': ['0', '10', '100', '1000'],
    'sample_us': ['1000', '5000', '10000', '20000'],
    'aggr_us': ['50000', '100000', '200000'],
    'update_us': ['1000000', '60000000'],
    'access_bp': ['0', '40', '400', '10000', '10001'],
    'aggrs': ['0', '1', '3', '10'],
    'min_sample_us': ['0', '1000', '5000'],
    'max_sample_us': ['0', '10000', '10000000'],
    'high': ['0', '100', '500', '999', '1000', '1001'],
    'mid': ['0', '100', '500', '999', '1000', '1001'],
    'low': ['0', '100', '500', '999', '1000', '1001'],
    'max_nr_snapshots': ['0', '1', '10', '100'],
    'weight': ['0', '1', '10', '100'],
}

NUMBERED = re.compile(r'/\d+(?=/|$)')


class Interrupted(Exception):
    pass


def on_alarm(signum, frame):
    raise Interrupted()


def encode(v):
    """v as bytes; lone surrogates (GARBAGE) stand for raw bytes."""
    return v.encode('utf-8', 'surrogateescape')


class Kmsg:
    """The kernel log from now on, read without blocking."""

    def __init__(self):
        self.fd = os.open('/dev/kmsg', os.O_RDONLY | os.O_NONBLOCK)
        os.lseek(self.fd, 0, os.SEEK_END)
        self.splats = []

    def poll(self):
        """Read what is new; return the splat lines it has."""
        new = []
        while True:
            try:
                rec = os.read(self.fd, 8192).decode(errors='replace')
            except BlockingIOError:
                break
            except BrokenPipeError:
                continue  # records were overwritten: read on
            msg = rec.split(';', 1)[-1].splitlines()[0] if rec else ''
            if SPLAT_RE.search(msg) and not BENIGN_RE.search(msg):
                new.append(msg)
        self.splats += new
        return new


class Child:
    """The vaddr target: access_hotcold, killed and restarted at will."""

    def __init__(self):
        self.w = d.Workload(total_mib=16, hot_mib=4, hot_offset_mib=0)
        self.dead = []

    @property
    def pid(self):
        return self.w.pid

    def restart(self):
        self.w.stop()
        self.dead.append(self.w.pid)
        self.w = d.Workload(total_mib=16, hot_mib=4, hot_offset_mib=0)

    def stop(self):
        self.w.stop()


class Fuzzer:
    def __init__(self, rnd, child, ram):
        self.rnd = rnd
        self.child = child
        self.ram = ram
        self.files = None  # cached writable admin files
        self.stale = set()  # directories to walk again
        self.states = []  # the state files of files
        self.nrs = []  # the nr_* files of files
        self.modes = {}  # file pattern (numbers as #): writable
        self.params = [(mod, p) for mod in m.MODULES
                       if os.path.isdir(m.params_dir(mod))
                       for p in sorted(os.listdir(m.params_dir(mod)))
                       if os.stat(os.path.join(m.params_dir(mod), p))
                       .st_mode & 0o200]
        self.counts = {}
        self.ring = []
        self.nr = 0
        self.last_progress = time.monotonic()
        self.unchanged_fails = []
        self.exclusive_fails = []
        self.memcg = None
        self.since_on = 0
        self.timeouts = 0
        self.interrupted = []  # the writes interrupted after a timeout

    # -- the tree ------------------------------------------------------

    def writable(self, rel):
        key = NUMBERED.sub('/#', rel)
        if key not in self.modes:
            self.modes[key] = bool(os.stat(a.path(rel)).st_mode & 0o200)
        return self.modes[key]

    def walk(self, top):
        """The writable files under top (relative; '' for all)."""
        out = []
        for dpath, dirs, files in os.walk(a.path(top) if top else a.ADMIN):
            if os.path.basename(dpath) == 'tried_regions':
                dirs[:] = []
            for f in files:
                rel = os.path.relpath(os.path.join(dpath, f), a.ADMIN)
                try:
                    if self.writable(rel):
                        out.append(rel)
                except FileNotFoundError:
                    pass
        return out

    def admin_files(self):
        """The writable admin files, walked again where the tree changed:
        all of it (files is None), or the directories of stale."""
        if self.files is None:
            self.files = self.walk('')
        elif self.stale:
            for top in self.stale:
                prefix = top + '/'
                self.files = [f for f in self.files
                              if not f.startswith(prefix)] + self.walk(top)
        else:
            return self.files
        self.stale = set()
        self.states = [f for f in self.files if f.endswith('/state')]
        self.nrs = [f for f in self.files
                    if os.path.basename(f).startswith('nr_')]
        return self.files

    # -- values --------------------------------------------------------

    def pids(self):
        dead = self.child.dead[-1] if self.child.dead else 4194303
        return [str(self.child.pid), str(os.getpid()), '1', str(dead),
                '0', '-1', '4194304']

    def addresses(self, rel):
        lo, hi = self.ram
        w = self.child.w
        vals = [lo, hi, w.start, w.end, w.hot_start, w.hot_end,
                self.rnd.randrange(0, 1 << 48) & ~0xfff, 4096, 0]
        return [str(v) for v in vals]

    def domain(self, rel):
        """Valid-looking values of an admin file, by its name."""
        base = os.path.basename(rel)
        parent = os.path.basename(os.path.dirname(rel))
        small = ['0', '1', '1', '2', '2', '3', '4']
        dynamic = {
            'pid_target': self.pids,
            'tid_arr': lambda: self.pids()[:4] + [
                f'{self.child.pid},{os.getpid()}', ''],
            'memcg_path': self.memcg_paths,
            'path': self.memcg_paths,
        }
        if base in dynamic:
            return dynamic[base]()
        if base.startswith('nr_'):
            return small if base != 'nr_kdamonds' else ['0', '1', '2', '2']
        if base in ('pause', 'page_table', 'page_fault', 'obsolete_target',
                    'matching', 'allow', 'complement'):
            return BOOLS
        if base in ('start', 'end', 'addr_start', 'addr_end'):
            return self.addresses(rel)
        if parent == 'nr_regions':
            return ['3', '10', '20', '100', '1000', '2']
        if parent in ('nr_accesses', 'age'):
            return ['0', '1', '5', '20', '4294967295']
        if parent == 'sz':
            return ['0', '4096', '2097152', '18446744073709551615']
        return NAMED.get(base) or [
            '0', '1', '5', '100', '1000', '4096', '65536', '1000000',
            str(self.rnd.randrange(0, 1 << 20)), '0x10']

    def memcg_paths(self):
        paths = ['', '/', '/no/such/memcg', 'a/b', '//', '/' + 'x' * 300]
        if self.memcg:
            paths += [self.memcg] * 3
        return paths

    def param_domain(self, name):
        lo, hi = self.ram
        if name in BOOL_PARAMS:
            return BOOLS
        named = {
            'quota_ms': ['0', '10', '100'],
            'quota_sz': ['0', '1048576', '134217728'],
            'wmarks_high': ['0', '200', '500', '1000', '1001'],
            'wmarks_mid': ['0', '200', '500', '1000', '1001'],
            'wmarks_low': ['0', '200', '500', '1000', '1001'],
            'sample_interval': ['1000', '5000', '10000'],
            'aggr_interval': ['50000', '100000'],
            'min_nr_regions': ['3', '10'],
            'max_nr_regions': ['10', '1000'],
            'monitor_region_start': ['0', str(lo), str(hi)],
            'monitor_region_end': ['0', str(lo), str(hi)],
            'addr_unit': ['1', '4096', '0'],
            'active_mem_bp': ['0', '5000', '10000', '10001'],
            'kdamond_pid': ['-1', '1', '0'],
        }
        return named.get(name, ['0', '1', '100', '1000', '1000000'])

    def value(self, domain):
        """A value of domain (half the time), an edge or garbage; as
        bytes, usually ending with a newline."""
        r = self.rnd.random()
        if r < 0.55:
            v = self.rnd.choice(domain)
        elif r < 0.75:
            v = self.rnd.choice(EDGES)
        else:
            v = self.rnd.choice(GARBAGE)
        if self.rnd.random() < 0.85:
            v += '\n'
        return encode(v)

    # -- writes --------------------------------------------------------

    def count(self, res):
        self.counts[res] = self.counts.get(res, 0) + 1

    def raw_write(self, full, data):
        try:
            fd = os.open(full, os.O_WRONLY)
        except OSError as e:
            return e.errno
        try:
            signal.setitimer(signal.ITIMER_REAL, WRITE_TIMEOUT_S)
            try:
                os.write(fd, data)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            return 0
        except Interrupted:
            self.timeouts += 1
            return errno.EINTR
        except OSError as e:
            return e.errno
        finally:
            os.close(fd)

    def refreshing(self, rel):
        parts = rel.split('/')
        if len(parts) < 2 or parts[0] != 'kdamonds':
            return False
        try:
            return a.read(f'kdamonds/{parts[1]}/refresh_ms') != '0'
        except (OSError, ValueError):
            return True

    def volatile(self, rel, base):
        if base in VOLATILE or '/stats/' in rel or \
                '/tried_regions' in rel:
            return True
        return base in VOLATILE_IF_REFRESH and self.refreshing(rel)

    def sysfs_running(self):
        try:
            return [k for k in range(int(a.read('kdamonds/nr_kdamonds')))
                    if a.state(k) == 'on']
        except (OSError, ValueError):
            return []

    def write(self, full, rel, data, module=None):
        """One counted fuzz write, with its before/after check."""
        base = os.path.basename(full)
        vol = self.volatile(rel, base)
        before = None
        if not vol or base == 'enabled':
            try:
                with open(full, 'rb') as f:
                    before = f.read()
            except OSError:
                pass
        enabling = module and base == 'enabled' and \
            data.strip() in (b'Y', b'y', b'1', b'on') and \
            before is not None and before.strip() != b'Y'
        running = self.sysfs_running() if enabling else []
        err = self.raw_write(full, data)
        self.nr += 1
        self.last_progress = time.monotonic()
        res = errno.errorcode.get(err, str(err)) if err else 'ok'
        if self.timeouts > len(self.interrupted):
            self.interrupted.append(f'#{self.nr} {rel} <- {data[:60]!r}')
        self.count(res)
        self.ring.append((self.nr, rel, data, res))
        del self.ring[:-RING]
        if err and before is not None and not vol:
            try:
                with open(full, 'rb') as f:
                    after = f.read()
            except OSError:
                after = before  # removed meanwhile: nothing to compare
            if after != before:
                self.unchanged_fails.append(
                    f'#{self.nr} {rel} <- {data[:60]!r}: {res}, '
                    f'{before[:60]!r} -> {after[:60]!r}')
        if enabling and running and not err and \
                self.sysfs_running() == running:
            self.exclusive_fails.append(
                f'#{self.nr} {module}.enabled <- {data!r} succeeded while '
                f'sysfs kdamonds {running} run')
        # the files walked change with nr_* files only (commands change
        # tried_regions/, which is not walked); walk again if one vanished
        if not err and base.startswith('nr_') and not module:
            self.stale.add(os.path.dirname(rel))
        if err == errno.ENOENT:
            self.files = None
        return err

    def admin_write(self, rel, data):
        return self.write(a.path(rel), rel, data)

    def step(self):
        r = self.rnd.random()
        files = self.admin_files()
        if r < 0.10 and self.params:
            mod, p = self.rnd.choice(self.params)
            full = os.path.join(m.params_dir(mod), p)
            self.write(full, f'{mod}.{p}', self.value(self.param_domain(p)),
                       module=mod)
            return
        if r < 0.18:
            if self.states:
                rel = self.rnd.choice(self.states)
                cmd = self.rnd.choice(STATE_CMDS)
                if self.rnd.random() < 0.1:
                    cmd = self.rnd.choice(GARBAGE)
                self.admin_write(rel, encode(cmd + '\n'))
                return
        if r < 0.28:
            if self.nrs:
                rel = self.rnd.choice(self.nrs)
                self.admin_write(rel, self.value(self.domain(rel)))
                return
        if not files:
            self.admin_write('kdamonds/nr_kdamonds',
                             self.value(['1', '2']))
            return
        rel = self.rnd.choice(files)
        self.admin_write(rel, self.value(self.domain(rel)))

    def diag_ring(self, ktap):
        ktap.diag(f'last {len(self.ring)} writes (seed and index replay):')
        for nr, rel, data, res in self.ring:
            ktap.diag(f'  #{nr} {rel} <- {data[:80]!r}: {res}')


def baseline(child, ram):
    """The two running kdamonds of the fuzzing (raises on failure)."""
    m.disable_all()
    a.reset()
    a.must_write('kdamonds/nr_kdamonds', 2)
    lo, hi = ram
    for k, ops in ((0, 'vaddr'), (1, 'paddr')):
        c = a.ctx(k)
        a.must_write(f'{a.kdamond(k)}/contexts/nr_contexts', 1)
        a.must_write(f'{c}/operations', ops)
        a.must_write(f'{c}/targets/nr_targets', 1)
        if ops == 'vaddr':
            a.must_write(f'{c}/targets/0/pid_target', child.pid)
        else:
            r = f'{c}/targets/0/regions'
            a.must_write(f'{r}/nr_regions', 1)
            a.must_write(f'{r}/0/start', lo)
            a.must_write(f'{r}/0/end', hi)
        s = a.scheme(0, k)
        a.must_write(f'{c}/schemes/nr_schemes', 1)
        a.must_write(f'{s}/action', 'pageout' if ops == 'vaddr' else 'stat')
        a.must_write(f'{s}/quotas/ms', 10)
        a.must_write(f'{s}/quotas/bytes', 4 << 20)
        a.must_write(f'{s}/quotas/reset_interval_ms', 100)
        a.must_write(f'{s}/quotas/goals/nr_goals', 1)
        a.must_write(f'{s}/quotas/goals/0/target_metric', 'user_input')
        a.must_write(f'{s}/quotas/goals/0/target_value', 100)
        a.must_write(f'{s}/quotas/goals/0/current_value', 50)
        a.must_write(f'{s}/ops_filters/nr_filters', 1)
        a.must_write(f'{s}/ops_filters/0/type', 'anon')
        a.must_write(f'{s}/ops_filters/0/matching', 'Y')
        a.must_write(f'{s}/ops_filters/0/allow', 'Y')
        a.must_write(f'{s}/core_filters/nr_filters', 1)
        a.must_write(f'{s}/core_filters/0/type', 'addr')
        a.must_write(f'{s}/core_filters/0/addr_start', 0)
        a.must_write(f'{s}/core_filters/0/addr_end', 1 << 47)
        a.must_write(f'{s}/core_filters/0/matching', 'Y')
        a.must_write(f'{s}/core_filters/0/allow', 'Y')
    for k in (0, 1):
        a.must_write(f'{a.kdamond(k)}/state', 'on')


def make_memcg():
    root = '/sys/fs/cgroup'
    if not os.path.exists(f'{root}/cgroup.controllers'):
        return None
    try:
        os.makedirs(f'{root}/damon_fuzz', exist_ok=True)
    except OSError:
        return None
    return '/damon_fuzz'


def watchdog(fz, ktap, stop):
    """Print the ring once if the writes stall (a hung write would
    otherwise only show as a kselftest timeout)."""
    while not stop.wait(5):
        if time.monotonic() - fz.last_progress > WATCHDOG_S:
            ktap.diag(f'no write finished for {WATCHDOG_S}s after '
                      f'#{fz.nr}: hung?')
            fz.diag_ring(ktap)
            return


def fuzz(ktap, fz, kmsg, nr_writes):
    child = fz.child
    rnd = fz.rnd
    t0 = time.monotonic()
    first_splat = None
    stop = threading.Event()
    threading.Thread(target=watchdog, args=(fz, ktap, stop),
                     daemon=True).start()
    rebuilds = restarts = 0
    while fz.nr < nr_writes:
        if time.monotonic() - t0 > BUDGET_S:
            ktap.diag(f'time budget of {BUDGET_S:.0f}s spent after '
                      f'{fz.nr} writes')
            break
        if rnd.random() < 0.002:
            child.restart()
            restarts += 1
        try:
            fz.step()
        except Exception as e:  # a fuzzer bug: still run the checks
            ktap.diag(f'#{fz.nr}: fuzzer error: {e!r}')
            fz.diag_ring(ktap)
            break
        if fz.nr % 10 == 0:
            fz.since_on = 0 if fz.sysfs_running() else fz.since_on + 10
        # keep running kdamonds most of the time: rebuild the running
        # baseline after a long stretch without one, or now and then
        if fz.since_on > 300 or rnd.random() < 0.0005:
            try:
                baseline(child, fz.ram)
                rebuilds += 1
            except OSError as e:
                ktap.diag(f'#{fz.nr}: baseline rebuild failed: {e}')
            fz.files = None
            fz.since_on = 0
        if fz.nr % 100 == 0 and kmsg.poll() and first_splat is None:
            first_splat = fz.nr
            ktap.diag(f'first splat seen after write #{fz.nr}:')
            for line in kmsg.splats[:20]:
                ktap.diag(f'  {line}')
            fz.diag_ring(ktap)
    stop.set()
    took = time.monotonic() - t0
    ktap.diag(f'{fz.nr} writes in {took:.1f}s ({fz.nr / took:.0f}/s), '
              f'{restarts} workload restarts, {rebuilds} baseline rebuilds')
    return fz.nr >= nr_writes


def final_config(ktap):
    """A clean one-kdamond vaddr tree starts, commits and stops."""
    m.disable_all()
    fails = []
    w = d.Workload(total_mib=16, hot_mib=4, hot_offset_mib=0)
    try:
        a.setup(ops='vaddr', pids=[w.pid], schemes=[{'action': 'stat'}])
        for cmd, want in (('on', 'on'), ('commit', 'on'), ('off', 'off')):
            err = a.command(cmd)
            st = a.state()
            if err or st != want:
                fails.append(f'{cmd}: err {err}, state {st}')
        a.reset()
    except OSError as e:
        fails.append(str(e))
    finally:
        w.stop()
    return fails


def modules_reset(defaults):
    """Write back every parameter's value of before the run; then
    DAMON_RECLAIM must start and stop."""
    fails = []
    m.disable_all()
    for (mod, p), v in defaults.items():
        if p == 'enabled':
            continue
        err = m.write(mod, p, v)
        got = m.read(mod, p)
        if err or (p not in VOLATILE and got != v):
            fails.append(f'{mod}.{p} <- {v!r}: err {err}, reads {got!r}')
    if os.path.isdir(m.params_dir('damon_reclaim')):
        err = m.write('damon_reclaim', 'enabled', 'Y')
        if err or not d.wait_for(lambda: m.running('damon_reclaim'), 10):
            fails.append(f'DAMON_RECLAIM enable: err {err}, not running')
        err = m.write('damon_reclaim', 'enabled', 'N')
        if err or not d.wait_for(
                lambda: m.read('damon_reclaim', 'enabled') == 'N', 10):
            fails.append(f'DAMON_RECLAIM disable: err {err}')
    return fails


def main():
    tests = ['fuzz_writes', 'failed_writes_unchanged',
             'module_enable_exclusive', 'no_splat', 'valid_config_works',
             'modules_reset']
    ktap = d.Ktap(len(tests))
    if not a.exists('kdamonds/nr_kdamonds'):
        for t in tests:
            ktap.result(True, t, 'no DAMON sysfs interface')
        ktap.finish()
    seed = int(os.environ.get('DAMON_FUZZ_SEED') or time.time_ns() % 10**9)
    nr_writes = int(os.environ.get('DAMON_FUZZ_WRITES') or 10000)
    ktap.diag(f'seed {seed} (DAMON_FUZZ_SEED={seed} replays it), '
              f'{nr_writes} writes')
    rnd = random.Random(seed)
    signal.signal(signal.SIGALRM, on_alarm)
    kmsg = Kmsg()
    m.disable_all()
    defaults = {(mod, p): m.read(mod, p) for mod in m.MODULES
                if os.path.isdir(m.params_dir(mod))
                for p in os.listdir(m.params_dir(mod))
                if os.stat(os.path.join(m.params_dir(mod), p))
                .st_mode & 0o200}
    ram = d.system_ram_span()
    child = Child()
    fz = Fuzzer(rnd, child, ram)
    fz.memcg = make_memcg()
    try:
        baseline(child, ram)
        done = fuzz(ktap, fz, kmsg, nr_writes)
    finally:
        child.stop()
    for res, n in sorted(fz.counts.items(), key=lambda kv: -kv[1]):
        ktap.diag(f'writes {res}: {n}')
    ktap.diag(f'writes interrupted after {WRITE_TIMEOUT_S}s (counted as '
              f'EINTR): {fz.timeouts}')
    for w in fz.interrupted[:20]:
        ktap.diag(f'  interrupted: {w}')
    ktap.result(done, 'fuzz_writes')
    a.report(ktap, 'failed_writes_unchanged', fz.unchanged_fails)
    a.report(ktap, 'module_enable_exclusive', fz.exclusive_fails)

    final = final_config(ktap)
    mods = modules_reset(defaults)
    if fz.memcg:
        try:
            os.rmdir('/sys/fs/cgroup/damon_fuzz')
        except OSError:
            pass
    kmsg.poll()
    a.report(ktap, 'no_splat', kmsg.splats)
    a.report(ktap, 'valid_config_works', final)
    a.report(ktap, 'modules_reset', mods)
    if fz.unchanged_fails or fz.exclusive_fails or kmsg.splats or \
            final or mods or not done:
        ktap.diag(f'seed {seed}')
        fz.diag_ring(ktap)
    ktap.finish()


if __name__ == '__main__':
    main()
