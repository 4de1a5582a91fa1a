#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Render what record.py recorded: access heatmap, working set, accuracy.

Usage: heatmap.py RECORD_DIR OUT_DIR [--width N] [--rows N] [--no-png]

Reads RECORD_DIR/{accessgen.jsonl,trace.txt,monitor.json} (see record.py)
and prints, for accessgen's buffer:

- the access heatmap (address down, time across) as DAMON saw it, and
  below it the same map of where accessgen really was busy;
- the working set size over time (bytes in regions with accesses) against
  the size of the hot areas;
- per phase, the fraction of hot bytes DAMON saw as accessed (found) and
  of cold bytes it saw as accessed (false).

Unicode shades in ANSI 256 colours when standard output is a terminal,
plain characters otherwise.  OUT_DIR gets heatmap.txt (the plain text),
wss.csv and heatmap.png: both maps one above the other with a title
(kernel, ops, intervals), time in seconds, the areas' names on the
address axis, the phases and a colour bar.  The PNG needs matplotlib
(Debian's python3-matplotlib, from make deps); without it the program
stops saying so, and --no-png writes the text files only.
"""

import argparse
import importlib
import json
import os
import re
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


# ==================== picture ====================

# Debian's python3-matplotlib (make deps installs it) is importable by
# Debian's own interpreter; a python3 found first in PATH (pyenv, a venv)
# may not see it.  The variable stops a second re-run.
DEBIAN_PYTHON = '/usr/bin/python3'
REEXEC_ENV = 'DAMON_HEATMAP_REEXEC'

# Address rows of the PNG's maps: 1 MiB each for accessgen's 256 MiB.
PNG_ROWS = 256
PNG_NAME = 'heatmap.png'
PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
COLOURMAP = 'inferno'


def need_matplotlib():
    """Make matplotlib importable, or exit saying what to install.

    Re-runs this program (same arguments) under Debian's python3 when the
    running interpreter lacks matplotlib and Debian's is another one.
    """
    try:
        importlib.import_module('matplotlib')
        return
    except ImportError:
        pass
    if (REEXEC_ENV not in os.environ and os.access(DEBIAN_PYTHON, os.X_OK)
            and os.path.realpath(DEBIAN_PYTHON) !=
            os.path.realpath(sys.executable)):
        os.environ[REEXEC_ENV] = '1'
        os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON] + sys.argv)
    raise SystemExit("heatmap: no matplotlib for heatmap.png: install "
                     "Debian's python3-matplotlib (make deps does), or "
                     "pass --no-png for the text only")


def fmt_ms(us):
    """Microseconds as milliseconds for a label: 5000 -> '5 ms'."""
    return f'{us / 1000:g} ms'


def row_edges(layout, rows):
    """Offsets (bytes from the buffer's start) bounding the PNG's rows."""
    size = layout['end'] - layout['start']
    return [size * i / rows for i in range(rows + 1)]


def seen_matrix(layout, snapshots, rows, max_nr):
    """Seen access frequency (0..1) per (address row, snapshot).

    Each row's value is the mean over its bytes of nr_accesses / max_nr,
    from the running sum of nr_accesses x bytes at the regions' bounds, so a
    snapshot costs one pass over its regions.
    """
    import numpy as np
    a0, a1 = layout['start'], layout['end']
    edges = np.array(row_edges(layout, rows))
    out = np.zeros((rows, len(snapshots)))
    for j, (_, regions) in enumerate(snapshots):
        xs, acc = [0.0], [0.0]
        for s, e, n, _ in regions:
            s, e = max(s, a0) - a0, min(e, a1) - a0
            if e > s:
                xs += [s, e]
                acc += [acc[-1], acc[-1] + (e - s) * n]
        xs.append(a1 - a0)
        acc.append(acc[-1])
        out[:, j] = np.diff(np.interp(edges, xs, acc)) / np.diff(edges)
    return np.minimum(out / max_nr, 1.0)


def true_matrix(layout, phases, rows):
    """Share (0..1) of each address row hot in each phase."""
    a0 = layout['start']
    edges = row_edges(layout, rows)
    return [[sum(overlap(h0 - a0, h1 - a0, lo, hi)
                 for h0, h1 in hot_ranges(layout, p)) / (hi - lo)
             for p in phases]
            for lo, hi in zip(edges, edges[1:])]


def snapshot_times(phases, snapshots, aggr_s):
    """Column edges (seconds since the first phase) and the snapshots
    that have a column.

    A damon_aggregated event comes at the end of its aggregation
    interval: each column spans from the snapshot before (or one interval
    back) to its own time.  Snapshots out of time order are dropped.
    """
    t0 = phases[0]['start']
    edges, kept = [], []
    for t, regions in snapshots:
        x = t - t0
        if edges and x <= edges[-1]:
            continue
        if not edges:
            edges.append(x - aggr_s)
        edges.append(x)
        kept.append((t, regions))
    return edges, kept


def area_axis(ax, layout):
    """Name the areas on the address axis; lines at their bounds."""
    a0 = layout['start']
    mib = [((a['start'] - a0) / MIB, (a['end'] - a0) / MIB)
           for a in layout['areas']]
    ax.set_yticks([(lo + hi) / 2 for lo, hi in mib],
                  [f'{a["name"]}\n{lo:g}-{hi:g} MiB'
                   for a, (lo, hi) in zip(layout['areas'], mib)])
    for lo, hi in mib:
        for y in (lo, hi):
            ax.axhline(y, color='white', linewidth=0.5, alpha=0.6)
    ax.set_ylabel(f'address: area, offset from {a0:#x}')


def phase_marks(ax, phases, label):
    """Dotted lines where phases change; their hot areas above if label."""
    t0 = phases[0]['start']
    for p in phases[1:]:
        ax.axvline(p['start'] - t0, color='cyan', linestyle=':',
                   linewidth=1)
    if not label:
        return
    top = ax.secondary_xaxis('top')
    top.set_xticks([(p['start'] + p['end']) / 2 - t0 for p in phases],
                   [f'phase {p["index"]}: '
                    f'{"+".join(p["hot"]) or "nothing"} hot'
                    for p in phases])
    top.tick_params(length=0)


def figure_title(layout, monitor, snapshots):
    """The two title lines: what was watched, how, with what loss."""
    regions = ''
    if 'min_regions' in monitor and 'max_regions' in monitor:
        regions = (f', {monitor["min_regions"]}-{monitor["max_regions"]}'
                   ' regions')
    size = (layout['end'] - layout['start']) // MIB
    return (f"DAMON access heatmap of accessgen's {size} MiB buffer\n"
            f'kernel {monitor["kernel"]}, ops {monitor["ops"]}, sampling '
            f'{fmt_ms(monitor["sample_us"])}, aggregation '
            f'{fmt_ms(monitor["aggr_us"])}{regions}; '
            f'{len(snapshots)} snapshots, {monitor["lost_events"]} trace '
            'events lost')


def build_figure(layout, phases, monitor, snapshots, rows=PNG_ROWS):
    """The PNG's figure: DAMON's view above the ground truth.

    Both maps share the time axis (seconds since the first phase) and the
    address axis (the buffer, lowest address on top, areas named) and one
    colour bar in percent: a cell's share of samples that found its pages
    accessed.  The axes are labelled 'damon', 'truth' and 'colour bar'
    (Artist.get_label) for the tests.  snapshots must not be empty.
    Needs matplotlib (need_matplotlib).
    """
    from matplotlib.figure import Figure
    max_nr = max(1, monitor['aggr_us'] // monitor['sample_us'])
    aggr_s = monitor['aggr_us'] / 1e6
    t0, t1 = phases[0]['start'], phases[-1]['end']
    y = [e / MIB for e in row_edges(layout, rows)]
    xs, kept = snapshot_times(phases, snapshots, aggr_s)
    fig = Figure(figsize=(11, 8.5), dpi=100, layout='constrained')
    fig.suptitle(figure_title(layout, monitor, snapshots))
    seen_ax, true_ax = fig.subplots(2, 1, sharex=True, sharey=True)
    style = {'cmap': COLOURMAP, 'vmin': 0, 'vmax': 100, 'shading': 'flat'}
    mesh = seen_ax.pcolormesh(
        xs, y, seen_matrix(layout, kept, rows, max_nr) * 100, **style)
    true_ax.pcolormesh(
        [p['start'] - t0 for p in phases] + [t1 - t0], y,
        [[v * 100 for v in r] for r in true_matrix(layout, phases, rows)],
        **style)
    seen_ax.set_title(f"DAMON's view: each region's nr_accesses per "
                      f"{fmt_ms(monitor['aggr_us'])} aggregation",
                      loc='left')
    true_ax.set_title("ground truth: accessgen's hot areas, which it reads "
                      'over and over (drawn at 100%)', loc='left')
    for ax, label in ((seen_ax, 'damon'), (true_ax, 'truth')):
        ax.set_label(label)
        ax.set_facecolor('lightgrey')  # where no snapshot is
        area_axis(ax, layout)
        phase_marks(ax, phases, ax is seen_ax)
    seen_ax.set_xlim(0, t1 - t0)
    seen_ax.invert_yaxis()
    true_ax.set_xlabel('time since phase 1 started (s)')
    bar = fig.colorbar(mesh, ax=[seen_ax, true_ax], shrink=0.9)
    bar.set_label(f'access frequency (% of the {max_nr} samples per '
                  'aggregation that found a page accessed)')
    bar.ax.set_label('colour bar')
    return fig


# ==================== files ====================

def write_png(fig, out_dir):
    """Save the figure as OUT_DIR/heatmap.png; return the path."""
    path = os.path.join(out_dir, PNG_NAME)
    fig.savefig(path, format='png')
    return path


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
    ap.add_argument('--no-png', dest='png', action='store_false',
                    help=f'text only, no {PNG_NAME} (needs matplotlib)')
    args = ap.parse_args()
    if args.png:
        need_matplotlib()

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
    written = 'heatmap.txt and wss.csv'
    if args.png:
        write_png(build_figure(layout, phases, monitor, snapshots),
                  args.out_dir)
        written = f'heatmap.txt, wss.csv and {PNG_NAME}'
    print(f'\nwrote {written} in {args.out_dir}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
