#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON: races between kdamonds, their targets, commands and modules.

Each case races things that a wrong implementation gets wrong by hanging
or by splatting (the driver finds splats in the guest's kernel log):

target_exit_during_commit
    vaddr targets that exit (killed, or on their own) while "commit"
    changes the attributes and schemes of the running kdamond.  With a
    long-lived second target the kdamond keeps running; alone, the dying
    target makes it stop by itself.
target_exit_during_walk
    the same with update_schemes_tried_regions / _tried_bytes (damos_walk)
    in flight and tried_regions being read.
target_exit_during_action
    a target of 256 MiB in huge pages and 32 MiB in small ones, killed
    while a scheme acts on it (pageout, hugepage, collapse, migrate_cold
    to node 1, stat).
shrink_during_tried_regions_update
    nr_schemes, nr_targets and nr_kdamonds written smaller (removing the
    directories tried_regions fills) while update_schemes_tried_regions
    waits, and the target dies in half of the rounds.
stop_with_queued_calls
    "off", or the end of the only target, while other threads keep sending
    the commands that go through damon_call(), with the refresh call
    repeating and long samples that keep calls queued.
modules_vs_sysfs
    DAMON_RECLAIM, DAMON_LRU_SORT and DAMON_STAT enabled and disabled (and
    committed) while a sysfs kdamond starts and stops: 0 or EBUSY, and a
    consistent state at the end.
two_kdamonds_conflicting_actions
    two kdamonds on the same process with conflicting actions, while it
    verifies its memory: no corruption, both stop cleanly.

Every command must return 0 or an errno a race explains; every blocking
operation has a deadline (OP_DEADLINE_S), past which the test reports the
hang, kills its children and exits.  After each case a fresh
start/commit/stop must work.  DAMON_RACE_SECONDS (default 8) is the time
budget of a case; raise it for slow (KASAN) guests or longer soaks.
DAMON_RACE_CASES, a comma-separated list of case names, runs only those;
DAMON_RACE_SEED repeats a run's random choices.
"""

import collections
import contextlib
import errno
import os
import random
import subprocess
import threading
import time
import traceback

import actions_integrity as ai
import damon_admin as da
import damon_e2e as d
import damon_modules as m
import damos_checks as c
import sysfs_admin as a

BUDGET_S = float(os.environ.get('DAMON_RACE_SECONDS', 8))
# one blocking operation: a command, a child's start, a join
OP_DEADLINE_S = 100 + 2 * BUDGET_S
# a kdamond whose only target died must stop by itself within this
SELF_STOP_S = 15
# errors a racing command or file access may see besides success
RACE_ERRNOS = frozenset({errno.ENOENT, errno.ENODEV, errno.EINVAL,
                         errno.ECANCELED, errno.EBUSY})
# commands that go through damon_call()
CALL_COMMANDS = ('commit', 'update_schemes_stats',
                 'update_schemes_effective_quotas', 'update_tuned_intervals',
                 'update_schemes_tried_regions', 'update_schemes_tried_bytes',
                 'commit_schemes_quota_goals')
ALL_PATTERN = {'access_pattern/sz/max': da.ULONG_MAX,
               'access_pattern/sz/min': 0,
               'access_pattern/nr_accesses/max': da.UINT_MAX,
               'access_pattern/nr_accesses/min': 0,
               'access_pattern/age/max': da.UINT_MAX,
               'access_pattern/age/min': 0}
WORKLOAD = os.path.join(d.HERE, 'damos_workload')
PAIR_QUOTA = {'quotas/ms': 20, 'quotas/reset_interval_ms': 100}
# the target an action works on: big, so that the action takes long; in
# huge pages (and a part in small ones), which TCG fills much faster
ACTION_MIB = 256
ACTION_SMALL_MIB = 32
C0 = a.ctx(0)


def ms_since(t0):
    return int((time.monotonic() - t0) * 1000)


def errname(err):
    return errno.errorcode.get(err, str(err)) if err else 'ok'


# ==================== hang guard and children ====================

class Watchdog(threading.Thread):
    """Turns an operation that does not return into a failure.

    Operations run inside op(); one that takes longer than OP_DEADLINE_S
    fails the case and the rest of the plan, with the kernel stack of the
    thread stuck in it, and ends the test (killing its children first:
    a child left holding the output would stall the runner).
    """

    def __init__(self):
        super().__init__(name='watchdog', daemon=True)
        self.lock = threading.Lock()
        self.ops = {}
        self.token = 0
        self.ktap = None
        self.names = []
        self.slowest = {}

    @contextlib.contextmanager
    def op(self, what):
        with self.lock:
            self.token += 1
            token = self.token
            self.ops[token] = (what, time.monotonic(),
                               threading.get_native_id())
        try:
            yield
        finally:
            with self.lock:
                _, t0, _ = self.ops.pop(token)
                took = time.monotonic() - t0
                key = what.split(' ')[0]
                if took > self.slowest.get(key, ('', 0))[1]:
                    self.slowest[key] = (what, took)

    def take_slowest(self, nr=3):
        """The nr slowest operations since the last call, by kind."""
        with self.lock:
            ops = sorted(self.slowest.values(), key=lambda v: -v[1])
            self.slowest = {}
        return ', '.join(f'{w} {s:.1f} s' for w, s in ops[:nr])

    def run(self):
        while True:
            time.sleep(1)
            now = time.monotonic()
            with self.lock:
                late = [v for v in self.ops.values()
                        if now - v[1] > OP_DEADLINE_S]
            if late:
                self.fail(late, now)

    def fail(self, late, now):
        for what, t0, tid in late:
            self.ktap.diag(f'HUNG: {what} for {now - t0:.0f} s')
            try:
                with open(f'/proc/self/task/{tid}/stack') as f:
                    self.ktap.diag(f.read())
            except OSError:
                pass
        while self.ktap.nr < len(self.names):
            self.ktap.result(False, self.names[self.ktap.nr])
        Children.kill_all()
        os._exit(1)


WD = Watchdog()


class Children:
    """Child processes, all killed at the end of each case."""

    live = set()
    lock = threading.Lock()

    @classmethod
    def add(cls, proc):
        with cls.lock:
            cls.live.add(proc)

    @classmethod
    def reap(cls, proc):
        with WD.op(f'reaping child {proc.pid}'):
            proc.wait()
        with cls.lock:
            cls.live.discard(proc)

    @classmethod
    def kill_all(cls):
        with cls.lock:
            procs = list(cls.live)
            cls.live.clear()
        for p in procs:
            if p.poll() is None:
                p.kill()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                pass


class Child:
    """A damos_workload target: cold MiB written once, hot MiB written in
    a loop, thp MiB written once in huge pages; it exits when its input
    ends, or dies by kill()."""

    def __init__(self, cold=4, hot=1, node=None, thp=0):
        args = [WORKLOAD, '-c', str(cold)]
        for opt, mib in (('-H', hot), ('-t', thp)):
            if mib:
                args += [opt, str(mib)]
        if node is not None:
            args += ['-n', str(node)]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        Children.add(self.proc)
        self.pid = self.proc.pid
        with WD.op(f'damos_workload {self.pid} start'):
            for line in self.proc.stdout:
                if line.strip() == 'ready':
                    return
        Children.reap(self.proc)
        raise RuntimeError('damos_workload did not start')

    def kill(self):
        self.proc.kill()

    def exit(self):
        """Make it exit on its own (end of input)."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def end(self, own_exit=None):
        """kill() or exit(); own_exit None picks one at random."""
        if own_exit is None:
            own_exit = random.random() < 0.5
        if own_exit:
            self.exit()
        else:
            self.kill()
        Children.reap(self.proc)


# ==================== results ====================

class Tally:
    """What a case did, by operation and result, and what went wrong."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = collections.Counter()
        self.fails = []

    def add(self, what, err, ok=RACE_ERRNOS):
        with self.lock:
            self.counts[f'{what} {errname(err)}'] += 1
            if err and err not in ok:
                self.fails.append(f'{what}: unexpected {errname(err)}')

    def count(self, what, n=1):
        with self.lock:
            self.counts[what] += n

    def fail(self, msg):
        with self.lock:
            self.fails.append(msg)

    def lines(self):
        by_op = collections.defaultdict(list)
        for key, n in sorted(self.counts.items()):
            op, _, res = key.rpartition(' ')
            by_op[op or key].append(f'{res} {n}' if op else str(n))
        return [f'{op}: {", ".join(v)}' for op, v in by_op.items()]


def command(t, cmd, k=0, ok=RACE_ERRNOS, what=None):
    """Write cmd to kdamond k's state under the watchdog; its errno,
    counted as what (default: cmd)."""
    with WD.op(f'"{cmd}" to kdamond {k}'):
        err = a.command(cmd, k)
    t.add(what or cmd, err, ok)
    return err


def write(t, p, value, ok=RACE_ERRNOS, what=None):
    with WD.op(f'writing {value} to {p}'):
        err = a.write(p, value)
    t.add(what or os.path.basename(p), err, ok)
    return err


def read_tolerant(t, p, what):
    """Read p, which may vanish meanwhile."""
    with WD.op(f'reading {p}'):
        try:
            a.read(p)
            err = 0
        except OSError as e:
            err = e.errno
    t.add(what, err)


def until(t, what, fn, timeout=OP_DEADLINE_S, retry=(errno.EBUSY,)):
    """Call fn() (returns an errno) until it returns something else than
    retry; the last errno.  Polling, so each call is short."""
    deadline = time.monotonic() + timeout
    while True:
        err = fn()
        if err not in retry or time.monotonic() > deadline:
            if err in retry:
                t.fail(f'{what}: still {errname(err)} after {timeout} s')
            return err
        time.sleep(0.01)


def wait_state(k, want, timeout):
    return a.wait_for(lambda: a.state(k) == want, timeout)


def kdamond_stack(k=0):
    """The kernel stack of kdamond k, to show where it spends its time."""
    try:
        with open(f'/proc/{int(a.read(f"{a.kdamond(k)}/pid"))}/stack') as f:
            return f.read().strip()
    except (OSError, ValueError):
        return '(gone)'


def wait_self_stop(t, what, k=0):
    """Wait for kdamond k to stop by itself; a failure shows its stack."""
    if wait_state(k, 'off', SELF_STOP_S):
        return True
    t.fail(f'{what}: the kdamond did not stop {SELF_STOP_S} s after its '
           f'target died; its stack:\n{kdamond_stack(k)}')
    return False


class Loop(threading.Thread):
    """Calls step(i) until stop is set; an exception is a failure."""

    def __init__(self, t, name, step, stop):
        super().__init__(name=name, daemon=True)
        self.t, self.step, self.stop = t, step, stop
        self.count = 0

    def run(self):
        while not self.stop.is_set():
            try:
                self.step(self.count)
            except Exception as e:  # pylint: disable=broad-except
                self.t.fail(f'{self.name}: {type(e).__name__}: {e}')
                return
            self.count += 1


@contextlib.contextmanager
def loops(t, steps):
    """Run steps, {name: step(i)}, in threads for the with block."""
    stop = threading.Event()
    threads = [Loop(t, name, step, stop) for name, step in steps.items()]
    for th in threads:
        th.start()
    try:
        yield
    finally:
        stop.set()
        for th in threads:
            with WD.op(f'joining {th.name}'):
                th.join()
            t.count(f'{th.name} loops', th.count)


def cycle(t, cmds, k=0):
    def step(i):
        command(t, cmds[i % len(cmds)], k)
    return step


def cleanup():
    """Best effort: no kdamond, no module, no directory left."""
    m.disable_all()
    if not a.exists('kdamonds/nr_kdamonds'):
        return
    deadline = time.monotonic() + OP_DEADLINE_S
    while time.monotonic() < deadline:
        for k in range(int(a.read('kdamonds/nr_kdamonds'))):
            if a.state(k) == 'on':
                a.command('off', k)
        if not a.write('kdamonds/nr_kdamonds', 0):
            return
        time.sleep(0.1)


def still_works():
    """A fresh start, commit, update and stop; the failures."""
    t = Tally()
    with WD.op('fresh start/commit/stop'):
        a.setup(ops='paddr', schemes=[{'action': 'stat'}])
        ok = command(t, 'on', ok=()) == 0 and a.state() == 'on'
        ok = ok and command(t, 'commit', ok=()) == 0
        ok = ok and command(t, 'update_schemes_stats', ok=()) == 0
        ok = ok and command(t, 'off', ok=()) == 0 and a.state() == 'off'
        a.reset()
    if not ok:
        t.fail('fresh start/commit/stop failed')
    return t.fails


# ==================== target exits ====================

def vaddr_setup(pids, schemes, sample_us=2000, aggr_us=20000,
                nr_kdamonds=1):
    a.setup(ops='vaddr', pids=pids, schemes=schemes, sample_us=sample_us,
            aggr_us=aggr_us, nr_kdamonds=nr_kdamonds)


def transient_child():
    """A small target, single-threaded or not: their exits differ."""
    return Child(1, random.choice([0, 1]))


def exits_with_anchor(t, budget, stat_schemes):
    """Target 1 is a child that dies, over and over; target 0 lives, so
    the kdamond must keep running."""
    with contextlib.ExitStack() as stack:
        anchor = Child(8, 2)
        stack.callback(anchor.end, False)
        child = transient_child()
        vaddr_setup([anchor.pid, child.pid], stat_schemes)
        until(t, 'on', lambda: command(t, 'on', ok={errno.EBUSY}))
        deadline = time.monotonic() + budget
        while True:
            time.sleep(random.uniform(0, 0.05))
            child.end()
            t.count('targets exited')
            if a.state() != 'on':
                t.fail('the kdamond stopped, its first target still alive')
                return
            if time.monotonic() > deadline:
                break
            child = transient_child()
            write(t, f'{C0}/targets/1/pid_target', child.pid, ok=())
        until(t, 'off', lambda: command(t, 'off', ok={errno.EBUSY}))


def exits_alone(t, budget, stat_schemes):
    """The only target dies, over and over: the kdamond stops itself."""
    vaddr_setup([os.getpid()], stat_schemes)
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        child = transient_child()
        write(t, f'{C0}/targets/0/pid_target', child.pid, ok=())
        err = until(t, 'on', lambda: command(t, 'on', ok={errno.EBUSY}))
        time.sleep(random.uniform(0, 0.05))
        child.end()
        t.count('targets exited')
        if not err and not wait_self_stop(t, 'only target'):
            return


def committer(t):
    """Change attributes and schemes, then commit them."""
    def step(i):
        write(t, f'{C0}/monitoring_attrs/intervals/aggr_us',
              20000 + 10000 * (i % 3), what='aggr_us')
        s = a.scheme(0)
        write(t, f'{s}/action', ('stat', 'cold')[i % 2], what='action')
        write(t, f'{s}/access_pattern/age/min', i % 2, what='age/min')
        command(t, 'commit')
    return step


def target_exit_race(t, steps):
    schemes = [dict(ALL_PATTERN, action='stat')]
    with loops(t, steps):
        exits_with_anchor(t, BUDGET_S / 2, schemes)
    cleanup()
    with loops(t, steps):
        exits_alone(t, BUDGET_S / 2, schemes)
    return t


def case_commit():
    t = Tally()
    return target_exit_race(t, {'commit': committer(t)})


def tried_reader(t):
    def step(i):
        s = a.scheme(0)
        read_tolerant(t, f'{s}/tried_regions_all', 'read tried_regions_all')
        for f in list(a.walk_files(f'{s}/tried_regions'))[:64]:
            read_tolerant(t, f, 'read tried_regions/*')
    return step


def case_walk():
    t = Tally()
    return target_exit_race(t, {
        'walk': cycle(t, ['update_schemes_tried_regions',
                          'update_schemes_tried_bytes',
                          'update_schemes_tried_regions']),
        'reader': tried_reader(t)})


def action_schemes(action):
    s = dict(ALL_PATTERN, action=action)
    if action == 'migrate_cold':
        s['target_nid'] = 1
    return [s]


def enter_swap(stack, t):
    """zram swap for pageout until @stack closes, if the kernel has it."""
    try:
        stack.enter_context(c.ZramSwap())
    except (da.Unsupported, OSError, subprocess.CalledProcessError):
        t.count('pageout without swap')


def case_action():
    t = Tally()
    actions = ['pageout', 'hugepage', 'collapse', 'stat']
    if c.nr_nodes() >= 2:
        actions.insert(3, 'migrate_cold')
    refused = set()
    with contextlib.ExitStack() as stack:
        enter_swap(stack, t)
        deadline = time.monotonic() + BUDGET_S
        i = 0
        # every action once, then more while the budget lasts
        while i < len(actions) or time.monotonic() < deadline:
            action = actions[i % len(actions)]
            i += 1
            if len(refused) == len(actions):
                break
            if action in refused:
                continue
            t0 = time.monotonic()
            child = Child(cold=ACTION_SMALL_MIB, hot=0, node=0,
                          thp=ACTION_MIB)
            t.count('child start ms', ms_since(t0))
            vaddr_setup([child.pid], action_schemes(action),
                        sample_us=1000, aggr_us=10000)
            err = command(t, 'on', ok={errno.EINVAL}, what=f'on ({action})')
            if err:
                refused.add(action)
                child.end(False)
                continue
            # until the scheme has tried something, or a while
            a.wait_for(lambda: command(t, 'update_schemes_stats') == 0
                       and int(a.read(f'{a.scheme(0)}/stats/sz_tried')),
                       random.uniform(0.1, 1.5), 0.1)
            time.sleep(random.uniform(0, 0.1))
            t0 = time.monotonic()
            child.end(False)
            t.count(f'killed during {action}')
            if not wait_self_stop(t, action):
                break
            t.count(f'{action} kill to stop ms', ms_since(t0))
            cleanup()
    if refused:
        t.count(f'refused actions: {" ".join(sorted(refused))}')
    return t


# ==================== directories going away ====================

def shrinker(t, f, values, after=None):
    def step(i):
        if not write(t, f, values[i % len(values)]) and after:
            after(i)
        time.sleep(0.002)
    return step


def case_shrink():
    """Each round: kdamond 0 on a child, kdamond 1 off; tried_regions
    updates of kdamond 0 while nr_schemes, nr_targets and nr_kdamonds
    shrink and grow; in every other round the child dies mid-round."""
    t = Tally()
    deadline = time.monotonic() + BUDGET_S
    rounds = 0
    while time.monotonic() < deadline:
        rounds += 1
        child = Child(16, 2)
        vaddr_setup([child.pid], [dict(ALL_PATTERN, action='stat')] * 2,
                    nr_kdamonds=2)
        command(t, 'on', ok=())

        def retarget(i, pid=child.pid):
            if i % 2:
                write(t, f'{C0}/targets/0/pid_target', pid)

        steps = {
            'tried': cycle(t, ['update_schemes_tried_regions',
                               'update_schemes_tried_regions',
                               'update_schemes_tried_bytes']),
            'nr_schemes': shrinker(t, f'{C0}/schemes/nr_schemes',
                                   [1, 0, 2]),
            'nr_targets': shrinker(t, f'{C0}/targets/nr_targets', [0, 1],
                                   retarget),
            'nr_kdamonds': shrinker(t, 'kdamonds/nr_kdamonds', [1, 2]),
            'reader': tried_reader(t),
        }
        with loops(t, steps):
            time.sleep(random.uniform(0.2, 0.8))
            if rounds % 2:
                child.end(False)
                t.count('targets exited')
                if a.exists('kdamonds/0/state'):
                    wait_self_stop(t, 'shrink round')
            time.sleep(random.uniform(0, 0.3))
        child.end(False)
        cleanup()
        if a.exists('kdamonds/0'):
            t.fail('nr_kdamonds 0 did not remove the kdamonds')
            break
    t.count('rounds', rounds)
    return t


# ==================== stopping with calls queued ====================

def case_stop_queued():
    """Three threads keep sending damon_call() commands while the kdamond
    is stopped by "off" or by the end of its only target."""
    t = Tally()
    deadline = time.monotonic() + BUDGET_S
    steps = {f'calls{n}': cycle(t, CALL_COMMANDS[n:] + CALL_COMMANDS[:n])
             for n in range(3)}
    child = None
    rounds = 0
    with loops(t, steps):
        while time.monotonic() < deadline:
            rounds += 1
            child = Child()
            # long samples keep calls waiting in the queue
            sample = random.choice([2000, 50000, 100000])
            with WD.op('setup'):
                vaddr_setup([child.pid], [dict(ALL_PATTERN, action='stat')],
                            sample_us=sample, aggr_us=2 * sample)
                a.must_write(a.kdamond(0) + '/refresh_ms', 1)
            until(t, 'on', lambda: command(t, 'on', ok={errno.EBUSY}))
            time.sleep(random.uniform(0, 0.3))
            if rounds % 2:
                until(t, 'off', lambda: command(
                    t, 'off', ok={errno.EBUSY, errno.EINVAL}))
                child.end(False)
            else:
                child.end(False)
                t.count('targets exited')
            if not wait_self_stop(t, 'queued calls round'):
                break
            # directories may only go once no command waits
            until(t, 'nr_kdamonds 0', lambda: write(
                t, 'kdamonds/nr_kdamonds', 0, ok={errno.EBUSY}))
    t.count('rounds', rounds)
    return t


# ==================== modules against sysfs ====================

def module_step(t, mods):
    def step(i):
        mod = mods[i % len(mods)]
        with WD.op(f'{mod} enabled Y'):
            err = m.write(mod, 'enabled', 'Y')
        t.add(f'{mod} enable', err, ok={errno.EBUSY})
        if err:
            if m.read(mod, 'enabled') != 'N' or m.pid(mod) != -1:
                t.fail(f'{mod}: refused to enable, but reads enabled')
            return
        if m.read(mod, 'enabled') != 'Y' or not m.is_kdamond(m.pid(mod)):
            t.fail(f'{mod}: enabled, but reads {m.read(mod, "enabled")} '
                   f'with pid {m.pid(mod)}')
        if 'commit_inputs' in m.PARAMETERS[mod]:
            with WD.op(f'{mod} commit_inputs'):
                err = m.write(mod, 'commit_inputs', 'Y')
            t.add(f'{mod} commit_inputs', err, ok=())
        time.sleep(random.uniform(0, 0.05))
        with WD.op(f'{mod} enabled N'):
            err = m.write(mod, 'enabled', 'N')
        t.add(f'{mod} disable', err, ok=())
        if m.read(mod, 'enabled') != 'N' or m.pid(mod) != -1:
            t.fail(f'{mod}: disabled, but reads {m.read(mod, "enabled")} '
                   f'with pid {m.pid(mod)}')
    return step


def sysfs_step(t):
    def step(i):
        err = command(t, 'on', ok={errno.EBUSY})
        if err:
            return
        time.sleep(random.uniform(0, 0.05))
        command(t, 'update_schemes_stats', ok=())
        until(t, 'off', lambda: command(t, 'off', ok={errno.EBUSY}))
        if a.state() != 'off':
            t.fail('sysfs kdamond reads on after off')
    return step


def kdamond_threads():
    out = []
    for p in os.listdir('/proc'):
        if p.isdigit() and m.is_kdamond(p):
            out.append(p)
    return out


def case_modules():
    t = Tally()
    mods = [x for x in m.MODULES if os.path.isdir(m.params_dir(x))]
    if not mods:
        raise da.Unsupported('no DAMON module')
    m.disable_all()
    a.setup(ops='paddr', schemes=[{'action': 'stat'}])
    with loops(t, {'modules': module_step(t, mods),
                   'sysfs': sysfs_step(t)}):
        time.sleep(BUDGET_S)
    for mod in mods:
        if m.read(mod, 'enabled') != 'N' or m.pid(mod) != -1:
            t.fail(f'{mod} left enabled')
    if a.state() != 'off':
        t.fail('sysfs kdamond left on')
    a.reset()
    if not a.wait_for(lambda: not kdamond_threads(), 10):
        t.fail(f'kdamond threads left: {kdamond_threads()}')
    return t


# ==================== two kdamonds, one target ====================

class VerifyLoop(ai.VerifyLoop):
    """verify_loop (see actions_integrity.py): 16 MiB of THP, 16 MiB of
    small pages and 4 MiB of shared memory, verified in a loop."""

    def __init__(self):  # pylint: disable=super-init-not-called
        c.AreasProcess.__init__(
            self, [os.path.join(c.HERE, 'verify_loop'), '-m', '32', '-s',
                   '4', '-p', str(ai.PAUSE_US)], 'verify_loop')
        Children.add(self.proc)


def conflicting_pairs():
    pairs = [('hugepage', 'nohugepage'), ('pageout', 'willneed')]
    if c.nr_nodes() >= 2:
        pairs.append(('migrate_hot', 'migrate_cold'))
    return pairs


def pair_setup(w, pair):
    vaddr_setup([w.pid], [], sample_us=1000, aggr_us=20000, nr_kdamonds=2)
    for k, action in enumerate(pair):
        # a time quota: without one, a pass of two conflicting actions
        # over all of the memory can keep a kdamond from its calls for
        # tens of seconds in a TCG guest (26-50 s seen)
        s = dict(ALL_PATTERN, action=action, **PAIR_QUOTA)
        if action.startswith('migrate'):
            s['target_nid'] = int(action == 'migrate_hot')
        a.set_schemes([s], k)


def run_pair(t, w, pair, seconds):
    pair_setup(w, pair)
    errs = [command(t, 'on', k, ok={errno.EINVAL}, what=f'on ({pair[k]})')
            for k in range(2)]
    if any(errs):
        t.count(f'pair refused: {"/".join(pair)}')
    else:
        time.sleep(seconds)
        for k, action in enumerate(pair):
            if a.state(k) != 'on':
                t.fail(f'{action}: the kdamond stopped, its target alive')
                continue
            command(t, 'update_schemes_stats', k, ok=())
            stats = f'{a.scheme(0, k)}/stats'
            tried = int(a.read(f'{stats}/sz_tried'))
            t.count(f'{action} MiB tried', tried >> 20)
            t.count(f'{action} MiB applied',
                    int(a.read(f'{stats}/sz_applied')) >> 20)
            if not tried:
                t.fail(f'{action}: tried nothing in {seconds:.1f} s')
    for k in range(2):
        if a.state(k) == 'on':
            command(t, 'off', k, ok=())
    st = w.status()
    if st['corrupted_bytes'] or not w.alive():
        t.fail(f'{"/".join(pair)}: {st}')
    a.reset()


def case_two_kdamonds():
    t = Tally()
    pairs = conflicting_pairs()
    with contextlib.ExitStack() as stack:
        enter_swap(stack, t)
        t0 = time.monotonic()
        with WD.op('verify_loop start'):
            w = stack.enter_context(VerifyLoop())
            w.go()
        t.count('verify_loop start ms', ms_since(t0))
        for pair in pairs:
            t0 = time.monotonic()
            with WD.op(f'pair {pair}'):
                run_pair(t, w, pair, max(1.0, BUDGET_S / len(pairs)))
            t.count(f'{"/".join(pair)} ms', ms_since(t0))
        t0 = time.monotonic()
        with WD.op('verify_loop finish'):
            result, status = w.finish()
        t.count('verify_loop finish ms', ms_since(t0))
        t.count('pages verified', result['pages_checked'])
        if status or result['corrupted_bytes'] or result['corrupted_pages']:
            t.fail(f'verify_loop exit status {status}: {result}')
    return t


# ==================== the plan ====================

CASES = [('target_exit_during_commit', case_commit),
         ('target_exit_during_walk', case_walk),
         ('target_exit_during_action', case_action),
         ('shrink_during_tried_regions_update', case_shrink),
         ('stop_with_queued_calls', case_stop_queued),
         ('modules_vs_sysfs', case_modules),
         ('two_kdamonds_conflicting_actions', case_two_kdamonds)]


def run(ktap, name, fn):
    t0 = time.monotonic()
    fails = []
    skip = None
    try:
        t = fn()
        fails += t.fails
        ktap.diag(f'{name}: {time.monotonic() - t0:.1f} s')
        for line in t.lines():
            ktap.diag(f'{name}: {line}')
        ktap.diag(f'{name}: slowest: {WD.take_slowest()}')
    except da.Unsupported as e:
        skip = str(e)
    except Exception as e:  # pylint: disable=broad-except
        fails.append(f'{type(e).__name__}: {e}')
        ktap.diag(traceback.format_exc())
    finally:
        Children.kill_all()
        with WD.op('cleanup'):
            cleanup()
    if skip is not None:
        ktap.result(True, name, skip)
        return
    fails += still_works()
    a.report(ktap, name, fails)


def main():
    names = [n for n, _ in CASES]
    ktap = d.Ktap(len(CASES))
    if not a.exists('kdamonds/nr_kdamonds'):
        c.skip_all(ktap, names, 'no DAMON sysfs interface')
    seed = int(os.environ.get('DAMON_RACE_SEED', time.time()))
    random.seed(seed)
    ktap.diag(f'seed {seed}, {BUDGET_S} s per case, operations time out '
              f'after {OP_DEADLINE_S} s')
    WD.ktap, WD.names = ktap, names
    WD.start()
    cleanup()
    only = os.environ.get('DAMON_RACE_CASES')
    for name, fn in CASES:
        if only and name not in only.split(','):
            ktap.result(True, name, 'not in DAMON_RACE_CASES')
            continue
        run(ktap, name, fn)
    ktap.finish()


if __name__ == '__main__':
    main()
