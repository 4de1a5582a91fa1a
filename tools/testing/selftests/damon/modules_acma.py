#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON_ACMA gives memory the guest does not need to the host and takes
it back when the guest needs it again.

The scenario of the issue, in the 4 GiB test guest with a virtio-balloon
device that does free page reporting (driver/guest-run.sh with
GUEST_BALLOON=1, as make test runs it; skipped without): resize_workload
uses 3 GiB, then shrinks to 1 GiB.  With DAMON_ACMA enabled (min_age
1 s, min_mem 1 GiB) the module must, within a bounded time, take at
least 1.5 GiB out of the page allocator (taken_bytes, MemTotal) while
QEMU's resident set on the host (read through /run/host, host.py) falls
by at least 1.5 GiB from its peak, with no OOM and the memory stall time
(PSI some) under the module's goal.  The workload then grows back to
3 GiB: it must get there, with every page's contents verified, while the
module gives memory back (taken_bytes falls).  Disabling the module
gives every block back: taken_bytes 0, MemTotal as before.  The workload
ends verifying every page it holds: no page may have lost its contents
on the way.  With DAMON_ACMA_COMPARE=1 it first shrinks and grows once
more with the module off, to give the growing time to compare with (a
benchmark figure, about a minute under TCG, so not done by default).

Also: invalid parameters are refused with EINVAL (the write, or the
enable or commit that uses them) and change nothing; enabling the module
beside a running kdamond of the sysfs interface, and the other way
round, fails with EBUSY and leaves the running one alone.

The figures the issue's closing note asks for are printed as diagnostics
("figures: ..."): memory returned and how long it took, QEMU's resident
set before and after, PSI, and the workload's growing time with the
module on and off.
"""

import errno
import os
import queue
import re
import subprocess
import threading
import time

import damon_modules as m
import host

MOD = 'damon_acma'
GIB = 1 << 30
BIG_MIB = 3072
SMALL_MIB = 1024
WANT_TAKEN = 3 * GIB // 2
WANT_RSS_FALL = 3 * GIB // 2
# TCG runs about ten times slower than hardware: bounds sized for it
READY_S = 300           # writing 3 GiB
SHRINK_WITHIN_S = 240   # taking 1.5 GiB
GROW_WITHIN_S = 300     # growing back by 2 GiB, blocks given back
RELEASE_WITHIN_S = 60   # disable: every block back
REPORT_S = 5            # free page reporting's delay is 2 s
RESET_MS = 1000
PSI_GOAL_US = 1000

PARAMS = {'min_age': 1000000, 'quota_ms': 0, 'quota_sz': 1 * GIB,
          'quota_reset_interval_ms': RESET_MS,
          'quota_mem_pressure_us': PSI_GOAL_US,
          'scale_up_free_permil': 50, 'scale_down_free_permil': 200,
          'min_mem': 1 * GIB, 'max_mem': 0,
          'sample_interval': 5000, 'aggr_interval': 100000}

NAMES = ('acma_invalid_parameters_rejected', 'acma_excludes_sysfs_kdamond',
         'acma_scales_down_to_host', 'acma_scales_up_for_workload',
         'acma_disable_gives_all_back', 'acma_workload_contents_intact')


class Workload:
    """resize_workload, answering on a pipe; its lines come through a
    thread so that every wait has a deadline."""

    def __init__(self, mib):
        self.proc = subprocess.Popen(
            [os.path.join(m.HERE, 'resize_workload'), str(mib)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def wait_line(self, prefix, timeout, poll=None):
        """The next line starting with prefix, or None after timeout
        seconds or the workload's end; poll() is called every second
        meanwhile."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                if poll:
                    poll()
                continue
            if line is None:
                return None
            if line.startswith(prefix):
                return line
        return None

    def send(self, cmd):
        self.proc.stdin.write(cmd + '\n')
        self.proc.stdin.flush()

    def resize(self, mib, timeout, poll=None):
        """Seconds the workload took to resize to mib MiB, or None."""
        self.send(f'size {mib}')
        line = self.wait_line('done', timeout, poll)
        return float(line.split()[2]) if line else None

    def alive(self):
        return self.proc.poll() is None

    def finish(self, timeout=120):
        """Stop it: (exit code, final JSON line)."""
        try:
            self.send('stop')
        except OSError:
            pass
        line = self.wait_line('{', timeout)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        return rc, line

    def kill(self):
        if self.alive():
            self.proc.kill()
        self.proc.wait()


def psi_some_us():
    """Total memory 'some' stall time so far, in microseconds."""
    with open('/proc/pressure/memory') as f:
        for line in f:
            if line.startswith('some '):
                return int(re.search(r'total=(\d+)', line).group(1))
    return 0


def oom_kills():
    """OOM kills the kernel logged so far."""
    log = subprocess.run(['dmesg'], capture_output=True, text=True).stdout
    return len(re.findall(r'Out of memory|oom-kill:', log))


def params():
    d = m.params_dir(MOD)
    return {n: m.read(MOD, n) for n in sorted(os.listdir(d))}


# Enabling with the default region (0, 0) writes the region it chose
# into these, as for every module (modules_interface.py): not a change.
REGION = ('monitor_region_start', 'monitor_region_end')


def settable(skip=()):
    """The writable parameters and their values (read-only stats excluded:
    they move by themselves), but those in skip."""
    d = m.params_dir(MOD)
    return {n: m.read(MOD, n) for n in sorted(os.listdir(d))
            if os.stat(os.path.join(d, n)).st_mode & 0o200 and
            n not in ('enabled', 'commit_inputs') + tuple(skip)}


def mib(nbytes):
    return f'{nbytes / (1 << 20):.0f} MiB'


# ---------------------------------------------------------------------------
# parameter checks

# Each case: parameters written in order; the last write, or enabling with
# them, must fail with EINVAL.
INVALID = [
    ('unparseable min_mem', {'min_mem': 'lots'}),
    ('negative permil', {'scale_up_free_permil': '-1'}),
    ('trailing junk', {'min_age': '1000x'}),
    ('up permil above down', {'scale_up_free_permil': 300}),
    ('up permil equal to down', {'scale_up_free_permil': 200}),
    ('down permil over 1000', {'scale_down_free_permil': 1001}),
    ('min_mem over max_mem', {'max_mem': 1 * GIB, 'min_mem': 2 * GIB}),
    ('zero pressure goal', {'quota_mem_pressure_us': 0}),
]


def try_invalid(case, values, bad):
    """Write values; the module, stopped, must refuse them at the write or
    at enable, and keep what it had otherwise."""
    before = settable()
    err = 0
    for name, value in values.items():
        err = m.write(MOD, name, value)
        if err:
            break
    if err:
        if err != errno.EINVAL or settable() != before:
            bad.append(f'{case}: errno {err}, '
                       f'{before} -> {settable()}')
    else:
        err = m.write(MOD, 'enabled', 'Y')
        if err != errno.EINVAL or m.pid(MOD) != -1 or \
                m.read(MOD, 'enabled') != 'N':
            bad.append(f'{case}: enable errno {err}, pid {m.pid(MOD)}')
            m.write(MOD, 'enabled', 'N')
    return before


def try_invalid_commit(case, values, bad):
    """The same values, written into the running module: refused at the
    write or at commit_inputs, and the kdamond runs on."""
    p = m.pid(MOD)
    err = 0
    for name, value in values.items():
        err = m.write(MOD, name, value)
        if err:
            break
    if not err:
        err = m.write(MOD, 'commit_inputs', 'Y')
    if err != errno.EINVAL or m.pid(MOD) != p or not m.running(MOD):
        bad.append(f'{case} committed: errno {err}, kdamond {p} -> '
                   f'{m.pid(MOD)}')


def check_invalid(ktap):
    bad = []
    m.set_params(MOD, PARAMS)
    good = settable(REGION)
    for case, values in INVALID:
        try_invalid(case, values, bad)
        m.set_params(MOD, PARAMS)
    # and into a running module (nothing to take: min_age 1 hour)
    m.set_params(MOD, {'min_age': 3600 * 1000000})
    err = m.write(MOD, 'enabled', 'Y')
    if err:
        bad.append(f'enable with valid parameters: errno {err}')
    else:
        for case, values in INVALID:
            try_invalid_commit(case, values, bad)
            m.set_params(MOD, {**PARAMS, 'min_age': 3600 * 1000000})
    m.write(MOD, 'enabled', 'N')
    m.set_params(MOD, PARAMS)
    if settable(REGION) != good:
        bad.append(f'parameters changed: {good} -> {settable(REGION)}')
    for line in bad:
        ktap.diag(line)
    ktap.result(not bad, NAMES[0])


def check_exclusive(ktap):
    """DAMON_ACMA and a kdamond of the sysfs interface exclude each other
    (EBUSY), and the one running survives."""
    bad = []
    if not os.path.isdir('/sys/kernel/mm/damon/admin'):
        ktap.result(True, NAMES[1], 'no DAMON sysfs interface')
        return
    import sysfs_admin as sa
    sa.setup('paddr', regions=[(1 << 30, 2 << 30)])
    err = sa.command('on')
    if err:
        bad.append(f'sysfs on: errno {err}')
    else:
        err = m.write(MOD, 'enabled', 'Y')
        if err != errno.EBUSY or m.pid(MOD) != -1 or \
                m.read(MOD, 'enabled') != 'N':
            bad.append(f'sysfs kdamond running, {MOD}: errno {err}, '
                       f'pid {m.pid(MOD)}, enabled {m.read(MOD, "enabled")}')
            m.write(MOD, 'enabled', 'N')
        if sa.state() != 'on':
            bad.append(f'the sysfs kdamond did not survive {MOD}')
    sa.reset()
    err = m.write(MOD, 'enabled', 'Y')
    p = m.pid(MOD)
    if err or not m.running(MOD):
        bad.append(f'{MOD} alone: errno {err}, pid {p}')
    else:
        sa.setup('paddr', regions=[(1 << 30, 2 << 30)])
        err = sa.command('on')
        if err != errno.EBUSY or sa.state() != 'off':
            bad.append(f'{MOD} running, sysfs on: errno {err}')
        if m.pid(MOD) != p or not m.running(MOD):
            bad.append(f'{MOD} kdamond {p} did not survive sysfs on')
        sa.reset()
    m.write(MOD, 'enabled', 'N')
    for line in bad:
        ktap.diag(line)
    ktap.result(not bad, NAMES[1])


# ---------------------------------------------------------------------------
# the scenario

class Watch:
    """What the test samples while waiting: QEMU's resident set (peak and
    lowest since), taken_bytes (peak), the module's states seen."""

    def __init__(self):
        self.qpid = host.qemu_pid()
        self.rss_peak = self.rss_low = self.rss = self.rss_now()
        self.taken_peak = 0
        self.states = set()

    def rss_now(self):
        if self.qpid is None:
            return None
        try:
            return host.vm_rss(self.qpid)
        except OSError:
            return None

    def sample(self):
        self.rss = self.rss_now()
        if self.rss is None:
            pass
        elif self.rss > self.rss_peak:
            # the fall counts from the peak on
            self.rss_peak = self.rss_low = self.rss
        else:
            self.rss_low = min(self.rss_low, self.rss)
        taken = m.stat(MOD, 'taken_bytes')
        self.taken_peak = max(self.taken_peak, taken)
        self.states.add(m.read(MOD, 'state'))
        return taken

    def rss_fall(self):
        if self.rss is None:
            return None
        return self.rss_peak - self.rss_low


def scale_down(ktap, w, watch, fig):
    """Enable the module over the shrunk workload: blocks are taken and
    the host gets memory back."""
    rss_shrunk = watch.rss_now()
    fig['rss_before_module'] = rss_shrunk
    m.set_params(MOD, PARAMS)
    psi0, oom0, t0 = psi_some_us(), oom_kills(), time.monotonic()
    err = m.write(MOD, 'enabled', 'Y')
    taken = took = 0
    ok = False
    while not err and time.monotonic() - t0 < SHRINK_WITHIN_S:
        taken = watch.sample()
        fall = watch.rss_fall()
        ok = taken >= WANT_TAKEN and (fall is None or fall >= WANT_RSS_FALL)
        if ok:
            break
        time.sleep(2)
    took = time.monotonic() - t0
    psi = psi_some_us() - psi0
    per_period = psi * RESET_MS * 1000 / max(took * 1e6, 1)
    fig.update(taken=taken, took=took, psi_per_period=per_period,
               rss_peak=watch.rss_peak, rss_after=watch.rss,
               memtotal=m.meminfo('MemTotal'))
    ooms = oom_kills() - oom0
    alive = w.alive()
    ktap.diag(f'scale down: errno {err}; after {took:.0f} s taken '
              f'{mib(taken)} (peak {mib(watch.taken_peak)}), MemTotal '
              f'{mib(fig["memtotal"])}, states seen {sorted(watch.states)}')
    if watch.qpid is None:
        ktap.diag('no view of the host (/run/host/proc): QEMU RSS unchecked')
    else:
        ktap.diag(f'QEMU RSS peak {mib(watch.rss_peak)}, after the shrink '
                  f'{mib(rss_shrunk)}, now {mib(watch.rss)}, fell by '
                  f'{mib(watch.rss_fall())}')
    ktap.diag(f'PSI some {psi} us in {took:.0f} s: {per_period:.0f} us per '
              f'{RESET_MS} ms period (goal {PSI_GOAL_US}); {ooms} OOM kills, '
              f'workload alive {alive}')
    ok = ok and not err and not ooms and alive and per_period <= PSI_GOAL_US
    if not ok:
        ktap.diag(f'params {params()}')
    ktap.result(ok, NAMES[2])


def stats():
    """The schemes' statistics, for the diagnostics."""
    return ', '.join(f'{n} {m.read(MOD, n)}' for n in (
        'nr_take_tried_regions', 'bytes_taken_regions',
        'nr_give_tried_regions', 'bytes_given_regions'))


def scale_up(ktap, w, watch, fig):
    """Grow the workload back: it gets its memory, the module gives."""
    oom0 = oom_kills()
    taken0 = m.stat(MOD, 'taken_bytes')
    low = [taken0]
    watch.states = set()

    def poll():
        low[0] = min(low[0], watch.sample())
    secs = w.resize(BIG_MIB, GROW_WITHIN_S, poll)
    poll()
    ooms = oom_kills() - oom0
    fig['grow_on'] = secs
    ktap.diag(f'scale up: grew back to {BIG_MIB} MiB in '
              f'{"(not done)" if secs is None else f"{secs:.1f} s"}; '
              f'taken {mib(taken0)} -> lowest {mib(low[0])}, now '
              f'{mib(m.stat(MOD, "taken_bytes"))}; states seen '
              f'{sorted(watch.states)}; {stats()}; {ooms} OOM kills')
    ok = secs is not None and w.alive() and not ooms and low[0] < taken0
    if not ok:
        ktap.diag(f'params {params()}')
    ktap.result(ok, NAMES[3])


def check_disable(ktap, memtotal0):
    """Disabling ends the kdamond, which gives every block back."""
    err = m.write(MOD, 'enabled', 'N')
    _, waited = m.deadline_poll(
        lambda: m.stat(MOD, 'taken_bytes') == 0 and
        m.meminfo('MemTotal') == memtotal0, RELEASE_WITHIN_S)
    taken, total = m.stat(MOD, 'taken_bytes'), m.meminfo('MemTotal')
    ktap.diag(f'disable: errno {err}; after {waited:.1f} s taken '
              f'{mib(taken)}, MemTotal {mib(total)} (before the module '
              f'{mib(memtotal0)}), kdamond_pid {m.pid(MOD)}')
    ktap.result(not err and taken == 0 and total == memtotal0 and
                m.pid(MOD) == -1, NAMES[4])


def round_off(w):
    """The same shrink and grow with the module off: the growing time."""
    if w.resize(SMALL_MIB, READY_S) is None:
        return None
    time.sleep(REPORT_S)
    return w.resize(BIG_MIB, GROW_WITHIN_S)


def check_contents(ktap, w):
    """The workload verifies every page it still has, and says how its
    checks went all along."""
    rc, final = w.finish()
    ktap.diag(f'workload exit {rc}: {final}')
    ktap.result(rc == 0, NAMES[5])


def scenario(ktap):
    fig = {}
    off = 'not measured (DAMON_ACMA_COMPARE=1)'
    memtotal0 = m.meminfo('MemTotal')
    watch = Watch()
    w = Workload(BIG_MIB)
    try:
        ready = w.wait_line('ready', READY_S, watch.sample)
        watch.sample()
        if ready is None:
            for n in NAMES[2:]:
                ktap.result(False, n)
            ktap.diag('the workload did not start')
            return
        ktap.diag(f'workload {ready}; QEMU RSS {mib(watch.rss or 0)}')
        shrink = w.resize(SMALL_MIB, READY_S)
        # free page reporting alone gives the freed memory to the host
        # within seconds: let it, to tell its part from the module's
        time.sleep(REPORT_S)
        watch.sample()
        ktap.diag(f'shrunk to {SMALL_MIB} MiB in {shrink} s')
        scale_down(ktap, w, watch, fig)
        scale_up(ktap, w, watch, fig)
        check_disable(ktap, memtotal0)
        if os.environ.get('DAMON_ACMA_COMPARE'):
            off = f'{round_off(w)} s'
        check_contents(ktap, w)
    finally:
        w.kill()
    rss = fig.get('rss_peak'), fig.get('rss_after')
    ktap.diag(f'figures: memory returned to the host: {mib(fig["taken"])} '
              f'taken in {fig["took"]:.0f} s; QEMU RSS '
              f'{mib(rss[0] or 0)} -> {mib(rss[1] or 0)} '
              f'({mib(fig["rss_before_module"] or 0)} after the shrink, '
              f'before the module); PSI {fig["psi_per_period"]:.0f} us per '
              f'{RESET_MS} ms (goal {PSI_GOAL_US}); growing 1 -> 3 GiB took '
              f'{fig.get("grow_on")} s with the module, {off} without')


def has_balloon():
    """Whether the guest has a virtio-balloon device (the driver's, which
    reports free pages), without which the host's view cannot change."""
    drv = '/sys/bus/virtio/drivers/virtio_balloon'
    return os.path.isdir(drv) and any(e.startswith('virtio')
                                      for e in os.listdir(drv))


def main():
    ktap = m.Ktap(len(NAMES))
    if not os.path.isdir(m.params_dir(MOD)):
        for n in NAMES:
            ktap.result(True, n, 'DAMON_ACMA not built in')
        ktap.finish()
    m.disable_all()
    m.write(MOD, 'enabled', 'N')
    saved = settable()
    try:
        check_invalid(ktap)
        check_exclusive(ktap)
        if has_balloon():
            scenario(ktap)
        else:
            for n in NAMES[2:]:
                ktap.result(True, n, 'no virtio-balloon device with free '
                            'page reporting (driver/guest-run.sh: '
                            'GUEST_BALLOON=1)')
    finally:
        m.write(MOD, 'enabled', 'N')
        for name, value in saved.items():
            m.write(MOD, name, value)
    ktap.finish()


if __name__ == '__main__':
    main()
