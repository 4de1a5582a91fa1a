#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON_RECLAIM pages out idle memory and leaves hot memory alone.

access_hotcold keeps writing a 32 MiB part of its buffer and leaves the
other 256 MiB untouched.  With zram swap, DAMON_RECLAIM (min_age 2 s, no
quota, watermarks always met, monitoring the physical memory behind the
buffer) must page out most of the idle part within
a bounded time while the hot part stays resident.  With skip_anon=Y it
must page out none of it while it tries 100 idle regions (or for 20 s).
"""

import os
import subprocess
import time

import damon_modules as m

MOD = 'damon_reclaim'
IDLE_MIB = 256
HOT_MIB = 32
WITHIN_S = 150          # TCG: compressing 256 MiB into zram takes a while
PAGED_OUT = 0.8         # share of the idle part that must be paged out
HOT_RESIDENT = 0.9      # share of the hot part that must stay
SKIP_ANON_S = 20
# Tries of idle regions that skip_anon must survive: each try would page
# its region out at once (the action is synchronous), so 100 of them, a
# few seconds after min_age, are as telling as 20 s (about 800 tries).
SKIP_ANON_TRIED = 100

PARAMS = {'min_age': 2000000, 'quota_ms': 0, 'quota_sz': 0,
          'wmarks_interval': 100000, 'sample_interval': 5000,
          'aggr_interval': 100000, **m.ALWAYS_ACTIVE}


class HotCold:
    def __init__(self):
        self.proc = subprocess.Popen(
            [os.path.join(m.HERE, 'access_hotcold'),
             str(IDLE_MIB + HOT_MIB), str(HOT_MIB), str(IDLE_MIB)],
            stdout=subprocess.PIPE, text=True)
        start, _, self.hot_start, self.hot_end = (
            int(x, 16) for x in self.proc.stdout.readline().split())
        self.idle = (start, self.hot_start)

    def span(self):
        return m.phys_span_params(self.proc.pid,
                                  [self.idle, (self.hot_start, self.hot_end)])

    def resident(self):
        """Resident shares of the idle and of the hot part."""
        p, _, n = m.page_states(self.proc.pid, *self.idle)
        hp, _, hn = m.page_states(self.proc.pid, self.hot_start,
                                  self.hot_end)
        return p / n, hp / hn

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def kdamonds():
    """Pids and names of every kdamond thread of the system."""
    found = []
    for p in os.listdir('/proc'):
        if p.isdigit() and m.is_kdamond(p):
            with open(f'/proc/{p}/comm') as f:
                found.append(f'{p}:{f.read().strip()}')
    return found


def swapped_out():
    """Pages swapped out so far, to zram or into zswap."""
    total = 0
    with open('/proc/vmstat') as f:
        for line in f:
            name, value = line.split()
            if name in ('pswpout', 'zswpout'):
                total += int(value)
    return total


def reclaim_idle(ktap):
    w = HotCold()
    swapped = swapped_out()
    try:
        m.set_params(MOD, {**PARAMS, **w.span(), 'skip_anon': 'N'})
        m.set_params(MOD, {'enabled': 'Y'})
        pid = m.pid(MOD)
        running = m.running(MOD)
        others = [k for k in kdamonds() if not k.startswith(f'{pid}:')]
        t0 = time.monotonic()
        idle, hot = w.resident()
        reclaimed = 0
        # the module pages the idle part out, and says so in its stats
        while time.monotonic() - t0 < WITHIN_S:
            idle, hot = w.resident()
            reclaimed = m.stat(MOD, 'bytes_reclaimed_regions')
            if idle <= 1 - PAGED_OUT and reclaimed:
                break
            time.sleep(2)
        took = time.monotonic() - t0
        idle, hot = w.resident()
        reclaimed = m.stat(MOD, 'bytes_reclaimed_regions')
        tried = m.stat(MOD, 'nr_reclaim_tried_regions')
        still = m.running(MOD) and m.pid(MOD) == pid
    finally:
        m.write(MOD, 'enabled', 'N')
        w.stop()
    swapped = (swapped_out() - swapped) * 4096 >> 20
    ktap.diag(f'after {took:.0f} s: idle part {idle:.1%} resident, hot '
              f'part {hot:.1%}; {tried} regions tried, '
              f'{reclaimed >> 20} MiB reclaimed, {swapped} MiB swapped out')
    ok = idle <= 1 - PAGED_OUT and hot >= HOT_RESIDENT and reclaimed > 0
    if not (running and still and not others) or not ok:
        ktap.diag(f'kdamond {pid} running at enable {running}, at the end '
                  f'{still}; other kdamonds {others}; params {params()}')
    ok = ok and running and still and not others
    ktap.result(ok, 'reclaim_pages_out_idle_keeps_hot')


def params():
    d = m.params_dir(MOD)
    return {n: m.read(MOD, n) for n in sorted(os.listdir(d))}


def skip_anon(ktap):
    w = HotCold()
    try:
        m.set_params(MOD, {**PARAMS, **w.span(), 'skip_anon': 'Y'})
        # (counted from here whether or not enabling resets the stat)
        base = m.stat(MOD, 'nr_reclaim_tried_regions')
        m.set_params(MOD, {'enabled': 'Y'})
        _, waited = m.deadline_poll(
            lambda: m.stat(MOD, 'nr_reclaim_tried_regions') >=
            base + SKIP_ANON_TRIED, SKIP_ANON_S)
        idle, hot = w.resident()
        tried = m.stat(MOD, 'nr_reclaim_tried_regions')
    finally:
        m.write(MOD, 'enabled', 'N')
        m.write(MOD, 'skip_anon', 'N')
        w.stop()
    ktap.diag(f'skip_anon: after {waited:.0f} s idle part {idle:.1%} '
              f'resident, {tried} regions tried')
    ktap.result(idle >= 0.98 and tried > 0, 'reclaim_skip_anon_keeps_anon')


def main():
    ktap = m.Ktap(2)
    names = ('reclaim_pages_out_idle_keeps_hot',
             'reclaim_skip_anon_keeps_anon')
    if not os.path.isdir(m.params_dir(MOD)):
        for n in names:
            ktap.result(True, n, 'DAMON_RECLAIM not built in')
        ktap.finish()
    m.disable_all()
    zram = m.Zram()
    if not zram.dev:
        for n in names:
            ktap.result(True, n, 'no zram for swap')
        ktap.finish()
    try:
        reclaim_idle(ktap)
        skip_anon(ktap)
    finally:
        m.disable_all()
        m.set_params(MOD, {'min_age': 120000000, 'quota_ms': 10,
                           'quota_sz': 128 << 20, 'wmarks_high': 500,
                           'wmarks_mid': 400, 'wmarks_low': 200,
                           'wmarks_interval': 5000000,
                           'monitor_region_start': 0,
                           'monitor_region_end': 0})
        zram.close()
    ktap.finish()


if __name__ == '__main__':
    main()
