#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMOS quotas, through sysfs, on a process (fvaddr).

A willneed scheme for every region of a 64 MiB buffer would apply to all
of it every aggregation interval.  With a size quota of 1 MiB per 1000 ms
reset interval, the bytes it applies to must grow by the quota per reset
interval, within 10%, measured over 8 intervals (counted by the quota
exceed counter), and never faster than the quota per 1000 ms of wall
clock time.

With a user_input quota goal instead, the effective quota must grow
while the user reports a current value below the target, and shrink
once the user reports one above it.
"""

import time

import damon_admin as da
import damos_checks as c

BUF_MIB = 64
QUOTA = 1 << 20
RESET_MS = 1000
# every interval applies exactly QUOTA (1 MiB): 8 show it as well as 15
NR_RESETS = 8
TIMEOUT_S = 60
NAMES = ('size_quota_caps_applied_bytes', 'user_input_goal_raises_quota',
         'user_input_goal_lowers_quota')


def monitor(w, quota):
    return da.Context('fvaddr', targets=[
        da.Target(pid=w.pid, regions=[w.region('cold')])],
        schemes=[da.Scheme('willneed', quota=quota)])


def next_exceed(k):
    """Stats and time right after the quota is next exceeded."""
    first = k.stats()['qt_exceeds']
    c.wait_for(lambda: k.stats()['qt_exceeds'] != first, 10, 0.05)
    return time.monotonic(), k.stats()


def size_quota(w):
    quota = da.Quota(bytes=QUOTA, reset_interval_ms=RESET_MS)
    with da.Kdamond(monitor(w, quota)) as k:
        # both ends of the measurement at the same point of an interval
        t0, s0 = next_exceed(k)
        time.sleep(NR_RESETS * RESET_MS / 1000)
        t1, s1 = next_exceed(k)
    delta = {n: s1[n] - s0[n] for n in s1}
    intervals = delta['qt_exceeds']
    per_interval = delta['sz_applied'] / max(intervals, 1)
    # reset intervals last at least RESET_MS: the wall clock caps too
    cap = QUOTA * ((t1 - t0) * 1000 / RESET_MS + 1)
    ok = (intervals >= NR_RESETS // 2 and
          0.9 * QUOTA <= per_interval <= 1.1 * QUOTA and
          delta['sz_applied'] <= 1.1 * cap)
    return ok, (f'in {t1 - t0:.1f} s: {intervals} reset intervals that '
                f'hit the quota, {per_interval:.0f} bytes applied per '
                f'interval (quota {QUOTA}); {delta["sz_applied"]} bytes in '
                f'all, at most {cap:.0f} by the wall clock')


class GoalRun:
    """One kdamond with a user_input goal, for the two goal cases."""

    def __init__(self, w):
        goal = da.Goal('user_input', target_value=10000, current_value=0)
        quota = da.Quota(reset_interval_ms=100, goals=[goal])
        self.k = da.Kdamond(monitor(w, quota))
        self.high = None

    def rise(self):
        """current 0 < target: the effective quota must grow."""
        self.k.start()
        start = self.k.effective_bytes()
        c.wait_for(lambda: self.k.effective_bytes() >= 4 * max(start, 1),
                   TIMEOUT_S, 0.5)
        self.high = self.k.effective_bytes()
        return (self.high >= 4 * max(start, 1),
                f'current 0, target 10000: effective quota {start} -> '
                f'{self.high} bytes')

    def fall(self):
        """current 40000 > target: the effective quota must shrink."""
        if self.high is None:
            return False, 'the kdamond of the previous case did not start'
        self.k.set_goal_current(40000)
        c.wait_for(lambda: self.k.effective_bytes() <= self.high // 4,
                   TIMEOUT_S, 0.5)
        low = self.k.effective_bytes()
        return (low <= self.high // 4,
                f'current 40000, target 10000: effective quota '
                f'{self.high} -> {low} bytes')


def main():
    ktap = c.Ktap(len(NAMES))
    if not da.available():
        c.skip_all(ktap, NAMES, 'no DAMON sysfs interface')
    with c.Workload(cold=BUF_MIB) as w:
        c.run_case(ktap, NAMES[0], lambda: size_quota(w))
        goal = GoalRun(w)
        try:
            c.run_case(ktap, NAMES[1], goal.rise)
            c.run_case(ktap, NAMES[2], goal.fall)
        finally:
            goal.k.stop()
    ktap.finish()


if __name__ == '__main__':
    main()
