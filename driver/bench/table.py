#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench, the host side: the side-by-side table of two kernels'
bench.py results, with the ratio ours / upstream, as Markdown.

Usage: table.py OURS.json UPSTREAM.json [TITLE]
"""

import json
import sys

# metric, label, digits; in the order of the table.
ROWS = [
    ('kdamond_cpu_vaddr', 'kdamond CPU, hot set, vaddr (% of a vCPU)', 2),
    ('kdamond_cpu_paddr', 'kdamond CPU, hot set, paddr (% of a vCPU)', 2),
    ('precision_vaddr', 'hot-set precision, vaddr', 3),
    ('recall_vaddr', 'hot-set recall, vaddr', 3),
    ('precision_paddr', 'hot-set precision, paddr', 3),
    ('recall_paddr', 'hot-set recall, paddr', 3),
    ('kdamond_cpu_vaddr_rigflush',
     'with the rig flush: kdamond CPU, vaddr (% of a vCPU)', 2),
    ('precision_vaddr_rigflush', 'with the rig flush: precision, vaddr', 3),
    ('recall_vaddr_rigflush', 'with the rig flush: recall, vaddr', 3),
    ('membound_unmonitored_s', 'membound run time, unmonitored (s, median)',
     3),
    ('membound_monitored_s', 'membound run time, vaddr-monitored (s, median)',
     3),
    ('slowdown', 'workload slowdown under monitoring (%)', 2),
    ('reclaim_idle_kdamond_cpu',
     'DAMON_RECLAIM kdamond CPU, inactive watermarks (% of a vCPU)', 3),
    ('tried_regions', 'tried regions read (count)', 0),
    ('tried_update_ms', 'update_schemes_tried_regions (ms)', 1),
    ('tried_read_ms', 'read of every tried region\'s 4 files (ms)', 1),
    ('tried_read_per_1000_ms', '... per 1,000 regions (ms)', 1),
    ('tried_all_read_ms', 'read of tried_regions_all, one file (ms)', 2),
    ('tried_all_read_per_1000_ms', '... per 1,000 regions (ms)', 2),
    ('memcg_write_us', 'memcg_path write, open+write+close (µs each)', 1),
    ('write_passes_per_s_none', 'rw_areas passes/s, unmonitored (median)', 1),
    ('write_passes_per_s_plain', 'rw_areas passes/s, vaddr-monitored', 1),
    ('write_passes_per_s_write', 'rw_areas passes/s, vaddr write-monitored',
     1),
    ('write_slowdown_plain', 'rw_areas slowdown, vaddr monitoring (%)', 2),
    ('write_slowdown_write', 'rw_areas slowdown, write monitoring (%)', 2),
    ('write_kdamond_cpu_plain',
     'kdamond CPU, rw_areas, vaddr (% of a vCPU)', 2),
    ('write_kdamond_cpu_write',
     'kdamond CPU, rw_areas, vaddr write monitoring (% of a vCPU)', 2),
    ('write_found_vaddr', 'write filter: written area found, vaddr', 3),
    ('write_read_seen_vaddr', 'write filter: read-only area seen, vaddr', 3),
    ('write_found_paddr', 'write filter: written area found, paddr', 3),
    ('write_read_seen_paddr', 'write filter: read-only area seen, paddr', 3),
]
INFO = ['kernel', 'quick', 'mean_nr_regions_vaddr', 'mean_nr_regions_paddr',
        'mean_nr_regions_vaddr_rigflush', 'membound_ops_per_thread', 'membound_runs',
        'reclaim_free_permille', 'memcg_writes', 'tried_total_bytes', 'tried_hung']
INFO += ['write_monitoring_supported', 'write_runs', 'write_accuracy_at_vaddr',
         'write_accuracy_at_paddr']


# bench.py's accuracy rows: metric infix, workload.
ACCURACY = [
    ('256m_2m', '256 MiB, 2 MiB hot every 20 MiB'),
    ('1g_2m', '1 GiB, 2 MiB hot every 20 MiB'),
    ('2560m_2m', '2.5 GiB, 2 MiB hot every 20 MiB'),
    ('1g_64k', '1 GiB, 64 KiB hot every 640 KiB (max_nr_regions 5000)'),
]

INFO += ['accuracy_seconds']
INFO += [f'accuracy_{infix}_{m}' for infix, _ in ACCURACY
         for m in ('aggregations', 'lost', 'confined')]


def load(path):
    """bench.py's --out file, or its output (one JSON object a line, the
    rest ignored) when the guest ended before the file was written."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        print(f'table.py: {path}: {e}', file=sys.stderr)
        return {}
    try:
        recs = json.loads(text)
    except ValueError:
        recs = []
        for line in text.splitlines():
            if line.startswith('{'):
                try:
                    recs.append(json.loads(line))
                except ValueError:
                    pass
    return {r['metric']: r['value'] for r in recs}


def fmt(v, digits):
    if v is None:
        return '-'
    if isinstance(v, str):
        return v
    return f'{v:.{digits}f}'


def ratio(a, b, metric=''):
    if 'slowdown' in metric and isinstance(a, (int, float)) and \
            isinstance(b, (int, float)):
        # A ratio of two percentages near 0 says nothing: compare the
        # relative run times instead, (1 + ours) / (1 + upstream).
        return f'{(100 + a) / (100 + b):.2f}*'
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return '-'
    if b == 0:
        return '-' if a == 0 else 'inf'
    return f'{a / b:.2f}'


def pair(res, pre, a, b):
    """'P / R' of two of a row's metrics."""
    return f'{fmt(res.get(pre + a), 3)} / {fmt(res.get(pre + b), 3)}'


def accuracy_cells(res, pre):
    """One kernel's cells of an accuracy row."""
    if res.get(pre + '_skipped') or res.get(pre + '_failed'):
        why = 'skipped (memory)' if res.get(pre + '_skipped') else 'failed'
        return [why] + ['-'] * 5
    t90 = res.get(pre + '_t90')
    when = 'never' if t90 is not None and t90 < 0 else fmt(t90, 1)
    return [pair(res, pre, '_p10', '_r10'), pair(res, pre, '_p30', '_r30'),
            pair(res, pre, '_pmin', '_rmin'), when,
            fmt(res.get(pre + '_nr_regions'), 0),
            fmt(res.get(pre + '_cpu'), 2)]


def accuracy_table(ours, up):
    """The accuracy section, two lines a workload; none without it."""
    if 'accuracy_seconds' not in ours and 'accuracy_seconds' not in up:
        return []
    secs = ours.get('accuracy_seconds') or up.get('accuracy_seconds')
    end = fmt(secs, 0)
    early = fmt(min(10, secs), 0) if secs else '10'
    out = ['', f'#### Accuracy (vaddr, {end} s traced)', '',
           f'| workload | kernel | P / R at {early} s | P / R at {end} s '
           f'| min P / R from {early} s | P, R >= 0.9 at (s) '
           '| regions (mean) | kdamond CPU (%) |',
           '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |']
    for infix, label in ACCURACY:
        pre = f'accuracy_{infix}'
        for res, kernel in ((ours, 'ours'), (up, 'upstream 6.12')):
            cells = ' | '.join(accuracy_cells(res, pre))
            out.append(f'| {label} | {kernel} | {cells} |')
            label = ''
    out += ['', f'P / R at T s: means over the aggregations of the second '
            'before T (the last one before T if none ended in it); '
            f'min from {early} s: the lowest of one aggregation '
            'from then on.  Precision and recall of the regions with '
            'nr_accesses > 0 against the hot set; kdamond CPU includes '
            'the tracing.']
    return out


def main():
    ours, up = load(sys.argv[1]), load(sys.argv[2])
    title = sys.argv[3] if len(sys.argv) > 3 else 'make bench'
    out = [f'### {title}']
    rows = []
    for m, label, digits in ROWS:
        a, b = ours.get(m), up.get(m)
        if a is not None or b is not None:	# else a section not run
            rows.append(f'| {label} | {fmt(a, digits)} | {fmt(b, digits)} '
                        f'| {ratio(a, b, m)} |')
    if rows:	# none when only sections without such rows ran
        out += ['', '| measurement | ours | upstream 6.12 | ours/upstream |',
                '| --- | ---: | ---: | ---: |'] + rows
        out += ['', '\\* slowdown rows: (1 + ours) / (1 + upstream), the '
                'ratio of the monitored run times relative to the '
                'unmonitored ones.']
    out += accuracy_table(ours, up)
    out.append('')
    for m in INFO:
        if ours.get(m) is None and up.get(m) is None:
            continue
        out.append(f'- {m}: ours {fmt(ours.get(m), 0)}, '
                   f'upstream {fmt(up.get(m), 0)}')
    print('\n'.join(out))


if __name__ == '__main__':
    main()
