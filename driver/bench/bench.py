#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench, the part that runs in the guest: every measurement of one
kernel, through the upstream-compatible sysfs interface (and DAMON_RECLAIM's
module parameters), so that our kernel and the unmodified 6.12 one are
measured by the same code.

Prints one JSON object per measurement ({"metric", "value", "unit"}) and
writes them all to --out.  No timing is asserted: the numbers are for
reading.  BENCH_QUICK=1 (or --quick) shortens every section for a smoke
run of the whole command; BENCH_SECTIONS=a,b (or --sections) runs only
those sections.

Sections:
  cpu       kdamond CPU and hot-set precision / recall on access_hotcold,
            vaddr and paddr (kdamond_cpu.py, --interface sysfs)
  slowdown  membound's run time, monitored (vaddr on it) and not,
            alternated; medians and slowdown = monitored / unmonitored - 1
  reclaim   kdamond CPU of DAMON_RECLAIM whose watermarks keep it
            inactive (free memory above the high watermark)
  memcg     N writes of a scheme filter's memcg_path
  write     write monitoring beside plain vaddr monitoring: workload
            slowdown and kdamond CPU, and the write filter's accuracy
            (bench_write.py)
  accuracy  how soon and how well a vaddr kdamond finds a hot set of
            small chunks spread over a cold buffer (scatter.c: 2 MiB hot
            every 20 MiB of 256 MiB, 1 GiB and 2.5 GiB, and 64 KiB every
            640 KiB of 1 GiB), its target region set to exactly the
            buffer; sample 5 ms, aggregation 100 ms, 10 to 1000 regions
            (5000 for the 64 KiB row).  damon_aggregated is traced for 30
            s (quick: 5 s); per aggregation, the regions with
            nr_accesses > 0, clipped to the buffer (should a kernel
            monitor more than the target region), give precision = hot
            bytes in them / their bytes (0 when none) and recall = hot
            bytes in them / all hot bytes.  Per row: mean P and R over
            the aggregations of [9, 10) s and of the last second (or the
            last one before, if none ended then), their minimum from 10 s
            on, the first time P and R are both >= 0.9
            (-1: never), the mean number of regions, and the kdamond's
            CPU use over the run (tracing included); and the series of
            (time, regions, P, R) of every aggregation
  tried     a vaddr kdamond with min_nr_regions=1000 and a stat scheme:
            update_schemes_tried_regions, then a read of every tried
            region's start, end, nr_accesses and age, and (where the
            kernel has it) of the one file tried_regions_all
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ['DAMON_E2E_DIR'])
import damon_e2e as d  # noqa: E402
ADMIN = '/sys/kernel/mm/damon/admin'
KD = f'{ADMIN}/kdamonds'
CTX = f'{KD}/0/contexts/0'
RECLAIM = '/sys/module/damon_reclaim/parameters'
# tried last: a kernel whose update_schemes_tried_regions never returns
# leaves the task that wrote it unkillable, and maybe DAMON's sysfs locked.
SECTIONS = ['cpu', 'slowdown', 'reclaim', 'memcg', 'write', 'accuracy',
            'tried']
TRIED_TIMEOUT = 120


class Hung(Exception):
    """A sysfs write that did not return: nothing more can be measured."""

results = []


def emit(metric, value, unit):
    rec = {'metric': metric, 'value': value, 'unit': unit}
    results.append(rec)
    print(json.dumps(rec), flush=True)


def write(path, value):
    with open(path, 'w') as f:
        f.write(f'{value}\n')


def read(path):
    with open(path) as f:
        return f.read().strip()


def cpu_seconds(pid):
    """CPU time of a task in seconds: the scheduler's nanoseconds when
    /proc/PID/schedstat exists, the tick counts of /proc/PID/stat
    otherwise."""
    try:
        return int(read(f'/proc/{pid}/schedstat').split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return d.kdamond_cpu_ticks(pid) / os.sysconf('SC_CLK_TCK')


def kdamond_off():
    """Stop and remove the sysfs kdamonds, whatever state they are in."""
    try:
        if read(f'{KD}/nr_kdamonds') != '0':
            if read(f'{KD}/0/state') == 'on':
                write(f'{KD}/0/state', 'off')
            write(f'{KD}/nr_kdamonds', 0)
    except OSError as e:
        print(f'# kdamond_off: {e}', file=sys.stderr)


def setup_vaddr(pid, min_nr=10, max_nr=1000, region=None):
    """One sysfs kdamond monitoring @pid, upstream's default intervals;
    with @region (start, end), that one range of it only."""
    write(f'{KD}/nr_kdamonds', 1)
    write(f'{KD}/0/contexts/nr_contexts', 1)
    write(f'{CTX}/operations', 'vaddr')
    write(f'{CTX}/monitoring_attrs/intervals/sample_us', 5000)
    write(f'{CTX}/monitoring_attrs/intervals/aggr_us', 100000)
    write(f'{CTX}/monitoring_attrs/nr_regions/max', max_nr)
    write(f'{CTX}/monitoring_attrs/nr_regions/min', min_nr)
    write(f'{CTX}/targets/nr_targets', 1)
    write(f'{CTX}/targets/0/pid_target', pid)
    if region:
        # An operations update may replace the given range with ranges
        # of the process's mappings: none during a bench run.
        write(f'{CTX}/monitoring_attrs/intervals/update_us', 1000 * 1000000)
        regions = f'{CTX}/targets/0/regions'
        write(f'{regions}/nr_regions', 1)
        write(f'{regions}/0/end', region[1])	# end first: start < end
        write(f'{regions}/0/start', region[0])


# --- cpu ---------------------------------------------------------------

RIG_FLUSH = '/sys/module/damon_ops/parameters/flush_tlb_for_emulators'


def cpu_run(a, ops, suffix):
    out = subprocess.run(
        [sys.executable, os.path.join(HERE, 'kdamond_cpu.py'),
         '--interface', 'sysfs', '--ops', ops,
         '--duration', str(a.cpu_seconds)],
        capture_output=True, text=True, check=False)
    line = [x for x in out.stdout.splitlines() if x.startswith('BENCH')]
    if out.returncode or not line:
        print(f'# kdamond_cpu.py {ops} failed: {out.stderr[-2000:]}',
              file=sys.stderr)
        return
    kv = dict(w.split('=', 1) for w in line[-1].split()[1:])
    emit(f'kdamond_cpu_{ops}{suffix}', float(kv['kdamond_cpu_pct']), '%')
    emit(f'precision_{ops}{suffix}', float(kv['precision']), '')
    emit(f'recall_{ops}{suffix}', float(kv['recall']), '')
    # 0 here means no damon_aggregated snapshot came: tells a tracing
    # failure from a kdamond that saw no access
    emit(f'mean_nr_regions_{ops}{suffix}', float(kv['mean_nr_regions']), '')


def section_cpu(a):
    """As on hardware (no TLB flush); then, on our kernel, with the test
    rig's per-sample flush (damon_ops.flush_tlb_for_emulators) in the same
    guest, for what the flush costs and buys."""
    for ops in ('vaddr', 'paddr'):
        cpu_run(a, ops, '')
    if not os.path.exists(RIG_FLUSH):
        return
    write(RIG_FLUSH, 'Y')
    try:	# paddr never flushes: the knob is for vaddr and fvaddr
        cpu_run(a, 'vaddr', '_rigflush')
    finally:
        write(RIG_FLUSH, 'N')


# --- slowdown ----------------------------------------------------------

def membound_run(ops, monitored):
    """One run of membound; its elapsed seconds."""
    p = subprocess.Popen([os.path.join(os.environ['DAMON_E2E_DIR'],
                                       'membound'), '2', '64', str(ops)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    try:
        ready = p.stdout.readline().split()
        if len(ready) != 2 or ready[0] != 'ready':
            raise RuntimeError(f'membound did not start: {ready}')
        if monitored:
            setup_vaddr(p.pid)
            write(f'{KD}/0/state', 'on')
            time.sleep(0.5)		# the kdamond is sampling
        p.stdin.write('go\n')
        p.stdin.flush()
        done = p.stdout.readline().split()
        if len(done) != 2 or done[0] != 'elapsed':
            raise RuntimeError(f'membound failed: {done}')
        return float(done[1])
    finally:
        if p.poll() is None:
            p.kill()
        p.wait()
        if monitored:
            kdamond_off()


def section_slowdown(a):
    # The same work on both kernels, so that their run times compare too
    # (about 3 s a run in the TCG guest, 1 s in the quick mode).
    ops = a.membound_ops
    emit('membound_ops_per_thread', ops, 'ops')
    times = {False: [], True: []}
    for _ in range(a.runs):
        for monitored in (False, True):
            times[monitored].append(membound_run(ops, monitored))
    plain = statistics.median(times[False])
    mon = statistics.median(times[True])
    emit('membound_unmonitored_s', plain, 's')
    emit('membound_monitored_s', mon, 's')
    emit('slowdown', (mon / plain - 1) * 100, '%')
    emit('membound_runs', a.runs, 'runs')


# --- reclaim -----------------------------------------------------------

def meminfo():
    """/proc/meminfo, in KiB."""
    info = {}
    with open('/proc/meminfo') as f:
        for line in f:
            k, v = line.split(':')
            info[k] = int(v.split()[0])
    return info


def meminfo_free_permille():
    info = meminfo()
    return info['MemFree'] * 1000 // info['MemTotal']


def section_reclaim(a):
    if not os.path.isdir(RECLAIM):
        print('# no DAMON_RECLAIM in this kernel', file=sys.stderr)
        return
    # Free memory above the high watermark: the scheme stays inactive.
    for k, v in (('wmarks_interval', 1000000), ('wmarks_high', 500),
                 ('wmarks_mid', 400), ('wmarks_low', 200),
                 ('min_age', 10000000)):
        write(f'{RECLAIM}/{k}', v)
    emit('reclaim_free_permille', meminfo_free_permille(), '‰')
    write(f'{RECLAIM}/enabled', 'Y')
    try:
        time.sleep(5)		# started and past its first watermark check
        pid = int(read(f'{RECLAIM}/kdamond_pid'))
        c0, t0 = cpu_seconds(pid), time.monotonic()
        time.sleep(a.reclaim_seconds)
        c1, t1 = cpu_seconds(pid), time.monotonic()
        emit('reclaim_idle_kdamond_cpu', (c1 - c0) / (t1 - t0) * 100, '%')
    finally:
        write(f'{RECLAIM}/enabled', 'N')


# --- accuracy ----------------------------------------------------------

# name, TOTAL_MIB, CHUNK_KIB, STRIDE_KIB (scatter's arguments),
# max_nr_regions; min_nr_regions is 10 on every row.
ACCURACY_ROWS = [
    ('256m_2m', 256, 2048, 20480, 1000),
    ('1g_2m', 1024, 2048, 20480, 1000),
    ('2560m_2m', 2560, 2048, 20480, 1000),
    ('1g_64k', 1024, 64, 640, 5000),
]
ACCURACY_GOAL = 0.9		# the P and R the time to find the hot set waits for
EVENT_BYTES = 64		# a damon_aggregated event in the ring buffer, at most
LOST_RE = re.compile(r'\[LOST (\d+) EVENTS\]')


class Scatter:
    """driver/bench/scatter.c's workload, killed when the with block ends.

    Its hot set: [k * stride, k * stride + chunk) bytes from start, for
    every k, cut at end.
    """

    def __init__(self, total_mib, chunk_kib, stride_kib):
        self.total = total_mib << 20
        self.chunk = chunk_kib << 10
        self.stride = stride_kib << 10
        self.start = self.end = 0
        self.proc = subprocess.Popen(
            [os.path.join(os.environ['DAMON_E2E_DIR'], 'scatter'),
             str(total_mib), str(chunk_kib), str(stride_kib)],
            stdout=subprocess.PIPE, text=True)
        self.pid = self.proc.pid

    def __enter__(self):
        try:
            fields = self.proc.stdout.readline().split()
            if len(fields) != 2:
                raise RuntimeError(f'scatter did not start: {fields}')
            self.start, self.end = (int(x, 16) for x in fields)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()

    def hot_below(self, addr):
        """Bytes of the hot set below @addr."""
        off = min(max(addr - self.start, 0), self.total)
        return (off // self.stride * self.chunk +
                min(off % self.stride, self.chunk))

    def score(self, accessed):
        """Precision and recall of @accessed, (start, end) ranges, against
        the hot set.  Only their parts inside the buffer count: the target
        is the buffer, but a kernel may monitor more of the process.
        Precision is 0 when no range is in the buffer."""
        size = found = 0
        for s, e in accessed:
            s, e = max(s, self.start), min(e, self.end)
            if s < e:
                size += e - s
                found += self.hot_below(e) - self.hot_below(s)
        return (found / size if size else 0.0,
                found / self.hot_below(self.end))


class BufferedTrace(d.Trace):
    """d.Trace, but read after the run, not during it: parsing up to
    50,000 events a second would compete with the kdamond and the
    workload for the guest's two vCPUs.  So the ring buffer has to hold
    the whole run, time stamps come from CLOCK_MONOTONIC (trace_clock
    mono, Python's time.monotonic()), and an event filter may keep out
    what the scoring does not need.  stop() restores what start()
    changed."""

    def __init__(self, buffer_kb, event_filter):
        super().__init__()
        self.buffer_kb = buffer_kb
        self.event_filter = event_filter
        self.saved = {}
        self.lost = 0
        self.span = None	# lowest start and highest end traced

    def _set(self, name, value):
        path = os.path.join(d.TRACING, name)
        self.saved.setdefault(name, read(path))
        write(path, value)

    def start(self):
        self.saved['buffer_size_kb'] = read(os.path.join(d.TRACING,
                                                         'buffer_size_kb'))
        clock = read(os.path.join(d.TRACING, 'trace_clock'))
        self.saved['trace_clock'] = clock.split('[')[1].split(']')[0]
        write(os.path.join(d.TRACING, 'trace_clock'), 'mono')
        try:
            self._set('events/damon/damon_aggregated/filter',
                      self.event_filter)
        except OSError as e:	# the scoring does without
            print(f'# event filter {self.event_filter!r}: {e}',
                  file=sys.stderr)
            self.event_filter = None
        super().start()
        # after d.Trace's own buffer size, before any event comes
        write(os.path.join(d.TRACING, 'buffer_size_kb'), self.buffer_kb)

    def stop(self):
        super().stop()
        for name, old in self.saved.items():
            if name.endswith('filter'):
                old = '0'		# "none" reads back, "0" clears
            elif name == 'buffer_size_kb':	# "7 (expanded: 1408)"
                old = old.split()[-1].rstrip(')')
            try:
                write(os.path.join(d.TRACING, name), old)
            except OSError as e:
                print(f'# restoring {name}: {e}', file=sys.stderr)
        self.saved = {}

    def lines(self):
        """The buffer's lines, consumed, until it is empty."""
        pending = ''
        while True:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                break
            if not chunk:
                break
            pending += chunk.decode(errors='replace')
            lines = pending.split('\n')
            pending = lines.pop()
            yield from lines
        if pending:
            yield pending

    def aggregations(self, t0):
        """Yield (seconds since @t0, nr_regions, accessed) per aggregation
        of target 0, accessed being the (start, end) of its regions with
        nr_accesses > 0.  An aggregation starts where the regions' start
        addresses start again from below, or after a gap in time (its
        events come together, 100 ms apart from the next ones)."""
        group = None
        last = (0, 0.0)		# start and time of the previous event
        for line in self.lines():
            m = d.AGGR_RE.search(line)
            if not m:
                lost = LOST_RE.search(line)
                self.lost += int(lost.group(1)) if lost else 0
                continue
            tid, nr, s, e, nr_acc, _ = (int(x) for x in m.groups())
            if tid != 0:
                continue
            ts = float(line[:m.start()].split()[-1].rstrip(':'))
            self.span = (min(s, self.span[0]), max(e, self.span[1])) \
                if self.span else (s, e)
            if group is None or s <= last[0] or ts - last[1] > 0.05:
                if group:
                    yield group
                group = (ts - t0, nr, [])
            if nr_acc:
                group[2].append((s, e))
            last = (s, ts)
        if group:
            yield group


def trace_kb(a, max_nr):
    """Ring buffer KiB a CPU needs for a row: max_nr events an
    aggregation (the filter keeps fewer), ten aggregations a second."""
    return max_nr * (a.accuracy_seconds * 10 + 20) * EVENT_BYTES >> 10


def accuracy_trace(a, w, max_nr):
    """Monitor @w with a vaddr kdamond for a.accuracy_seconds, traced.
    Returns the (time, nr_regions, precision, recall) of each
    aggregation, the kdamond's CPU use in % of one CPU over the run
    (tracing included: an event costs the kdamond a little), the number
    of events lost, and whether every traced region was in the buffer."""
    kb = trace_kb(a, max_nr)
    # The first region always starts at the buffer's start: each
    # aggregation has at least that event, even with no access seen.
    trace = BufferedTrace(kb, f'nr_accesses > 0 || start == {w.start}')
    try:
        setup_vaddr(w.pid, max_nr=max_nr, region=(w.start, w.end))
        trace.start()
        t0 = time.monotonic()
        write(f'{KD}/0/state', 'on')
        pid = int(read(f'{KD}/0/pid'))
        c0, t1 = cpu_seconds(pid), time.monotonic()
        time.sleep(max(0.0, a.accuracy_seconds - (t1 - t0)))
        cpu = (cpu_seconds(pid) - c0) / (time.monotonic() - t1) * 100
        if read(f'{KD}/0/state') != 'on':
            raise RuntimeError('the kdamond stopped during the run')
        write(f'{KD}/0/state', 'off')
        aggrs = [(t, nr, *w.score(acc))
                 for t, nr, acc in trace.aggregations(t0)]
        if trace.lost:
            print(f'# {trace.lost} damon_aggregated events lost',
                  file=sys.stderr)
        # Did the kernel keep to the target region?  The scoring clips.
        span = trace.span or (w.start, w.end)
        confined = w.start <= span[0] and span[1] <= w.end
        return aggrs, cpu, trace.lost, confined
    finally:
        kdamond_off()
        trace.stop()


def window_means(aggrs, lo, hi):
    """Mean precision and recall of the aggregations in [@lo, @hi) s, or
    of the last one before @hi when none ended then: a kdamond slower
    than its aggregation interval still has a state at @hi."""
    sel = [(p, r) for t, _, p, r in aggrs if lo <= t < hi]
    if not sel:
        sel = [(p, r) for t, _, p, r in aggrs if t < hi][-1:]
    if not sel:
        return None, None
    return (statistics.mean(p for p, _ in sel),
            statistics.mean(r for _, r in sel))


def accuracy_report(a, name, aggrs, cpu, lost, confined):
    end = a.accuracy_seconds
    early = min(10, end)
    pre = f'accuracy_{name}'
    for label, hi in (('10', early), ('30', end)):
        p, r = window_means(aggrs, hi - 1, hi)
        emit(f'{pre}_p{label}', p, '')
        emit(f'{pre}_r{label}', r, '')
    later = [(p, r) for t, _, p, r in aggrs if early <= t < end]
    emit(f'{pre}_pmin', min((p for p, _ in later), default=None), '')
    emit(f'{pre}_rmin', min((r for _, r in later), default=None), '')
    found = [t for t, _, p, r in aggrs
             if p >= ACCURACY_GOAL and r >= ACCURACY_GOAL]
    emit(f'{pre}_t90', found[0] if found else -1, 's')
    emit(f'{pre}_nr_regions',
         statistics.mean(nr for _, nr, _, _ in aggrs) if aggrs else 0, '')
    emit(f'{pre}_cpu', cpu, '%')
    emit(f'{pre}_aggregations', len(aggrs), '')
    emit(f'{pre}_lost', lost, 'events')
    emit(f'{pre}_confined', int(confined), '')
    # for plotting: [time, nr_regions, precision, recall] an aggregation
    emit(f'{pre}_series', [[round(t, 3), nr, round(p, 4), round(r, 4)]
                           for t, nr, p, r in aggrs], '')


def section_accuracy(a):
    """One kdamond a row, the workload killed between rows; a row that
    fails or does not fit in memory is left out, the next one runs."""
    emit('accuracy_seconds', a.accuracy_seconds, 's')
    for name, total, chunk, stride, max_nr in ACCURACY_ROWS:
        # the workload, the trace buffers of two CPUs and some room
        need = (total << 10) + 2 * trace_kb(a, max_nr)
        avail = meminfo()['MemAvailable']
        if avail < need + (256 << 10):
            print(f'# accuracy {name}: {avail} KiB available, needs '
                  f'{need} KiB and some', file=sys.stderr)
            emit(f'accuracy_{name}_skipped', 1, '')
            continue
        try:
            with Scatter(total, chunk, stride) as w:
                res = accuracy_trace(a, w, max_nr)
        except (OSError, RuntimeError, ValueError) as e:
            print(f'# accuracy {name} failed: {e!r}', file=sys.stderr)
            emit(f'accuracy_{name}_failed', 1, '')
            continue
        accuracy_report(a, name, *res)


# --- tried regions -----------------------------------------------------

def timed_update():
    """update_schemes_tried_regions, written by a child process so that
    a write that never returns is noticed (Hung) instead of hanging the
    bench; its seconds."""
    t0 = time.monotonic()
    p = subprocess.Popen(['sh', '-c', 'echo update_schemes_tried_regions '
                          f'> {KD}/0/state'])
    while p.poll() is None:
        if time.monotonic() - t0 > TRIED_TIMEOUT:
            raise Hung(f'update_schemes_tried_regions did not return in '
                       f'{TRIED_TIMEOUT} s')
        time.sleep(0.01)
    if p.returncode:
        raise RuntimeError('update_schemes_tried_regions failed')
    return time.monotonic() - t0


def read_tried_all(path, nr_regions):
    """Seconds to read schemes/<S>/tried_regions_all (this project's
    one-file table of the same tried regions) to its end: open, a read()
    per page, close.  It must have one line per region directory."""
    t0 = time.monotonic()
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(fd)
    took = time.monotonic() - t0
    nr_lines = b''.join(chunks).count(b'\n')
    if nr_lines != nr_regions:
        raise RuntimeError(f'tried_regions_all has {nr_lines} lines, '
                           f'tried_regions/ {nr_regions} regions')
    return took


def section_tried(a):
    w = subprocess.Popen([os.path.join(os.environ['DAMON_E2E_DIR'],
                                       'access_hotcold'), '256', '32', '96'],
                         stdout=subprocess.PIPE, text=True)
    hung = False
    try:
        w.stdout.readline()
        setup_vaddr(w.pid, min_nr=1000, max_nr=1000)
        sch = f'{CTX}/schemes'
        write(f'{sch}/nr_schemes', 1)
        write(f'{sch}/0/action', 'stat')
        # Every region: upstream's default ranges are 0 to 0, ours all.
        for name, hi in (('sz', (1 << 64) - 1), ('nr_accesses', 1 << 31),
                         ('age', 1 << 31)):
            write(f'{sch}/0/access_pattern/{name}/max', hi)
            write(f'{sch}/0/access_pattern/{name}/min', 0)
        write(f'{KD}/0/state', 'on')
        time.sleep(2)
        tried = f'{sch}/0/tried_regions'
        updates, reads, counts, all_reads = [], [], [], []
        for _ in range(a.tried_rounds):
            try:
                updates.append(timed_update())
            except Hung:
                hung = True
                raise
            # The read loop: the directory, then every region's files.
            t0 = time.monotonic()
            names = [n for n in os.listdir(tried) if n.isdigit()]
            for n in names:
                for f in ('start', 'end', 'nr_accesses', 'age'):
                    read(f'{tried}/{n}/{f}')
            reads.append(time.monotonic() - t0)
            counts.append(len(names))
            if os.path.exists(f'{sch}/0/tried_regions_all'):
                all_reads.append(read_tried_all(f'{sch}/0/tried_regions_all',
                                                len(names)))
        nr = statistics.median(counts)
        read_s = statistics.median(reads)
        emit('tried_total_bytes', int(read(f'{tried}/total_bytes')), 'B')
        emit('tried_regions', nr, 'regions')
        emit('tried_update_ms', statistics.median(updates) * 1000, 'ms')
        emit('tried_read_ms', read_s * 1000, 'ms')
        if nr:
            emit('tried_read_per_1000_ms', read_s * 1000 * 1000 / nr, 'ms')
        if all_reads:
            all_s = statistics.median(all_reads)
            emit('tried_all_read_ms', all_s * 1000, 'ms')
            if nr:
                emit('tried_all_read_per_1000_ms', all_s * 1000 * 1000 / nr,
                     'ms')
    finally:
        if not hung:
            kdamond_off()
        w.kill()
        w.wait()


# --- write monitoring --------------------------------------------------

def section_write(a):
    # imported here: it needs the selftest's modules in DAMON_E2E_DIR,
    # which the other sections do without
    import bench_write  # pylint: disable=import-outside-toplevel
    bench_write.section(a, emit, cpu_seconds)


# --- memcg_path writes -------------------------------------------------

def section_memcg(a):
    cg = '/sys/fs/cgroup/damon-bench'
    os.makedirs(cg, exist_ok=True)
    write(f'{KD}/nr_kdamonds', 1)
    write(f'{KD}/0/contexts/nr_contexts', 1)
    sch = f'{CTX}/schemes'
    write(f'{sch}/nr_schemes', 1)
    write(f'{sch}/0/filters/nr_filters', 1)
    write(f'{sch}/0/filters/0/type', 'memcg')
    path = f'{sch}/0/filters/0/memcg_path'
    try:
        t0 = time.monotonic()
        for _ in range(a.memcg_writes):	# open, write, close: as echo does
            with open(path, 'w') as f:
                f.write('/damon-bench\n')
        t = time.monotonic() - t0
        emit('memcg_writes', a.memcg_writes, 'writes')
        emit('memcg_write_us', t / a.memcg_writes * 1e6, 'µs')
    finally:
        kdamond_off()
        os.rmdir(cg)


def main():
    quick = os.environ.get('BENCH_QUICK', '0') not in ('', '0')
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--quick', action='store_true', default=quick)
    ap.add_argument('--sections', default=os.environ.get(
        'BENCH_SECTIONS') or ','.join(SECTIONS))
    a = ap.parse_args()
    a.cpu_seconds = 5 if a.quick else 30
    a.runs = 2 if a.quick else 5
    a.membound_ops = 2000000 if a.quick else 6000000
    a.reclaim_seconds = 5 if a.quick else 20
    a.tried_rounds = 1 if a.quick else 3
    a.memcg_writes = 1024 if a.quick else 10240
    a.write_runs = 1 if a.quick else 3
    a.write_seconds = 3 if a.quick else 10
    a.write_accuracy_timeout = 20 if a.quick else 60
    a.accuracy_seconds = 5 if a.quick else 30

    emit('kernel', os.uname().release, '')
    emit('quick', int(a.quick), '')
    kdamond_off()
    rc = 0
    for s in a.sections.split(','):
        t0 = time.monotonic()
        print(f'# section {s}', file=sys.stderr, flush=True)
        hung = False
        try:
            globals()[f'section_{s}'](a)
        except Hung as e:
            print(f'# section {s} hung, the bench stops: {e}',
                  file=sys.stderr)
            hung = True
            rc = 1
        except (OSError, RuntimeError, ValueError, KeyError) as e:
            print(f'# section {s} failed: {e!r}', file=sys.stderr)
            rc = 1
        emit(f'section_{s}_s', time.monotonic() - t0, 's')
        if hung:
            emit(f'{s}_hung', 1, '')
            break
    with open(a.out, 'w') as f:
        json.dump(results, f, indent=1)
    if hung:
        sys.stdout.flush()
        os._exit(rc)	# not waiting for the stuck child process
    return rc


if __name__ == '__main__':
    sys.exit(main())
