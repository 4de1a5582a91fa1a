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


MONITOR = {'kernel': '6.12-test', 'ops': 'vaddr', 'sample_us': 5000,
           'aggr_us': 100000, 'min_regions': 10, 'max_regions': 1000,
           'lost_events': 0}


def write_recording(rec):
    """A recording of the perfect monitor in directory rec (created)."""
    os.mkdir(rec)
    with open(os.path.join(rec, 'accessgen.jsonl'), 'w') as f:
        for r in [layout()] + PHASES:
            f.write(json.dumps(r) + '\n')
    with open(os.path.join(rec, 'trace.txt'), 'w') as f:
        f.writelines(perfect_trace())
    with open(os.path.join(rec, 'monitor.json'), 'w') as f:
        json.dump(MONITOR, f)


def run_heatmap(rec, out, *args, python=(sys.executable,), env=None):
    """Run heatmap.py as make run does; return the CompletedProcess."""
    return subprocess.run([*python, heatmap.__file__, rec, out, *args],
                          capture_output=True, text=True, env=env)


def png_signature(path):
    """The first 8 bytes of a file: a PNG's are heatmap.PNG_SIGNATURE."""
    with open(path, 'rb') as f:
        return f.read(8)


class Output(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.rec = os.path.join(self.tmp.name, 'rec')
        self.out = os.path.join(self.tmp.name, 'out')
        write_recording(self.rec)

    def tearDown(self):
        self.tmp.cleanup()

    def test_files_and_plain_text(self):
        res = run_heatmap(self.rec, self.out)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertNotIn('\033', res.stdout)
        with open(os.path.join(self.out, 'heatmap.txt')) as f:
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
        with open(os.path.join(self.out, 'wss.csv')) as f:
            self.assertEqual(len(f.readlines()), 41)

    def test_png_written(self):
        res = run_heatmap(self.rec, self.out)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(sorted(os.listdir(self.out)),
                         ['heatmap.png', 'heatmap.txt', 'wss.csv'])
        png = os.path.join(self.out, 'heatmap.png')
        self.assertEqual(png_signature(png), heatmap.PNG_SIGNATURE)
        self.assertGreater(os.path.getsize(png), 10000)

    def test_no_matplotlib_fails_clearly(self):
        # -S hides the site directories, matplotlib's among them; the
        # variable stops the re-run under Debian's python3.
        env = dict(os.environ, **{heatmap.REEXEC_ENV: '1'})
        res = run_heatmap(self.rec, self.out, python=(sys.executable, '-S'),
                          env=env)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn('python3-matplotlib', res.stderr)
        self.assertIn('--no-png', res.stderr)
        self.assertFalse(os.path.exists(self.out))

    def test_no_png_needs_no_matplotlib(self):
        env = dict(os.environ, **{heatmap.REEXEC_ENV: '1'})
        res = run_heatmap(self.rec, self.out, '--no-png',
                          python=(sys.executable, '-S'), env=env)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(sorted(os.listdir(self.out)),
                         ['heatmap.txt', 'wss.csv'])


class PngMatrices(unittest.TestCase):
    def setUp(self):
        self.snaps = heatmap.parse_trace(perfect_trace())

    def test_perfect_monitor_rows(self):
        # 8 rows of 32 MiB: rows 0-1 are A, 2-3 B, 4-5 C, 6-7 D.
        seen = heatmap.seen_matrix(layout(), self.snaps, 8, 20)
        self.assertEqual(seen.shape, (8, 40))
        self.assertEqual(list(seen[:, 0]), [1, 1, 0, 0, 0, 0, 0, 0])
        self.assertEqual(list(seen[:, -1]), [0, 0, 1, 1, 1, 1, 0, 0])

    def test_partial_rows_and_clipping(self):
        # A region over half of row 0 at 10 of 20 samples; one over
        # rows 2-3 at 40 of 20 (more than max_nr) shows as 100%.
        snaps = [(100.05, [(BASE, BASE + 16 * MIB, 10, 0),
                           (BASE + 16 * MIB, BASE + 64 * MIB, 0, 0),
                           (BASE + 64 * MIB, BASE + 128 * MIB, 40, 0)])]
        seen = heatmap.seen_matrix(layout(), snaps, 8, 20)
        self.assertEqual(list(seen[:4, 0]), [0.25, 0, 1, 1])
        self.assertEqual(list(seen[4:, 0]), [0, 0, 0, 0])  # no region

    def test_truth_per_phase(self):
        true = heatmap.true_matrix(layout(), PHASES, 8)
        self.assertEqual(true, [[1, 0], [1, 0], [0, 1], [0, 1],
                                [0, 1], [0, 1], [0, 0], [0, 0]])

    def test_snapshot_columns(self):
        snaps = [(100.1, []), (100.2, []), (100.2, []), (100.15, []),
                 (100.3, [])]
        edges, kept = heatmap.snapshot_times(PHASES, snaps, 0.1)
        self.assertEqual([round(e, 6) for e in edges],
                         [0.0, 0.1, 0.2, 0.3])
        self.assertEqual([t for t, _ in kept], [100.1, 100.2, 100.3])


def axes_by_label(fig):
    """The figure's axes by Artist label ('damon', 'truth', ...)."""
    return {ax.get_label(): ax for ax in fig.axes}


def suptitle_text(fig):
    """The figure's title (Figure.get_suptitle is matplotlib 3.8 on)."""
    if hasattr(fig, 'get_suptitle'):
        return fig.get_suptitle()
    return fig._suptitle.get_text()


def mesh_values(ax, rows):
    """The values of the map drawn in ax, as rows x columns (older
    matplotlib flattens them)."""
    return ax.collections[0].get_array().reshape(rows, -1)


def tick_texts(labels):
    """The strings of a list of tick labels."""
    return [t.get_text() for t in labels]


class Figure(unittest.TestCase):
    def setUp(self):
        snaps = heatmap.parse_trace(perfect_trace())
        self.fig = heatmap.build_figure(layout(), PHASES, MONITOR, snaps,
                                        rows=16)
        self.axes = axes_by_label(self.fig)

    def test_title_names_kernel_ops_intervals(self):
        title = suptitle_text(self.fig)
        for part in ('6.12-test', 'vaddr', 'sampling 5 ms',
                     'aggregation 100 ms', '10-1000 regions',
                     '40 snapshots', '0 trace events lost', '256 MiB'):
            self.assertIn(part, title)

    def test_both_panels_labelled_damon_above(self):
        damon, truth = self.axes['damon'], self.axes['truth']
        self.assertIn("DAMON's view", damon.get_title(loc='left'))
        self.assertIn('ground truth', truth.get_title(loc='left'))
        self.assertGreater(damon.get_position().y0,
                           truth.get_position().y1)
        for ax in (damon, truth):
            self.assertEqual(len(ax.collections), 1)  # the map itself

    def test_maps_hold_the_data(self):
        damon = mesh_values(self.axes['damon'], 16)
        truth = mesh_values(self.axes['truth'], 16)
        self.assertEqual(damon.shape, (16, 40))
        self.assertEqual(truth.shape, (16, 2))
        # Row 0 is area A: hot in phase 1 only, seen so at 100%.
        self.assertEqual(list(truth[0]), [100, 0])
        self.assertEqual(damon[0, 0], 100)
        self.assertEqual(damon[0, -1], 0)

    def test_time_axis_in_seconds(self):
        truth = self.axes['truth']
        self.assertIn('(s)', truth.get_xlabel())
        self.assertEqual(truth.get_xlim(), (0, 4))

    def test_address_axis_names_areas(self):
        for name in ('damon', 'truth'):
            ax = self.axes[name]
            self.assertIn('address', ax.get_ylabel())
            self.assertIn(hex(BASE), ax.get_ylabel())
            names = [t.split('\n')[0]
                     for t in tick_texts(ax.get_yticklabels())]
            self.assertEqual(names, list('ABCD'))
        # The lowest address on top, as in the text map.
        lo, hi = self.axes['damon'].get_ylim()
        self.assertGreater(lo, hi)

    def test_phases_named_above(self):
        tops = [a for a in self.axes['damon'].child_axes]
        self.assertEqual(len(tops), 1)
        self.assertEqual(tick_texts(tops[0].get_xticklabels()),
                         ['phase 1: A hot', 'phase 2: B+C hot'])

    def test_colour_bar_with_units(self):
        bar = self.axes['colour bar']
        label = bar.get_ylabel()
        self.assertIn('access frequency', label)
        self.assertIn('%', label)
        self.assertIn('20 samples', label)
        self.assertEqual(bar.get_ylim(), (0, 100))

    def test_saved_png(self):
        with tempfile.TemporaryDirectory() as d:
            path = heatmap.write_png(self.fig, d)
            self.assertEqual(path, os.path.join(d, 'heatmap.png'))
            self.assertEqual(png_signature(path), heatmap.PNG_SIGNATURE)


def main():
    """Run the tests; print the closing line."""
    heatmap.need_matplotlib()
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
