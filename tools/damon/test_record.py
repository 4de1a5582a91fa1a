#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of record.py's two readers of tried regions: the one file
tried_regions_all and the tried_regions/<R>/ directories must give the
same regions for the same snapshot.  Run: python3 test_record.py
Ends with the line "N passed, N failed".
"""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import record  # noqa: E402

# start end nr_accesses age sz_filter_passed, then two probes' hits
REGIONS = [(4096, 8192, 3, 7, 0, 1, 2),
           (8192, 1 << 40, 0, 12, 4096, 0, 0),
           ((1 << 40) + 4096, (1 << 48) - 4096, 20, 0, 0, 9, 20)]


def make_tree(top):
    """A scheme directory holding REGIONS both ways."""
    tried = os.path.join(top, 'tried_regions')
    os.makedirs(tried)
    with open(os.path.join(tried, 'total_bytes'), 'w') as f:
        f.write(f'{sum(r[1] - r[0] for r in REGIONS)}\n')
    for i, r in enumerate(REGIONS):
        d = os.path.join(tried, str(i))
        os.makedirs(os.path.join(d, 'probes'))
        for name, v in zip(('start', 'end', 'nr_accesses', 'age',
                            'sz_filter_passed'), r):
            with open(os.path.join(d, name), 'w') as f:
                f.write(f'{v}\n')
    with open(os.path.join(top, 'tried_regions_all'), 'w') as f:
        f.writelines(' '.join(str(v) for v in r) + '\n' for r in REGIONS)
    return tried


class TriedReaders(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.tried = make_tree(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def test_one_file_gives_the_four_fields(self):
        got = record.read_tried_all(os.path.join(self.tmp.name,
                                                 'tried_regions_all'))
        self.assertEqual(got, [list(r[:4]) for r in REGIONS])

    def test_both_readers_agree(self):
        one = record.read_tried_all(os.path.join(self.tmp.name,
                                                 'tried_regions_all'))
        self.assertEqual(one, record.read_tried_dirs(self.tried))

    def test_directories_in_numeric_order(self):
        # 10 sorts before 2 as a string
        for i in range(3, 11):
            d = os.path.join(self.tried, str(i))
            os.makedirs(d)
            for name, v in zip(('start', 'end', 'nr_accesses', 'age'),
                               (i << 48, (i << 48) + 1, 0, 0)):
                with open(os.path.join(d, name), 'w') as f:
                    f.write(f'{v}\n')
        starts = [r[0] for r in record.read_tried_dirs(self.tried)]
        self.assertEqual(starts, sorted(starts))

    def test_empty_file_no_regions(self):
        path = os.path.join(self.tmp.name, 'tried_regions_all')
        open(path, 'w').close()
        self.assertEqual(record.read_tried_all(path), [])


def main():
    """Run the tests; print the closing line."""
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(
        unittest.defaultTestLoader.loadTestsFromModule(
            sys.modules[__name__]))
    failed = len(result.failures) + len(result.errors)
    print(f'{result.testsRun - failed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
