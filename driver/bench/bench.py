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
  tried     a vaddr kdamond with min_nr_regions=1000 and a stat scheme:
            update_schemes_tried_regions, then a read of every tried
            region's start, end, nr_accesses and age, and (where the
            kernel has it) of the one file tried_regions_all
"""

import argparse
import json
import os
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
SECTIONS = ['cpu', 'slowdown', 'reclaim', 'memcg', 'write', 'tried']
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


def setup_vaddr(pid, min_nr=10, max_nr=1000):
    """One sysfs kdamond monitoring @pid, upstream's default intervals."""
    write(f'{KD}/nr_kdamonds', 1)
    write(f'{KD}/0/contexts/nr_contexts', 1)
    write(f'{CTX}/operations', 'vaddr')
    write(f'{CTX}/monitoring_attrs/intervals/sample_us', 5000)
    write(f'{CTX}/monitoring_attrs/intervals/aggr_us', 100000)
    write(f'{CTX}/monitoring_attrs/nr_regions/max', max_nr)
    write(f'{CTX}/monitoring_attrs/nr_regions/min', min_nr)
    write(f'{CTX}/targets/nr_targets', 1)
    write(f'{CTX}/targets/0/pid_target', pid)


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

def meminfo_free_permille():
    info = {}
    with open('/proc/meminfo') as f:
        for line in f:
            k, v = line.split(':')
            info[k] = int(v.split()[0])
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
