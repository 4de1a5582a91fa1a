#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON sysfs interface: directories removed while commands are in flight.

Writers keep shrinking and growing nr_schemes, nr_targets, nr_regions and
the lists of a scheme, while others keep sending commands to the running
kdamond and reading files that may vanish under them.  Nothing may crash,
hang or leak (the guest's kernel log is checked for splats); afterwards
the interface must still work.
"""

import errno
import os
import threading
import time

import damon_e2e as d
import sysfs_admin as a

K = 'kdamonds/0'
C = K + '/contexts/0'
DURATION_S = 20
# errors a racing access may see, besides success
RACE_ERRNOS = {errno.ENOENT, errno.ENODEV, errno.EINVAL, errno.ECANCELED,
               errno.EBUSY}


class Loop(threading.Thread):
    def __init__(self, name, step, stop):
        super().__init__(name=name, daemon=True)
        self.step = step
        self.stop = stop
        self.count = 0
        self.unexpected = []

    def run(self):
        while not self.stop.is_set():
            try:
                err = self.step(self.count)
            except OSError as e:
                err = e.errno
            if err and err not in RACE_ERRNOS:
                self.unexpected.append(err)
            self.count += 1


def shrink_grow(f, values):
    def step(i):
        return a.write(f, values[i % len(values)])
    return step


def targets_step(pid):
    def step(i):
        if i % 2:
            return a.write(C + '/targets/nr_targets', 0)
        return a.write(C + '/targets/nr_targets', 1) or \
            a.write(C + '/targets/0/pid_target', pid)
    return step


def commands(cmds):
    def step(i):
        return a.command(cmds[i % len(cmds)])
    return step


def reader(i):
    """Read every file under the first scheme, tolerating vanished ones."""
    for f in a.walk_files(C + '/schemes'):
        try:
            a.read(f)
        except OSError as e:
            if e.errno not in RACE_ERRNOS:
                return e.errno
    return 0


def scheme_lists(i):
    s = f'{C}/schemes/{i % 3}'
    for f, v in (('quotas/goals/nr_goals', i % 3),
                 ('filters/nr_filters', i % 2),
                 ('dests/nr_dests', i % 2)):
        err = a.write(f'{s}/{f}', v)
        if err:
            return err
    return 0


def race(ktap, name, loops):
    stop = threading.Event()
    threads = [Loop(n, step, stop) for n, step in loops]
    for t in threads:
        t.start()
    time.sleep(DURATION_S)
    stop.set()
    for t in threads:
        t.join(60)
    hung = [t.name for t in threads if t.is_alive()]
    ktap.diag(', '.join(f'{t.name} {t.count}' for t in threads))
    fails = [f'{t.name}: unexpected errno {sorted(set(t.unexpected))}'
             for t in threads if t.unexpected]
    fails += [f'{n} hung' for n in hung]
    for m in fails:
        ktap.diag(m)
    ktap.result(not fails and all(t.count for t in threads), name)


def main():
    ktap = d.Ktap(3)
    if not a.exists('kdamonds/nr_kdamonds'):
        for n in ('race_schemes', 'race_targets', 'still_works'):
            ktap.result(True, n, 'no DAMON sysfs interface')
        ktap.finish()

    a.setup(ops='paddr', schemes=[{'action': 'stat'}] * 3)
    a.must_write(K + '/refresh_ms', 10)
    a.must_write(K + '/state', 'on')
    race(ktap, 'race_schemes', [
        ('nr_schemes', shrink_grow(C + '/schemes/nr_schemes',
                                   [0, 3, 1, 3])),
        ('scheme_lists', scheme_lists),
        ('tried', commands(['update_schemes_tried_regions',
                            'clear_schemes_tried_regions',
                            'update_schemes_tried_bytes'])),
        ('updates', commands(['update_schemes_stats',
                              'update_schemes_effective_quotas',
                              'commit_schemes_quota_goals', 'commit'])),
        ('reader', reader),
    ])

    w = d.Workload(total_mib=16, hot_mib=4, hot_offset_mib=0)
    try:
        a.setup(ops='vaddr', pids=[w.pid], schemes=[{'action': 'stat'}])
        a.must_write(K + '/refresh_ms', 10)
        a.must_write(K + '/state', 'on')
        race(ktap, 'race_targets', [
            ('nr_targets', targets_step(w.pid)),
            ('nr_regions', shrink_grow(C + '/targets/0/regions/nr_regions',
                                       [0, 2])),
            ('commit', commands(['commit', 'update_schemes_tried_regions',
                                 'update_tuned_intervals'])),
            ('reader', reader),
        ])
    finally:
        w.stop()

    a.setup(ops='paddr', schemes=[{'action': 'stat'}])
    ok = a.command('on') == 0 and a.state() == 'on'
    ok = ok and a.command('update_schemes_stats') == 0
    ok = ok and a.command('off') == 0
    a.reset()
    ktap.result(ok, 'still_works')
    ktap.finish()


if __name__ == '__main__':
    main()
