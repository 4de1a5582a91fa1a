#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Render what record.py recorded: access heatmap, working set, accuracy.

Usage: heatmap.py RECORD_DIR OUT_DIR [--width N] [--rows N]

Reads RECORD_DIR/{accessgen.jsonl,trace.txt,monitor.json} (see record.py)
and prints, for accessgen's buffer:

- the access heatmap (address down, time across) as DAMON saw it, and
  below it the same map of where accessgen really was busy;
- the working set size over time (bytes in regions with accesses) against
  the size of the hot areas;
- per phase, the fraction of hot bytes DAMON saw as accessed (found) and
  of cold bytes it saw as accessed (false).

Unicode shades in ANSI 256 colours when standard output is a terminal,
plain characters otherwise.  Python's standard library only.  OUT_DIR gets
heatmap.txt (the plain text), wss.csv, and heatmap.png when PIL or
ImageMagick's convert is there (heatmap.ppm otherwise).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys

MIB = 1 << 20

# damon_aggregated, as in the kernel's tracepoint format: target index,
# regions of the target, start-end: nr_accesses age.
AGGR_RE = re.compile(r'\s(\d+\.\d+): damon_aggregated: target_id=(\d+) '
                     r'nr_regions=(\d+) (\d+)-(\d+): (\d+) (\d+)')

PLAIN_SHADES = ' .:-=+*#%@'
UNICODE_SHADES = ' ░░▒▒▓▓███'
# Black to red to yellow to white, in the xterm 256-colour cube.
ANSI_COLOURS = [236, 52, 88, 124, 160, 196, 202, 208, 220, 226, 231]

# A phase must run this long before its accuracy counts: DAMON needs a few
# aggregation intervals to split and merge regions around the new areas.
SETTLE_AGGRS = 5


# ==================== input ====================

def load(record_dir):
    """Return (layout, phases, monitor, snapshots) of a recording.

    snapshots is a list of (time, [(start, end, nr_accesses, age), ...]),
    one per aggregation interval, for target 0.
    """
    layout, phases = None, []
    with open(os.path.join(record_dir, 'accessgen.jsonl')) as f:
        for line in f:
            rec = json.loads(line)
            if rec['type'] == 'layout':
                layout = rec
            else:
                phases.append(rec)
    with open(os.path.join(record_dir, 'monitor.json')) as f:
        monitor = json.load(f)
    with open(os.path.join(record_dir, 'trace.txt')) as f:
        snapshots = parse_trace(f)
    return layout, phases, monitor, snapshots


def parse_trace(lines):
    """Group damon_aggregated events into one snapshot per aggregation."""
    snapshots, regions = [], []
    for line in lines:
        m = AGGR_RE.search(line)
        if not m or int(m.group(2)) != 0:
            continue
        t = float(m.group(1))
        nr, start, end, nr_acc, age = (int(x) for x in m.groups()[2:])
        # A lost event leaves a snapshot short: start again.
        if regions and start < regions[-1][1]:
            regions = []
        regions.append((start, end, nr_acc, age))
        if len(regions) == nr:
            snapshots.append((t, regions))
            regions = []
    return snapshots


# ==================== arithmetic ====================

def overlap(a0, a1, b0, b1):
    """Bytes that [a0, a1) and [b0, b1) share."""
    return max(0, min(a1, b1) - max(a0, b0))


def mean(values):
    """The mean of values, None for none."""
    return sum(values) / len(values) if values else None


def column(phases, t, cols):
    """The time column (0..cols-1) of time t, None outside the phases."""
    t0, t1 = phases[0]['start'], phases[-1]['end']
    col = int((t - t0) / (t1 - t0) * cols)
    return col if 0 <= col < cols else None


def phase_at(phases, t):
    """The phase running at time t, or None."""
    for p in phases:
        if p['start'] <= t < p['end']:
            return p
    return None


def hot_ranges(layout, phase):
    """Address ranges of the areas hot in phase (none outside phases)."""
    if phase is None:
        return []
    return [(a['start'], a['end']) for a in layout['areas']
            if a['name'] in phase['hot']]


def seen_bytes(regions, r0, r1):
    """Bytes of [r0, r1) in regions that had accesses."""
    return sum(overlap(s, e, r0, r1) for s, e, n, _ in regions if n)


def frequency(regions, r0, r1, max_nr):
    """Mean access frequency (0..1) of [r0, r1) in one snapshot."""
    acc = sum(overlap(s, e, r0, r1) * n for s, e, n, _ in regions)
    return min(1.0, acc / (r1 - r0) / max_nr)


def grids(layout, phases, snapshots, cols, rows, max_nr):
    """Seen and true access frequency per (row, column) cell.

    Rows split the buffer, columns the time from the first phase's start
    to the last one's end.  A cell is None when no snapshot fell into its
    column.
    """
    a0, a1 = layout['start'], layout['end']
    step = (a1 - a0) // rows
    seen = [[[] for _ in range(cols)] for _ in range(rows)]
    true = [[[] for _ in range(cols)] for _ in range(rows)]
    for t, regions in snapshots:
        col = column(phases, t, cols)
        if col is None:
            continue
        hot = hot_ranges(layout, phase_at(phases, t))
        for row in range(rows):
            r0 = a0 + row * step
            seen[row][col].append(frequency(regions, r0, r0 + step, max_nr))
            true[row][col].append(sum(overlap(h0, h1, r0, r0 + step)
                                      for h0, h1 in hot) / step)
    return ([[mean(c) for c in r] for r in seen],
            [[mean(c) for c in r] for r in true])


def phase_stats(layout, phases, snapshots, aggr_s):
    """Per phase: mean found and false fractions, mean and true WSS."""
    a0, a1 = layout['start'], layout['end']
    stats = []
    for p in phases:
        hot = hot_ranges(layout, p)
        hot_sz = sum(e - s for s, e in hot)
        cold_sz = (a1 - a0) - hot_sz
        found, false, wss = [], [], []
        for t, regions in snapshots:
            if not p['start'] + SETTLE_AGGRS * aggr_s <= t < p['end']:
                continue
            in_hot = sum(seen_bytes(regions, s, e) for s, e in hot)
            all_seen = seen_bytes(regions, a0, a1)
            wss.append(all_seen)
            if hot_sz:
                found.append(in_hot / hot_sz)
            if cold_sz:
                false.append((all_seen - in_hot) / cold_sz)
        stats.append({
            'phase': p['index'], 'hot': p['hot'], 'true_wss': hot_sz,
            'wss': mean(wss), 'found': mean(found), 'false': mean(false),
            'snapshots': len(wss)})
    return stats


def wss_series(layout, phases, snapshots):
    """Per snapshot: (time, bytes seen accessed, bytes of hot areas)."""
    return [(t, seen_bytes(regions, layout['start'], layout['end']),
             sum(e - s for s, e in hot_ranges(layout, phase_at(phases, t))))
            for t, regions in snapshots]


# ==================== terminal ====================

class Painter:
    """Turns a 0..1 level into a character, coloured on a terminal."""

    def __init__(self, colour):
        self.colour = colour

    def cell(self, level):
        """One heatmap cell."""
        if level is None:
            return ' '
        shades = UNICODE_SHADES if self.colour else PLAIN_SHADES
        if self.colour and not level:
            return self.mark('·', ANSI_COLOURS[0])
        # Any access at all shows.
        i = round(level * (len(shades) - 1))
        ch = shades[max(i, 1) if level else 0]
        if not self.colour:
            return ch
        return self.mark(ch, ANSI_COLOURS[max(i, 1)])

    def scale(self):
        """The shades from no access to accesses seen at every sample."""
        return ''.join(self.cell(i / 9) for i in range(10))

    def mark(self, ch, colour):
        """A chart character, in the given xterm colour on a terminal."""
        return f'\033[38;5;{colour}m{ch}\033[0m' if self.colour else ch


def phase_axis(phases, cols, indent):
    """The line above the maps: phase numbers where each phase starts."""
    line = [' '] * cols
    for p in phases:
        col = column(phases, p['start'], cols)
        label = f'|{p["index"]}'
        line[col:col + len(label)] = label
    return ' ' * indent + 'phase ' + ''.join(line[:cols])


def area_label(layout, r0, r1):
    """Area name for a map row starting at r0: at an area's first row."""
    for a in layout['areas']:
        if r0 <= a['start'] < r1:
            return a['name']
    return ''


def render_map(grid, layout, painter, title):
    """Lines of one heatmap panel with address labels."""
    rows = len(grid)
    step = (layout['end'] - layout['start']) // rows
    lines = [title]
    for row, cells in enumerate(grid):
        r0 = layout['start'] + row * step
        label = f'{area_label(layout, r0, r0 + step):1} {r0:#14x} '
        lines.append(label + ''.join(painter.cell(v) for v in cells))
    return lines


def render_wss(snapshots, layout, phases, cols, height, painter):
    """Lines of the working set size chart: bars seen, '-' true size."""
    seen = [[] for _ in range(cols)]
    true = [[] for _ in range(cols)]
    for t, seen_sz, true_sz in wss_series(layout, phases, snapshots):
        col = column(phases, t, cols)
        if col is not None:
            seen[col].append(seen_sz)
            true[col].append(true_sz)
    full = layout['end'] - layout['start']
    bar = '█' if painter.colour else '#'
    if painter.colour:
        legend = 'bars: seen by DAMON, blue at the hot areas\' size; -: that'
    else:
        legend = 'bars: seen by DAMON; - or = (in a bar): the hot areas\' size'
    lines = [f'working set size ({legend})']
    for level in range(height, 0, -1):
        lo, hi = (level - 1) * full / height, level * full / height
        label = f'{hi / MIB:6.0f} MiB '
        line = []
        for s, t in zip(map(mean, seen), map(mean, true)):
            shown = s is not None and s > (lo + hi) / 2
            at_true = t is not None and round(t / full * height) == level
            if shown and at_true:
                line.append(painter.mark(bar if painter.colour else '=', 45))
            elif shown:
                line.append(painter.mark(bar, 214))
            elif at_true:
                line.append(painter.mark('-', 45))
            else:
                line.append(' ')
        lines.append(' ' * 8 + label + ''.join(line))
    return lines


def fmt_pct(x):
    """A fraction as a percentage, '-' for none."""
    return '    -' if x is None else f'{x * 100:4.0f}%'


def render_stats(stats):
    """Lines of the per-phase accuracy table."""
    lines = ['phase  hot areas   true WSS  seen WSS  found  false  snapshots']
    for s in stats:
        wss = '-' if s['wss'] is None else f'{s["wss"] / MIB:.0f} MiB'
        lines.append(f'{s["phase"]:5}  {" ".join(s["hot"]) or "none":10} '
                     f'{s["true_wss"] // MIB:4} MiB  {wss:>8}  '
                     f'{fmt_pct(s["found"])}  {fmt_pct(s["false"])}  '
                     f'{s["snapshots"]:9}')
    return lines


def report(layout, phases, monitor, snapshots, cols, rows, painter):
    """All the lines printed for a recording."""
    max_nr = max(1, monitor['aggr_us'] // monitor['sample_us'])
    aggr_s = monitor['aggr_us'] / 1e6
    t0, t1 = phases[0]['start'], phases[-1]['end']
    seen, true = grids(layout, phases, snapshots, cols, rows, max_nr)
    size = layout['end'] - layout['start']
    lines = [
        f'DAMON (kernel {monitor["kernel"]}, {monitor["ops"]}, sample '
        f'{monitor["sample_us"] / 1000:g} ms, aggregation '
        f'{monitor["aggr_us"] / 1000:g} ms) on accessgen, '
        f'{size // MIB} MiB in areas '
        f'{", ".join(a["name"] for a in layout["areas"])}',
        f'{len(snapshots)} snapshots, {monitor["lost_events"]} events lost;'
        f' time across: {t1 - t0:.1f} s, {(t1 - t0) / cols:.2f} s a column;'
        f' address down: {size // rows // MIB} MiB a row',
        f'shades: the share of samples that found a page accessed, '
        f'0% {painter.scale()} 100%',
        '', phase_axis(phases, cols, 11)]
    lines += render_map(seen, layout, painter,
                        'access frequency seen by DAMON:')
    lines += ['']
    lines += render_map(true, layout, painter,
                        "where accessgen's hot areas were:")
    lines += ['']
    lines += render_wss(snapshots, layout, phases, cols, 8, painter)
    lines += ['']
    lines += render_stats(phase_stats(layout, phases, snapshots, aggr_s))
    return lines


# ==================== files ====================

def colour_rgb(level):
    """Black to red to yellow to white for 0..1."""
    v = max(0.0, min(1.0, level)) * 3
    return tuple(int(255 * max(0.0, min(1.0, v - i))) for i in range(3))


def fill_forward(row):
    """Give empty cells (None) the value of the cell before them."""
    last = 0.0
    for i, v in enumerate(row):
        last = row[i] = last if v is None else v
    return row


def write_image(seen, true, out_dir, scale=4):
    """heatmap.png (seen above true, a red line between) or heatmap.ppm.

    Returns the path written.
    """
    cols = len(seen[0])
    grid = seen + [[0.25] * cols] + true
    width, height = cols * scale, len(grid) * scale
    pixels = bytearray()
    for row in grid:
        line = b''.join(bytes(colour_rgb(v)) * scale
                        for v in fill_forward(row))
        pixels += line * scale
    png = os.path.join(out_dir, 'heatmap.png')
    try:
        from PIL import Image
        Image.frombytes('RGB', (width, height), bytes(pixels)).save(png)
        return png
    except ImportError:
        pass
    ppm = os.path.join(out_dir, 'heatmap.ppm')
    with open(ppm, 'wb') as f:
        f.write(b'P6\n%d %d\n255\n' % (width, height) + pixels)
    convert = shutil.which('convert')
    if convert and subprocess.run([convert, ppm, png],
                                  capture_output=True).returncode == 0:
        os.unlink(ppm)
        return png
    return ppm


def write_wss(snapshots, layout, phases, out_dir):
    """wss.csv: time since the first phase, seen and true WSS in bytes."""
    t0 = phases[0]['start']
    with open(os.path.join(out_dir, 'wss.csv'), 'w') as f:
        f.write('seconds,seen_bytes,true_bytes\n')
        for t, seen, true in wss_series(layout, phases, snapshots):
            f.write(f'{t - t0:.3f},{seen},{true}\n')


def main():
    """Print the report, write the files."""
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('record_dir')
    ap.add_argument('out_dir')
    ap.add_argument('--width', type=int, default=60,
                    help='time columns of the maps')
    ap.add_argument('--rows', type=int, default=16,
                    help='address rows of the maps')
    args = ap.parse_args()

    try:
        layout, phases, monitor, snapshots = load(args.record_dir)
    except (OSError, ValueError, KeyError) as e:
        raise SystemExit(f'heatmap: no recording in {args.record_dir}: {e}')
    if not layout or not phases or not snapshots:
        raise SystemExit(f'heatmap: incomplete recording in '
                         f'{args.record_dir}')
    os.makedirs(args.out_dir, exist_ok=True)
    plain = report(layout, phases, monitor, snapshots, args.width,
                   args.rows, Painter(False))
    with open(os.path.join(args.out_dir, 'heatmap.txt'), 'w') as f:
        f.write('\n'.join(plain) + '\n')
    if sys.stdout.isatty():
        print('\n'.join(report(layout, phases, monitor, snapshots,
                               args.width, args.rows, Painter(True))))
    else:
        print('\n'.join(plain))
    write_wss(snapshots, layout, phases, args.out_dir)
    max_nr = max(1, monitor['aggr_us'] // monitor['sample_us'])
    seen, true = grids(layout, phases, snapshots, len(snapshots), 64, max_nr)
    image = write_image(seen, true, args.out_dir)
    note = '' if image.endswith('.png') else \
        ' (no PIL or ImageMagick for a PNG)'
    print(f'\nwrote {args.out_dir}/heatmap.txt, wss.csv and '
          f'{os.path.basename(image)}{note}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
