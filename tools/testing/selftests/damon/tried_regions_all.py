#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON sysfs interface: schemes/<S>/tried_regions_all, every tried region
in one file (this project's extension).

After update_schemes_tried_regions the file must hold, one line per
region and in the same order, exactly what the numbered directories of
tried_regions/ hold: "start end nr_accesses age sz_filter_passed" and the
hits of each installed probe.  Both come from one snapshot, so they must
match even though the kdamond keeps running.  The table is made larger
than a page, read in a few read() calls and at any offset, and is empty
before any update and after clear_schemes_tried_regions.  Skipped where
the kernel lacks the file (upstream).
"""

import os
import time

import damon_e2e
import sysfs_admin as a

K = 'kdamonds/0'
C = K + '/contexts/0'
S = C + '/schemes/0'
ALL = S + '/tried_regions_all'
TRIED = S + '/tried_regions'
NR_PROBES = 2

# Enough paddr regions for a table of several pages.
MIN_REGIONS = 300
PAGE = 4096

# TCG guests are slow: every wait polls with a generous deadline.
DEADLINE_S = 30

FIELDS = ('start', 'end', 'nr_accesses', 'age', 'sz_filter_passed')


def read_all():
    """(content, number of read() calls) of tried_regions_all, read with
    a buffer far larger than the file, as a one-read reader would."""
    fd = os.open(a.path(ALL), os.O_RDONLY)
    chunks = []
    try:
        while True:
            chunk = os.read(fd, 1 << 20)
            chunks.append(chunk)
            if not chunk:
                break
    finally:
        os.close(fd)
    return b''.join(chunks).decode(), len(chunks)


def parse_table(text):
    """The table as a list of tuples of ints, one per line."""
    return [tuple(int(v) for v in line.split())
            for line in text.splitlines()]


def region_dirs():
    top = a.path(TRIED)
    return sorted((n for n in os.listdir(top) if n.isdigit()), key=int)


def read_dirs():
    """The numbered directories of tried_regions, as tuples like the
    table's lines: the five fields, then probes/<P>/hits in order."""
    rows = []
    for name in region_dirs():
        rd = f'{TRIED}/{name}'
        row = [int(a.read(f'{rd}/{f}')) for f in FIELDS]
        probes = sorted((n for n in os.listdir(a.path(f'{rd}/probes'))
                         if n.isdigit()), key=int)
        row += [int(a.read(f'{rd}/probes/{p}/hits')) for p in probes]
        rows.append(tuple(row))
    return rows


def start():
    """A paddr kdamond of MIN_REGIONS or more regions, with NR_PROBES
    probes and one stat scheme that tries every region."""
    a.setup(ops='paddr', schemes=[{'action': 'stat'}])
    a.must_write(C + '/monitoring_attrs/nr_regions/min', MIN_REGIONS)
    a.must_write(C + '/monitoring_attrs/nr_regions/max', 2 * MIN_REGIONS)
    a.set_probes([{'weight': 0}] * NR_PROBES)
    a.must_write(K + '/state', 'on')


def update_many():
    """Update until the scheme was tried on MIN_REGIONS regions or more."""
    def enough():
        return a.command('update_schemes_tried_regions') == 0 and \
            len(region_dirs()) >= MIN_REGIONS
    return a.wait_for(enough, DEADLINE_S, 0.2)


def report(ktap, name, fails):
    for m in fails:
        ktap.diag(f'{name}: {m}')
    ktap.result(not fails, name)


def test_empty_before_update(ktap):
    start()
    fails = []
    if a.mode(ALL) != 0o400:
        fails.append(f'mode {oct(a.mode(ALL))}, expected 0o400')
    text, _ = read_all()
    if text:
        fails.append(f'{len(text)} bytes before any update')
    # the file sits beside tried_regions/, whose listing stays upstream's
    extra = [n for n in os.listdir(a.path(TRIED))
             if n != 'total_bytes' and not n.isdigit()]
    if extra:
        fails.append(f'tried_regions/ also lists {extra}')
    a.reset()
    report(ktap, 'empty_before_update', fails)


def test_matches_dirs(ktap):
    start()
    fails = []
    if not update_many():
        fails.append(f'fewer than {MIN_REGIONS} tried regions')
    t0 = time.monotonic()
    text, nr_reads = read_all()
    t_all = time.monotonic() - t0
    t0 = time.monotonic()
    dirs = read_dirs()
    t_dirs = time.monotonic() - t0
    table = parse_table(text)
    ktap.diag(f'{len(table)} regions, {len(text)} bytes in {nr_reads} '
              f'reads: {t_all * 1000:.1f} ms; directories '
              f'{t_dirs * 1000:.1f} ms')
    if len(text) <= PAGE:
        fails.append(f'only {len(text)} bytes: not more than a page')
    if not text.endswith('\n'):
        fails.append('the last line has no newline')
    # a page a read() at most: a few calls, not one per region
    if nr_reads > len(text) // PAGE + 2:
        fails.append(f'{nr_reads} reads for {len(text)} bytes')
    if any(len(row) != len(FIELDS) + NR_PROBES for row in table):
        fails.append(f'lines without {len(FIELDS)} fields and '
                     f'{NR_PROBES} probe hits')
    if table != dirs:
        fails.append(f'table ({len(table)} lines) differs from the '
                     f'directories ({len(dirs)})')
        for i, (t, d) in enumerate(zip(table, dirs)):
            if t != d:
                fails.append(f'first difference, region {i}: {t} vs {d}')
                break
    total = int(a.read(TRIED + '/total_bytes'))
    if total != sum(r[1] - r[0] for r in table):
        fails.append(f'total_bytes {total} is not the table\'s sum')
    a.reset()
    report(ktap, 'matches_dirs', fails)


def test_offsets(ktap):
    """cat, and a read from the middle (pread), see the same bytes."""
    start()
    fails = []
    if not update_many():
        fails.append(f'fewer than {MIN_REGIONS} tried regions')
    text, _ = read_all()
    with open(a.path(ALL)) as f:
        if f.read() != text:
            fails.append('a buffered read differs')
    data = text.encode()
    fd = os.open(a.path(ALL), os.O_RDONLY)
    try:
        mid = len(data) // 2 + 1
        if os.pread(fd, PAGE, mid) != data[mid:mid + PAGE]:
            fails.append(f'pread at {mid} differs')
        if os.pread(fd, PAGE, len(data)) != b'':
            fails.append('pread at the end is not empty')
        if os.pread(fd, PAGE, len(data) + 3 * PAGE) != b'':
            fails.append('pread past the end is not empty')
    finally:
        os.close(fd)
    a.reset()
    report(ktap, 'offsets', fails)


def test_empty_after_clear(ktap):
    start()
    fails = []
    if not update_many():
        fails.append(f'fewer than {MIN_REGIONS} tried regions')
    if not read_all()[0]:
        fails.append('empty after an update')
    if a.command('clear_schemes_tried_regions'):
        fails.append('clear_schemes_tried_regions refused')
    text, _ = read_all()
    if text or region_dirs():
        fails.append(f'{len(text)} bytes, {len(region_dirs())} '
                     'directories after clear')
    # update_schemes_tried_bytes touches total_bytes only
    if a.command('update_schemes_tried_bytes'):
        fails.append('update_schemes_tried_bytes refused')
    text, _ = read_all()
    if text or not int(a.read(TRIED + '/total_bytes')):
        fails.append(f'tried_bytes: {len(text)} bytes, total_bytes '
                     f'{a.read(TRIED + "/total_bytes")}')
    a.reset()
    report(ktap, 'empty_after_clear', fails)


def main():
    tests = [test_empty_before_update, test_matches_dirs, test_offsets,
             test_empty_after_clear]
    a.reset()
    if a.exists('kdamonds/nr_kdamonds'):
        a.setup(ops='paddr', schemes=[{'action': 'stat'}])
        if not a.exists(ALL):
            ktap = damon_e2e.Ktap(len(tests))
            for t in tests:
                ktap.result(True, t.__name__[5:], 'no tried_regions_all')
            a.reset()
            ktap.finish()
        a.reset()
    a.run_tests(tests)


if __name__ == '__main__':
    main()
