# SPDX-License-Identifier: GPL-2.0
"""Helpers for the tests of the built-in DAMON modules.

DAMON_RECLAIM, DAMON_LRU_SORT and DAMON_STAT are driven through their
parameter files, /sys/module/damon_<name>/parameters/.  Reports are KTAP,
through damon_e2e.Ktap.
"""

import errno
import os
import subprocess
import time

from damon_e2e import HERE, MIB, PAGE_SIZE, Ktap, wait_for  # noqa: F401
from sysfs_admin import write_fd

MODULES = ('damon_reclaim', 'damon_lru_sort', 'damon_stat')

# Every parameter of interface.md section 3, by module.
COMMON = ['enabled', 'commit_inputs', 'kdamond_pid', 'quota_ms',
          'quota_reset_interval_ms', 'wmarks_interval', 'wmarks_high',
          'wmarks_mid', 'wmarks_low', 'sample_interval', 'aggr_interval',
          'min_nr_regions', 'max_nr_regions', 'monitor_region_start',
          'monitor_region_end', 'addr_unit',
          'autotune_monitoring_intervals']
PARAMETERS = {
    'damon_reclaim': COMMON + [
        'min_age', 'quota_sz', 'quota_mem_pressure_us',
        'quota_autotune_feedback', 'skip_anon', 'nr_reclaim_tried_regions',
        'bytes_reclaim_tried_regions', 'nr_reclaimed_regions',
        'bytes_reclaimed_regions', 'nr_quota_exceeds'],
    'damon_lru_sort': COMMON + [
        'hot_thres_access_freq', 'cold_min_age', 'active_mem_bp',
        'filter_young_pages'] + [
        f'{stat}_{kind}_regions'
        for kind in ('hot', 'cold')
        for stat in ('nr_lru_sort_tried', 'bytes_lru_sort_tried',
                     'nr_lru_sorted', 'bytes_lru_sorted')] + [
        'nr_hot_quota_exceeds', 'nr_cold_quota_exceeds'],
    'damon_stat': ['enabled', 'kdamond_pid', 'estimated_memory_bandwidth',
                   'memory_idle_ms_percentiles', 'aggr_interval_us'],
}

# Watermarks that keep a scheme active whatever the free memory rate.
ALWAYS_ACTIVE = {'wmarks_high': 1000, 'wmarks_mid': 999, 'wmarks_low': 0}


def phys_span_params(pid_, ranges):
    """Monitoring region parameters covering the physical memory behind
    the virtual ranges of pid_.  The guest's System RAM is in two ranges
    around the PCI hole, and a module's default region is only the
    biggest one: a test workload may well be in the other."""
    frames = [pfn for r in ranges for pfn in pfns(pid_, *r)]
    return {'monitor_region_start': min(frames) * PAGE_SIZE,
            'monitor_region_end': (max(frames) + 1) * PAGE_SIZE}


def params_dir(module):
    return f'/sys/module/{module}/parameters'


def read(module, name):
    with open(os.path.join(params_dir(module), name)) as f:
        return f.read().strip()


def write(module, name, value):
    """Write a parameter; return 0 or the errno of the failed write."""
    return write_fd(os.open(os.path.join(params_dir(module), name),
                            os.O_WRONLY), value)


def set_params(module, values):
    """Write several parameters; raise if one is refused."""
    for name, value in values.items():
        err = write(module, name, value)
        if err:
            raise OSError(err, f'{module}.{name}={value}: '
                          f'{errno.errorcode.get(err, err)}')


def pid(module):
    return int(read(module, 'kdamond_pid'))


def is_kdamond(p):
    try:
        with open(f'/proc/{p}/comm') as f:
            return f.read().startswith('kdamond.')
    except OSError:
        return False


def running(module):
    return read(module, 'enabled') == 'Y' and is_kdamond(pid(module))


def disable_all():
    for m in MODULES:
        if os.path.isdir(params_dir(m)):
            write(m, 'enabled', 'N')
    e2e = '/sys/module/damon_e2e/parameters/enabled'
    if os.path.exists(e2e):
        with open(e2e, 'w') as f:
            f.write('N\n')


def stat(module, name):
    return int(read(module, name))


def meminfo(field):
    with open('/proc/meminfo') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) * 1024
    return 0


class Zram:
    """A zram swap device, so that anonymous memory can be paged out."""

    def __init__(self, size='1G'):
        self.dev = None
        if not os.path.exists('/sys/block/zram0'):
            return
        with open('/sys/block/zram0/disksize') as f:
            if int(f.read()) == 0:
                with open('/sys/block/zram0/disksize', 'w') as w:
                    w.write(size)
        subprocess.run(['mkswap', '/dev/zram0'], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(['swapon', '/dev/zram0'], check=True)
        self.dev = '/dev/zram0'

    def close(self):
        if self.dev:
            subprocess.run(['swapoff', self.dev], check=False)
            self.dev = None


def page_states(pid_, start, end):
    """Counts of (present, swapped, total) pages of [start, end) of pid_."""
    present = swapped = 0
    with open(f'/proc/{pid_}/pagemap', 'rb') as f:
        f.seek(start // PAGE_SIZE * 8)
        data = f.read((end - start) // PAGE_SIZE * 8)
    for i in range(0, len(data), 8):
        entry = int.from_bytes(data[i:i + 8], 'little')
        if entry & (1 << 63):
            present += 1
        elif entry & (1 << 62):
            swapped += 1
    return present, swapped, len(data) // 8


def pfns(pid_, start, end):
    """Page frame numbers of the present pages of [start, end) of pid_."""
    out = []
    with open(f'/proc/{pid_}/pagemap', 'rb') as f:
        f.seek(start // PAGE_SIZE * 8)
        data = f.read((end - start) // PAGE_SIZE * 8)
    for i in range(0, len(data), 8):
        entry = int.from_bytes(data[i:i + 8], 'little')
        if entry & (1 << 63):
            out.append(entry & ((1 << 55) - 1))
    return out


KPF_LRU = 5
KPF_ACTIVE = 6


def active_share(pfn_list):
    """Share of pfn_list on an LRU list that is on an active list."""
    lru = active = 0
    with open('/proc/kpageflags', 'rb') as f:
        for pfn in pfn_list:
            f.seek(pfn * 8)
            flags = int.from_bytes(f.read(8), 'little')
            if flags & (1 << KPF_LRU):
                lru += 1
                active += bool(flags & (1 << KPF_ACTIVE))
    return active / lru if lru else 0.0


def deadline_poll(cond, timeout, interval=0.5):
    """Poll cond() until it returns a true value or timeout seconds pass;
    return (value, seconds waited)."""
    t0 = time.monotonic()
    while True:
        v = cond()
        if v or time.monotonic() - t0 >= timeout:
            return v, time.monotonic() - t0
        time.sleep(interval)
