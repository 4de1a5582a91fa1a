#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON's page_fault sampling primitive, end to end.

fault_threads runs two threads, thread a pinned to CPU 0 and accessing
area a, thread b pinned to CPU 1 and accessing area b (32 MiB each, small
pages); each area was populated from the other CPU, so that with one NUMA
node per CPU it sits on the node of the CPU that does not access it.  A
kdamond, set up through sysfs with monitoring_attrs/sample/primitives
page_table N, page_fault Y, sampling 5 ms, aggregation 100 ms and a stat
scheme for every region, monitors it; from the scheme's tried regions,
polled until a deadline, an area is "found" if at least 90% of its bytes
lie in regions with nr_accesses > 0, and "not seen" if at most 5% do
(sample_write.py's scoring); the workload must also have taken minor
faults while monitored (after its start it takes none of its own):

- vaddr_threads_a, _b: a threads filter (matching Y, allow Y, tid_arr
  the thread's tid) finds the thread's area and does not see the other;
- vaddr_cpumask_0, _1: the same with a cpumask filter of the thread's CPU;
- vaddr_no_filter: both areas found;
- paddr_threads_a, _b: the threads filters on paddr, over the physical
  ranges of the areas' frames, scoring each area by its frames (pagemap);
  skipped, with a diagnostic, if paddr refuses page_fault (EINVAL);
- thp_vaddr_threads_a, _b, thp_vaddr_no_filter, thp_paddr_threads_a:
  those cases again with a second workload (fault_threads -H) whose
  areas are THPs mapped by PMDs, so that DAMON arms and restores PMDs (a
  PMD site covers the whole 2 MiB: every region inside a THP sees its
  faults).  Skipped if less than half of each area is THP-backed
  (AnonHugePages in smaps) at the start; a failure if monitoring left
  less than half of what was (arming must not split them).  The
  diagnostics show AnonHugePages before and after, and how much the
  THP split counters of /proc/vmstat grew.

Around each of those cases, and the ones below, the side effects: the
counters of NUMA balancing (numa_hint_faults, numa_hint_faults_local,
numa_pages_migrated, numa_pte_updates) in /proc/vmstat, where the kernel
has event counters, and in the root memory cgroup's memory.stat (all but
the local hint faults), must not change, the areas must stay on their
nodes (the workload reports them from move_pages(2) on SIGUSR1), every
word the workload wrote must read back as written (its pattern
mismatches stay 0) and /proc/sys/kernel/numa_balancing must read 0.  NUMA balancing is off, so
a fault of DAMON's that leaked into NUMA balancing's path would count a
hint fault and could migrate the page to the accessing CPU's node.  Each
case also lets the workload run 3 s after "off" before the check: a
PROT_NONE entry left behind would then be touched and count as a NUMA
hint fault.  The other cases:

- numa_balancing_off: /proc/sys/kernel/numa_balancing reads 0, and
  numa_hint_faults can be read (/proc/vmstat or memory.stat);
- cross_node_placement: each area is on the node of the CPU that
  populated it, not of its thread's (needs two nodes);
- both_primitives_refused: "on" with both primitives Y, or both N, fails
  with EINVAL and nothing starts;
- on_off_leave_no_entry: the kdamond is turned off again and again while
  the workload runs, most likely between a sample's start and its finish,
  with 5 ms and 200 ms sampling intervals; then the checks above;
- vaddr_workload_killed, paddr_workload_killed: the workload is killed
  while monitored; the kdamond ends (vaddr: its only target is gone) or
  keeps running, and "off" works;
- counters_count_hint_faults, last: with NUMA balancing turned on for a
  while (then off again), a new workload's accesses take hint faults and
  the counter read counts them: the side effect checks are not blind.

The whole test is skipped if the kernel has no page_fault primitive:
"on" with page_fault Y and no filters fails with EINVAL on vaddr.
"""

import errno
import json
import os
import select
import signal
import subprocess
import time

import damon_admin as da
import damon_e2e as d
import damos_checks as c
import sample_write as sw

HERE = os.path.dirname(os.path.abspath(__file__))
AREA_MIB = 32
SAMPLE_US = 5000
AGGR_US = 100000
CASE_TIMEOUT_S = 25
# every measuring case keeps this much of the kselftest timeout (300 s in
# settings) for the rest of the test, so that failing cases still finish
BUDGET_S = 200
# The workload runs on after "off" before the checks: more than the 2 s
# period of the memcg statistics flush (FLUSH_TIME in mm/memcontrol.c)
LEFTOVER_S = 3
STATE_TIMEOUT_S = 10
NUMA_COUNTERS = ('numa_hint_faults', 'numa_hint_faults_local',
                 'numa_pages_migrated', 'numa_pte_updates')
# The root memory cgroup counts them too (but the local hint faults), for
# all cgroups, also where /proc/vmstat has no event counters
# (CONFIG_VM_EVENT_COUNTERS=n)
MEMCG_STAT = os.path.join(c.CGROUP_ROOT, 'memory.stat')
NUMA_BALANCING = '/proc/sys/kernel/numa_balancing'
THP_ENABLED = '/sys/kernel/mm/transparent_hugepage/enabled'
THP_SPLITS = ('thp_split_pmd', 'thp_split_page')


class Refused(Exception):
    """The kdamond refused "on" with EINVAL."""


class FaultThreads:
    """A fault_threads process: pid, tids and areas by name ('a' is
    thread 0's on CPU 0, 'b' thread 1's on CPU 1), nodes0, the areas'
    placement when it started, and mismatches, the pattern mismatches of
    each thread as of the last state(); huge maps the areas
    MADV_HUGEPAGE."""

    NAMES = ('a', 'b')

    def __init__(self, mib=AREA_MIB, huge=False):
        self.proc = subprocess.Popen(
            [os.path.join(HERE, 'fault_threads'), '-s', str(mib)] +
            (['-H'] if huge else []),
            stdout=subprocess.PIPE, text=True)
        line = self._line()
        if not line:
            self.stop()
            raise RuntimeError('fault_threads did not start')
        info = json.loads(line)
        self.pid = info['pid']
        self.tids = dict(zip(self.NAMES, info['tids']))
        self.areas = {n: tuple(a) for n, a in zip(self.NAMES, info['areas'])}
        self.nodes0 = self._nodes(info)
        self.mismatches = dict(zip(self.NAMES, info['mismatches']))

    def _line(self, timeout=60):
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        return self.proc.stdout.readline() if ready else ''

    def _nodes(self, info):
        """{area name: {node: pages}} of a JSON line."""
        return {n: {int(k): v for k, v in nodes.items()}
                for n, nodes in zip(self.NAMES, info['nodes'])}

    def state(self):
        """(nodes as in nodes0, {area name: passes so far})."""
        self.proc.send_signal(signal.SIGUSR1)
        line = self._line()
        if not line:
            raise RuntimeError('fault_threads does not answer SIGUSR1')
        info = json.loads(line)
        self.mismatches = dict(zip(self.NAMES, info['mismatches']))
        return self._nodes(info), dict(zip(self.NAMES, info['passes']))

    def anon_huge_kb(self):
        """{area name: AnonHugePages of its mapping in KiB} (smaps)."""
        heads = {f'{s:x}-': n for n, (s, _) in self.areas.items()}
        kb, name = dict.fromkeys(self.NAMES, 0), None
        with open(f'/proc/{self.pid}/smaps') as f:
            for line in f:
                first = line.split(maxsplit=1)[0]
                if not first.endswith(':'):	# a mapping's first line
                    name = heads.get(first.split('-')[0] + '-')
                elif name and first == 'AnonHugePages:':
                    kb[name] += int(line.split()[1])
        return kb

    def minflt(self):
        """Minor faults of all its threads so far: after the start, only
        those DAMON makes them take."""
        with open(f'/proc/{self.pid}/stat') as f:
            return int(f.read().rsplit(')', 1)[1].split()[7])

    def region(self, name):
        return self.areas[name]

    def phys(self, name):
        """The byte ranges of the frames behind area name."""
        return d.pfn_ranges(c.present_pfns(self.pid, *self.areas[name]))

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class FaultKdamond(da.Kdamond):
    """A Kdamond that also stages monitoring_attrs/sample/: the primitives
    (page_fault only by default) and the filters (dicts of file name to
    value, in the order written).  start() raises Refused if "on" fails
    with EINVAL."""

    def __init__(self, ctx, filters=(), page_table='N', page_fault='Y'):
        super().__init__(ctx)
        self.filters = filters
        self.page_table = page_table
        self.page_fault = page_fault

    def write_context(self):
        super().write_context()
        s = os.path.join(self.ctx_dir, 'monitoring_attrs', 'sample')
        da.write(os.path.join(s, 'primitives', 'page_table'), self.page_table)
        da.write(os.path.join(s, 'primitives', 'page_fault'), self.page_fault)
        da.write(os.path.join(s, 'filters', 'nr_filters'), len(self.filters))
        for i, f in enumerate(self.filters):
            for name, value in f.items():
                da.write(os.path.join(s, 'filters', str(i), name), value)

    def start(self):
        self.write_config()
        try:
            self.command('on')
        except OSError as e:
            if e.errno == errno.EINVAL:
                raise Refused(f'"on" refused (EINVAL): {self.ctx.ops}, '
                              f'page_table {self.page_table}, page_fault '
                              f'{self.page_fault}, {len(self.filters)} '
                              'filters') from e
            raise


def threads_filter(tid):
    return ({'type': 'threads', 'matching': 'Y', 'allow': 'Y',
             'tid_arr': tid},)


def cpumask_filter(cpu):
    return ({'type': 'cpumask', 'matching': 'Y', 'allow': 'Y',
             'cpumask': cpu},)


def context(ops, w, sample_us=SAMPLE_US, aggr_us=AGGR_US):
    """A context of ops on w with a stat scheme trying every region;
    paddr monitors the physical ranges of both areas' frames."""
    if ops == 'vaddr':
        target = da.Target(pid=w.pid)
    else:
        target = da.Target(regions=c.phys_ranges([(w, n) for n in w.NAMES]))
    return da.Context(ops, targets=[target], schemes=[da.Scheme('stat')],
                      sample_us=sample_us, aggr_us=aggr_us,
                      max_nr_regions=200)


# ==================== side effects ====================

def _counters(path, prefix):
    values = {}
    try:
        with open(path) as f:
            for line in f:
                name, value = line.split()
                if name in NUMA_COUNTERS:
                    values[prefix + name] = int(value)
    except OSError:
        pass
    return values


def vmstat():
    """Those of NUMA_COUNTERS that /proc/vmstat and the root memcg's
    memory.stat ("memcg:" names) have, as a dict."""
    if not os.path.exists(MEMCG_STAT):
        subprocess.run(['mount', '-t', 'cgroup2', 'none', c.CGROUP_ROOT],
                       check=False, stderr=subprocess.DEVNULL)
    values = _counters('/proc/vmstat', '')
    values.update(_counters(MEMCG_STAT, 'memcg:'))
    return values


def numa_balancing():
    try:
        return c.read_file(NUMA_BALANCING)
    except OSError:
        return None


def side_effects(w, before):
    """What changed that must not have since before (vmstat()): NUMA
    balancing's counters, the areas' nodes, NUMA balancing's switch."""
    after = vmstat()
    fails = [f'{n} {before.get(n)} -> {after.get(n)}'
             for n in sorted(set(before) | set(after))
             if after.get(n) != before.get(n)]
    if w is not None and w.proc.poll() is None:
        nodes, _ = w.state()
        if nodes != w.nodes0:
            fails.append(f'nodes {w.nodes0} -> {nodes}')
        if any(w.mismatches.values()):
            fails.append(f'pattern mismatches {w.mismatches}')
    if numa_balancing() != '0':
        fails.append(f'numa_balancing reads {numa_balancing()!r}')
    return fails


# ==================== measuring ====================

class Budget:
    """The time left for the measuring cases, shared fairly."""

    def __init__(self, nr_cases):
        self.end = time.monotonic() + BUDGET_S
        self.left = nr_cases

    def timeout(self):
        share = (self.end - time.monotonic()) / max(self.left, 1)
        self.left = max(self.left - 1, 0)
        return max(5, min(CASE_TIMEOUT_S, share - LEFTOVER_S - 2))


def measure(ops, w, filters, hot, cold, timeout):
    """Monitor w with ops and filters until the areas hot are found and
    the areas cold not seen, or timeout seconds pass; then "off", and the
    side effects after LEFTOVER_S more seconds.  Returns the best
    snapshot as sample_write.measure() does, with side (the side effects)
    and passes (of each thread while monitored)."""
    if ops == 'paddr':
        ranges = {n: w.phys(n) for n in hot + cold}
    else:
        ranges = {n: [w.region(n)] for n in hot + cold}
    before = vmstat()
    k = FaultKdamond(context(ops, w), filters)
    with k:
        (_, p0), f0 = w.state(), w.minflt()
        best = sw.watch(k, ranges, hot, cold, timeout)
        best['faults'] = w.minflt() - f0
        _, p1 = w.state()
        best['passes'] = {n: p1[n] - p0[n] for n in w.NAMES}
    time.sleep(LEFTOVER_S)
    best['side'] = side_effects(w, before)
    return best


def describe(r):
    return (', '.join(f'{n} {f:.3f}' for n, f in r['areas'].items()) +
            f" in regions with accesses, {r['nr_regions']} regions, after "
            f"{r['at']:.1f} s; kdamond running {r['running']}, "
            f"{r['kdamond_cpu_s']:.1f} s CPU; {r['faults']} faults; "
            'passes ' +
            ', '.join(f'{n} {p}' for n, p in r['passes'].items()) +
            '; side effects: ' + ('; '.join(r['side']) or 'none'))


class Case:
    """A measuring case: hot areas found, cold ones not seen."""

    def __init__(self, w, budget, ops, filters, hot, cold=()):
        self.w, self.budget = w, budget
        self.ops, self.filters, self.hot, self.cold = ops, filters, hot, cold

    def __call__(self):
        try:
            r = measure(self.ops, self.w, self.filters(self.w), self.hot,
                        self.cold, self.budget.timeout())
        except Refused as e:
            if self.ops == 'paddr':
                raise da.Unsupported(str(e)) from e
            raise
        diag = describe(r)
        # the accesses were seen by faults, not Accessed bits
        ok = r['ok'] and r['running'] and not r['side'] and r['faults'] > 0
        if not r['ok']:
            diag += '\nlast tried regions: ' + ' '.join(
                f'{s:#x}-{e:#x}:{n}' for s, e, n, _ in r['last'])
            diag += '\nareas: ' + ' '.join(
                f'{n} {s:#x}-{e:#x}' for n, (s, e) in self.w.areas.items())
        return ok, diag


class ThpCase(Case):
    """A Case on THP-backed areas that also fails if monitoring split
    more than half of them."""

    def __call__(self):
        before, splits = self.w.anon_huge_kb(), thp_splits()
        ok, diag = super().__call__()
        after = self.w.anon_huge_kb()
        split = [n for n in self.w.NAMES if 2 * after[n] < before[n]]
        diag += (f'; AnonHugePages kB before {before}, after {after}; ' +
                 ', '.join(f'{n} +{v - splits.get(n, 0)}'
                           for n, v in thp_splits().items()))
        if split:
            diag += f'; less than half of {split} still THP-backed'
        return ok and not split, diag


def thp_splits():
    """THP_SPLITS of /proc/vmstat (all processes: diagnostics only)."""
    with open('/proc/vmstat') as f:
        return {n: int(v) for n, v in (line.split() for line in f)
                if n in THP_SPLITS}


def thp_mode():
    """The THP switch's selected mode ('always', 'madvise', 'never'), or
    None without THP."""
    try:
        value = c.read_file(THP_ENABLED)
    except OSError:
        return None
    return value.split('[', 1)[1].split(']', 1)[0] if '[' in value else None


def run_thp_cases(ktap, budget, cases):
    """The ThpCases (name, ops, filters, hot, cold) on a fault_threads -H
    workload, all skipped if it did not get THPs for half of each area."""
    mode = thp_mode()
    if mode not in ('always', 'madvise'):
        for case in cases:
            ktap.result(True, case[0], f'THP mode {mode}')
        return
    with FaultThreads(huge=True) as w:
        kb = w.anon_huge_kb()
        want = {n: (e - s) // 1024 for n, (s, e) in w.areas.items()}
        ktap.diag(f'THP workload ({mode}): areas {w.areas}, tids {w.tids}, '
                  f'nodes {w.nodes0}, AnonHugePages kB {kb} of {want}')
        if any(2 * kb[n] < want[n] for n in w.NAMES):
            for case in cases:
                ktap.result(True, case[0], f'no THPs: AnonHugePages kB {kb}')
            return
        for name, ops, filters, hot, cold in cases:
            c.run_case(ktap, name,
                       ThpCase(w, budget, ops, filters, hot, cold))


# ==================== the other cases ====================

def check_numa_balancing_off():
    """Off, and its counters there: numa_hint_faults at least, from
    /proc/vmstat or the root memcg (the side effect checks read them)."""
    value, counters = numa_balancing(), vmstat()
    hints = {'numa_hint_faults', 'memcg:numa_hint_faults'} & set(counters)
    return value == '0' and bool(hints), (
        f'{NUMA_BALANCING} reads {value!r}; counters: ' +
        (', '.join(f'{n} {v}' for n, v in counters.items()) or 'none'))


def check_placement(w):
    """Area a on CPU 1's node and b on CPU 0's: populated from there."""
    if c.nr_nodes() < 2:
        raise da.Unsupported('one NUMA node')
    want = {'a': cpu_node(1), 'b': cpu_node(0)}
    if want['a'] == want['b']:
        raise da.Unsupported('CPUs 0 and 1 share a node')
    size = {n: (e - s) // c.PAGE_SIZE for n, (s, e) in w.areas.items()}
    ok = all(w.nodes0[n] == {want[n]: size[n]} for n in w.NAMES)
    return ok, f'nodes {w.nodes0}, expected all of a on node {want["a"]}, ' \
               f'all of b on node {want["b"]}'


def cpu_node(cpu):
    d_cpu = f'/sys/devices/system/cpu/cpu{cpu}'
    for name in os.listdir(d_cpu):
        if name.startswith('node') and name[4:].isdigit():
            return int(name[4:])
    return None


def check_both_primitives(w):
    """Both primitives, or neither: EINVAL, and nothing runs."""
    fails = []
    for pt, pf in (('Y', 'Y'), ('N', 'N')):
        k = FaultKdamond(context('vaddr', w), page_table=pt, page_fault=pf)
        try:
            k.start()
            fails.append(f'page_table {pt} page_fault {pf}: "on" worked')
        except Refused:
            pass
        if k.running():
            fails.append(f'page_table {pt} page_fault {pf}: running')
            k.stop()
    return not fails, '; '.join(fails) or 'both refused with EINVAL'


def check_on_off(w):
    """Turn the kdamond off again and again while the workload runs."""
    before = vmstat()
    rounds = []
    for sample_us, aggr_us in ((SAMPLE_US, AGGR_US), (200000, 2000000)):
        k = FaultKdamond(context('vaddr', w, sample_us, aggr_us))
        for i in range(6):
            k.start()
            # 0.05 to 0.55 s: stops at different points of the samples
            time.sleep(0.05 + 0.1 * i)
            k.stop()
        rounds.append(sample_us)
    k = FaultKdamond(context('vaddr', w))
    for i in range(3):	# "off" right after "on": maybe in the first sample
        k.start()
        k.stop()
    time.sleep(LEFTOVER_S)
    fails = side_effects(w, before)
    return not fails, (f'6 on/off at sampling {rounds} us and 3 at once, '
                       'side effects: ' + ('; '.join(fails) or 'none'))


def check_killed(ops):
    """Kill the workload while monitored: the kdamond ends or runs on,
    "off" works, no side effect."""
    before = vmstat()
    w = FaultThreads(mib=8)
    k = None
    try:
        k = FaultKdamond(context(ops, w))
        try:
            k.start()
        except Refused as e:
            if ops == 'paddr':
                raise da.Unsupported(str(e)) from e
            raise
        ranges = {n: (w.phys(n) if ops == 'paddr' else [w.region(n)])
                  for n in w.NAMES}

        def found():
            _, regions = k.tried_regions()
            return min(sw.fraction(regions, ranges[n]) for n in w.NAMES) > 0

        seen = d.wait_for(found, STATE_TIMEOUT_S, 0.5)
        w.kill()
        t0 = time.monotonic()
        ended = d.wait_for(lambda: not k.running(), STATE_TIMEOUT_S)
        at = time.monotonic() - t0
        if not ended:
            k.command('off')
        off = not k.running()
    finally:
        w.stop()
        if k:
            k.stop()
    time.sleep(LEFTOVER_S)
    fails = side_effects(None, before)
    diag = (f'accesses seen before the kill {seen}; kdamond '
            + (f'ended {at:.1f} s after the kill' if ended else
               'kept running') + f', off after "off" {off}; side effects: '
            + ('; '.join(fails) or 'none'))
    return off and not fails, diag


def hint_faults(counters):
    """numa_hint_faults from /proc/vmstat, or else from the memcg."""
    return counters.get('numa_hint_faults',
                        counters.get('memcg:numa_hint_faults'))


def check_counters_live():
    """The counters the side effect checks read do count hint faults:
    with NUMA balancing on for a while, a workload's pages take some."""
    old = numa_balancing()
    if old is None:
        raise da.Unsupported(f'no {NUMA_BALANCING}')
    before = vmstat()
    if hint_faults(before) is None:
        raise da.Unsupported('no numa_hint_faults counter')
    w = FaultThreads(mib=8)
    t0 = time.monotonic()
    try:
        c.write_file(NUMA_BALANCING, 1)
        counted = d.wait_for(
            lambda: hint_faults(vmstat()) > hint_faults(before),
            CASE_TIMEOUT_S, 0.5)
    finally:
        c.write_file(NUMA_BALANCING, old)
        w.stop()
    after = vmstat()
    return counted, (f'NUMA balancing on for {time.monotonic() - t0:.1f} '
                     's: ' + ', '.join(f'{n} {before[n]} -> {after.get(n)}'
                                       for n in sorted(before)))


# ==================== main ====================

def available(ktap, w):
    """Whether page_fault sampling starts on vaddr without filters; the
    reason if not."""
    k = FaultKdamond(context('vaddr', w))
    try:
        k.start()
    except Refused as e:
        return f'no page_fault primitive: {e}'
    except da.Unsupported as e:
        return str(e)
    k.stop()
    ktap.diag(f'areas: {w.areas}, tids {w.tids}, nodes {w.nodes0}')
    return None


def main():
    names = ['numa_balancing_off', 'cross_node_placement']
    measuring = [
        ('vaddr_threads_a', 'vaddr', lambda w: threads_filter(w.tids['a']),
         ('a',), ('b',)),
        ('vaddr_threads_b', 'vaddr', lambda w: threads_filter(w.tids['b']),
         ('b',), ('a',)),
        ('vaddr_cpumask_0', 'vaddr', lambda w: cpumask_filter(0),
         ('a',), ('b',)),
        ('vaddr_cpumask_1', 'vaddr', lambda w: cpumask_filter(1),
         ('b',), ('a',)),
        ('vaddr_no_filter', 'vaddr', lambda w: (), ('a', 'b'), ()),
        ('paddr_threads_a', 'paddr', lambda w: threads_filter(w.tids['a']),
         ('a',), ('b',)),
        ('paddr_threads_b', 'paddr', lambda w: threads_filter(w.tids['b']),
         ('b',), ('a',)),
    ]
    thp = [
        ('thp_vaddr_threads_a', 'vaddr',
         lambda w: threads_filter(w.tids['a']), ('a',), ('b',)),
        ('thp_vaddr_threads_b', 'vaddr',
         lambda w: threads_filter(w.tids['b']), ('b',), ('a',)),
        ('thp_vaddr_no_filter', 'vaddr', lambda w: (), ('a', 'b'), ()),
        ('thp_paddr_threads_a', 'paddr',
         lambda w: threads_filter(w.tids['a']), ('a',), ('b',)),
    ]
    names += [m[0] for m in measuring]
    names += ['both_primitives_refused', 'on_off_leave_no_entry']
    names += [m[0] for m in thp]
    names += ['vaddr_workload_killed', 'paddr_workload_killed',
              'counters_count_hint_faults']
    ktap = sw.Ktap(len(names))
    if not da.available():
        c.skip_all(ktap, names, 'no DAMON sysfs interface')
    if os.cpu_count() < 2:
        c.skip_all(ktap, names, 'fewer than 2 CPUs')
    with FaultThreads() as w:
        reason = available(ktap, w)
        if reason:
            w.stop()
            c.skip_all(ktap, names, reason)
        c.run_case(ktap, 'numa_balancing_off', check_numa_balancing_off)
        c.run_case(ktap, 'cross_node_placement', lambda: check_placement(w))
        budget = Budget(len(measuring) + len(thp))
        paddr_refused = None
        for name, ops, filters, hot, cold in measuring:
            if ops == 'paddr' and paddr_refused:
                ktap.result(True, name, paddr_refused)
                continue
            before = ktap.skipped
            c.run_case(ktap, name, Case(w, budget, ops, filters, hot, cold))
            if ops == 'paddr' and ktap.skipped > before:
                paddr_refused = 'paddr refuses page_fault'
                ktap.diag('paddr refuses the page_fault primitive (EINVAL)')
        c.run_case(ktap, 'both_primitives_refused',
                   lambda: check_both_primitives(w))
        c.run_case(ktap, 'on_off_leave_no_entry', lambda: check_on_off(w))
    run_thp_cases(ktap, budget, thp)
    c.run_case(ktap, 'vaddr_workload_killed', lambda: check_killed('vaddr'))
    if paddr_refused:
        ktap.result(True, 'paddr_workload_killed', paddr_refused)
    else:
        c.run_case(ktap, 'paddr_workload_killed',
                   lambda: check_killed('paddr'))
    # last: it turns NUMA balancing on for a while
    c.run_case(ktap, 'counters_count_hint_faults', check_counters_live)
    ktap.finish()


if __name__ == '__main__':
    main()
