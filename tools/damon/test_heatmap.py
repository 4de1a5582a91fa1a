#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of heatmap.py on recordings made up here, whose answers are known.

Usage: python3 tools/damon/test_heatmap.py
Ends with the line "N passed, N failed".
"""

import io
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import heatmap  # noqa: E402

MIB = 1 << 20
BASE = 0x7f0000000000
AREA = 64 * MIB


def layout():
    """accessgen's layout: four 64 MiB areas from BASE."""
    return {'type': 'layout', 'pid': 1, 'page_size': 4096, 'nr_phases': 2,
            'start': BASE, 'end': BASE + 4 * AREA,
            'areas': [{'name': n, 'start': BASE + i * AREA,
                       'end': BASE + (i + 1) * AREA}
                      for i, n in enumerate('ABCD')]}


PHASES = [{'type': 'phase', 'index': 1, 'hot': ['A'],
           'start': 100.0, 'end': 102.0},
          {'type': 'phase', 'index': 2, 'hot': ['B', 'C'],
           'start': 102.0, 'end': 104.0}]


def trace_line(t, nr, start, end, nr_acc, age=3):
    """One damon_aggregated line as tracefs prints it."""
    return (f'       kdamond.0-67      [000] ...1.   {t:.6f}: '
            f'damon_aggregated: target_id=0 nr_regions={nr} '
            f'{start}-{end}: {nr_acc} {age}\n')


def snapshot_lines(t, hot_areas, nr_acc=20):
    """A snapshot of a perfect monitor: one region per area, and one for
    the program's text far below the buffer."""
    lines = [trace_line(t, 5, 0x400000, 0x500000, 0)]
    for i, name in enumerate('ABCD'):
        lines.append(trace_line(t, 5, BASE + i * AREA,
                                BASE + (i + 1) * AREA,
                                nr_acc if name in hot_areas else 0))
    return lines


def perfect_trace():
    """Snapshots every 0.1 s through both phases."""
    lines = []
    for k in range(40):
        t = 100.05 + k * 0.1
        lines += snapshot_lines(t, ['A'] if t < 102 else ['B', 'C'])
    return lines


class ParseTrace(unittest.TestCase):
    def test_snapshots(self):
        snaps = heatmap.parse_trace(perfect_trace())
        self.assertEqual(len(snaps), 40)
        self.assertEqual(len(snaps[0][1]), 5)
        self.assertAlmostEqual(snaps[0][0], 100.05)
        self.assertEqual(snaps[0][1][1], (BASE, BASE + AREA, 20, 3))

    def test_lost_event_drops_the_snapshot(self):
        lines = snapshot_lines(100.05, ['A'])
        del lines[2]			# area B's region lost
        lines += snapshot_lines(100.15, ['A'])
        snaps = heatmap.parse_trace(lines)
        self.assertEqual([t for t, _ in snaps], [100.15])

    def test_other_lines_ignored(self):
        lines = ['# tracer: nop\n', 'garbage\n'] + \
            snapshot_lines(100.05, ['A'])
        lines.append(trace_line(100.05, 1, 1, 2, 0).replace(
            'target_id=0', 'target_id=1'))
        self.assertEqual(len(heatmap.parse_trace(lines)), 1)


class Arithmetic(unittest.TestCase):
    def setUp(self):
        self.snaps = heatmap.parse_trace(perfect_trace())

    def test_perfect_monitor_is_exact(self):
        stats = heatmap.phase_stats(layout(), PHASES, self.snaps, 0.1)
        self.assertEqual([s['found'] for s in stats], [1.0, 1.0])
        self.assertEqual([s['false'] for s in stats], [0.0, 0.0])
        self.assertEqual([s['wss'] for s in stats], [AREA, 2 * AREA])
        # 2 s phases, the first 0.5 s of each skipped: 15 snapshots.
        self.assertEqual([s['snapshots'] for s in stats], [15, 15])

    def test_half_seen(self):
        # DAMON sees only the first half of A as accessed.
        lines = []
        for k in range(20):
            t = 100.05 + k * 0.1
            lines += [trace_line(t, 3, BASE, BASE + AREA // 2, 10),
                      trace_line(t, 3, BASE + AREA // 2, BASE + AREA, 0),
                      trace_line(t, 3, BASE + AREA, BASE + 4 * AREA, 0)]
        snaps = heatmap.parse_trace(lines)
        stats = heatmap.phase_stats(layout(), PHASES, snaps, 0.1)
        self.assertEqual(stats[0]['found'], 0.5)
        self.assertEqual(stats[0]['false'], 0.0)
        seen, true = heatmap.grids(layout(), PHASES, snaps, 2, 8, 20)
        # Column 0 is phase 1: rows 0 (seen at 10/20) and 1 (not seen)
        # are area A, hot in truth.
        self.assertEqual([r[0] for r in seen[:3]], [0.5, 0.0, 0.0])
        self.assertEqual([r[0] for r in true[:3]], [1.0, 1.0, 0.0])
        self.assertIsNone(seen[0][1])  # no snapshot in phase 2

    def test_wss_series(self):
        series = heatmap.wss_series(layout(), PHASES, self.snaps)
        self.assertEqual(series[0][1:], (AREA, AREA))
        self.assertEqual(series[-1][1:], (2 * AREA, 2 * AREA))


class Output(unittest.TestCase):
    def test_files_and_plain_text(self):
        with tempfile.TemporaryDirectory() as d:
            rec = os.path.join(d, 'rec')
            os.mkdir(rec)
            with open(os.path.join(rec, 'accessgen.jsonl'), 'w') as f:
                for r in [layout()] + PHASES:
                    f.write(json.dumps(r) + '\n')
            with open(os.path.join(rec, 'trace.txt'), 'w') as f:
                f.writelines(perfect_trace())
            with open(os.path.join(rec, 'monitor.json'), 'w') as f:
                json.dump({'kernel': 'test', 'ops': 'vaddr',
                           'sample_us': 5000, 'aggr_us': 100000,
                           'lost_events': 0}, f)
            out = os.path.join(d, 'out')
            res = subprocess.run([sys.executable, heatmap.__file__, rec,
                                  out], capture_output=True, text=True,
                                 check=True)
            self.assertNotIn('\033', res.stdout)
            with open(os.path.join(out, 'heatmap.txt')) as f:
                text = f.read()
            self.assertIn(text.strip(), res.stdout)
            rows = [line for line in text.splitlines()
                    if line.startswith('A 0x')]
            # Seen and truth maps; a perfect monitor draws them alike.
            self.assertEqual(len(rows), 2)
            self.assertIn('@', rows[0])
            self.assertEqual(rows[0], rows[1])
            self.assertIn('    1  A            64 MiB    64 MiB   100%'
                          '     0%', text)
            with open(os.path.join(out, 'wss.csv')) as f:
                self.assertEqual(len(f.readlines()), 41)
            images = {'heatmap.png', 'heatmap.ppm'} & set(os.listdir(out))
            self.assertEqual(len(images), 1)
            with open(os.path.join(out, images.pop()), 'rb') as f:
                self.assertIn(f.read(4)[:2], (b'P6', b'\x89P'))


def main():
    """Run the tests; print the closing line."""
    stream = io.StringIO()
    result = unittest.TextTestRunner(stream=stream, verbosity=2).run(
        unittest.defaultTestLoader.loadTestsFromModule(
            sys.modules[__name__]))
    sys.stdout.write(stream.getvalue())
    failed = len(result.failures) + len(result.errors)
    print(f'{result.testsRun - failed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
