# SPDX-License-Identifier: GPL-2.0
"""What the DAMOS action tests measure, and the setup they need.

The damos_workload process, per-process and system memory counters from
/proc, page placement (pagemap, kpageflags, move_pages), zram swap and
memory cgroups.  Everything here needs root.
"""

import ctypes
import os
import subprocess

from damon_e2e import Ktap, wait_for  # noqa: F401 (re-exported)
from damon_e2e import system_ram_span
import damon_admin as da

HERE = os.path.dirname(os.path.abspath(__file__))
MIB = 1 << 20
PAGE_SIZE = os.sysconf('SC_PAGE_SIZE')
CGROUP_ROOT = '/sys/fs/cgroup'
THP = '/sys/kernel/mm/transparent_hugepage'
SYS_MOVE_PAGES = 279		# x86_64

KPF_LRU = 1 << 5
KPF_ACTIVE = 1 << 6
PM_PRESENT = 1 << 63
PM_PFN_MASK = (1 << 55) - 1


def write_file(path, value):
    with open(path, 'w') as f:
        f.write(f'{value}\n')


def read_file(path):
    with open(path) as f:
        return f.read().strip()


# ==================== the workload ====================

class AreasProcess:
    """A test program that maps memory areas, prints a "name start end"
    line (hexadecimal addresses) for each, then "ready", and takes
    commands on its stdin.  areas maps the names to (start, end).

    args: the command line; name: the program's name in errors;
    preexec_fn: as for subprocess.Popen.  A line of another form, or an
    end before "ready", stops the process and raises RuntimeError.
    """

    def __init__(self, args, name, preexec_fn=None):
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True,
                                     preexec_fn=preexec_fn)
        self.pid = self.proc.pid
        self.areas = {}
        for line in self.proc.stdout:
            fields = line.split()
            if fields == ['ready']:
                break
            if len(fields) != 3:
                self.stop()
                raise RuntimeError(f'{name}: {line!r}')
            self.areas[fields[0]] = (int(fields[1], 16), int(fields[2], 16))
        else:
            self.stop()
            raise RuntimeError(f'{name} did not start')

    def region(self, name):
        return self.areas[name]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Workload(AreasProcess):
    """A damos_workload process; see damos_workload.c for the buffers.

    cgroup: a Memcg to run in from the start, so that every page is
    charged to it.  areas maps buffer names to (start, end).
    """

    def __init__(self, cold=0, hot=0, thp=0, shmem=0, unmapped=0, node=None,
                 cgroup=None):
        args = [os.path.join(HERE, 'damos_workload')]
        for opt, mib in (('-c', cold), ('-H', hot), ('-t', thp),
                         ('-s', shmem), ('-u', unmapped)):
            if mib:
                args += [opt, str(mib)]
        if node is not None:
            args += ['-n', str(node)]
        procs = cgroup.procs_file() if cgroup else None

        def enter_cgroup():
            if procs:
                write_file(procs, os.getpid())

        super().__init__(args, 'damos_workload', preexec_fn=enter_cgroup)

    def ask(self, cmd):
        self.proc.stdin.write(cmd + '\n')
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline().strip()
        if not reply or reply.startswith('error'):
            raise RuntimeError(f'damos_workload {cmd!r}: {reply!r}')
        return reply

    def resident(self, name):
        """Fraction of buffer name's pages that are in memory (mincore)."""
        n, total = (int(x) for x in self.ask(f'resident {name}').split())
        return n / total

    def hot(self, on):
        self.ask(f'hot {"on" if on else "off"}')

    def size(self, name):
        start, end = self.areas[name]
        return end - start

    def status(self):
        return proc_status(self.pid)

    def majflt(self):
        with open(f'/proc/{self.pid}/stat') as f:
            return int(f.read().rsplit(')', 1)[1].split()[9])


# ==================== /proc counters ====================

def _kib_table(path):
    """A "Name:   123 kB" file as a dict of bytes."""
    values = {}
    with open(path) as f:
        for line in f:
            name, _, rest = line.partition(':')
            fields = rest.split()
            if fields and fields[0].isdigit():
                mult = 1024 if fields[-1] == 'kB' else 1
                values[name] = int(fields[0]) * mult
    return values


def proc_status(pid):
    """VmRSS, RssAnon, RssShmem, VmSwap, ... of a process, in bytes."""
    return _kib_table(f'/proc/{pid}/status')


def meminfo():
    return _kib_table('/proc/meminfo')


def smaps(pid, start, end):
    """Summed smaps fields (bytes) of the mappings inside [start, end)."""
    total = {}
    inside = False
    with open(f'/proc/{pid}/smaps') as f:
        for line in f:
            first = line.split()[0]
            if '-' in first and not first.endswith(':'):
                s, e = (int(x, 16) for x in first.split('-'))
                inside = start <= s and e <= end
                continue
            if inside and first.endswith(':') and line.rstrip().endswith('kB'):
                name = first[:-1]
                total[name] = total.get(name, 0) + int(line.split()[1]) * 1024
    return total


# ==================== page placement ====================

def pagemap(pid, start, end):
    """The pagemap entries of the pages of [start, end)."""
    with open(f'/proc/{pid}/pagemap', 'rb') as f:
        f.seek(start // PAGE_SIZE * 8)
        data = f.read((end - start) // PAGE_SIZE * 8)
    return [int.from_bytes(data[i:i + 8], 'little')
            for i in range(0, len(data), 8)]


def present_fraction(pid, start, end):
    entries = pagemap(pid, start, end)
    return sum(1 for e in entries if e & PM_PRESENT) / len(entries)


def present_pfns(pid, start, end):
    return [e & PM_PFN_MASK for e in pagemap(pid, start, end)
            if e & PM_PRESENT]


def pfn_runs(pfns):
    """Sorted pfns as (first, count) runs of consecutive numbers."""
    runs = []
    for pfn in sorted(pfns):
        if runs and runs[-1][0] + runs[-1][1] == pfn:
            runs[-1][1] += 1
        else:
            runs.append([pfn, 1])
    return runs


def active_fraction(pid, start, end):
    """Of the present pages of [start, end), the fraction on an active
    LRU list, from /proc/kpageflags (one read per run of frames)."""
    pfns = present_pfns(pid, start, end)
    if not pfns:
        return 0.0
    active = 0
    with open('/proc/kpageflags', 'rb') as f:
        for first, count in pfn_runs(pfns):
            f.seek(first * 8)
            data = f.read(count * 8)
            for i in range(0, len(data), 8):
                flags = int.from_bytes(data[i:i + 8], 'little')
                if flags & KPF_LRU and flags & KPF_ACTIVE:
                    active += 1
    return active / len(pfns)


def phys_ranges(bufs, max_ranges=32):
    """Physical address ranges covering the memory behind bufs, pairs of a
    Workload and a buffer name: the runs of its frames, with the smallest
    gaps between them closed until at most max_ranges remain.  Monitoring
    only these keeps memory that others use, which a fragmented system
    interleaves with the buffers, out of the regions."""
    pfns = []
    for w, name in bufs:
        pfns += present_pfns(w.pid, *w.region(name))
    runs = [(first, first + count) for first, count in pfn_runs(pfns)]
    widest = sorted(range(len(runs) - 1),
                    key=lambda i: runs[i + 1][0] - runs[i][1],
                    reverse=True)[:max_ranges - 1]
    ranges, start = [], runs[0][0]
    for i in sorted(widest):
        ranges.append((start * PAGE_SIZE, runs[i][1] * PAGE_SIZE))
        start = runs[i + 1][0]
    ranges.append((start * PAGE_SIZE, runs[-1][1] * PAGE_SIZE))
    return ranges


_libc = ctypes.CDLL(None, use_errno=True)


def node_fractions(pid, start, end):
    """{node: fraction of the pages of [start, end)} from move_pages(2)
    asked without target nodes; pages not present count as node -1."""
    nr = (end - start) // PAGE_SIZE
    pages = (ctypes.c_void_p * nr)(*range(start, end, PAGE_SIZE))
    status = (ctypes.c_int * nr)()
    ret = _libc.syscall(ctypes.c_long(SYS_MOVE_PAGES), ctypes.c_long(pid),
                        ctypes.c_ulong(nr), pages, None, status,
                        ctypes.c_int(0))
    if ret < 0:
        raise OSError(ctypes.get_errno(), 'move_pages')
    fractions = {}
    for s in status:
        node = s if s >= 0 else -1
        fractions[node] = fractions.get(node, 0) + 1 / nr
    return fractions


def paddr_context(schemes, regions=None):
    """A paddr context over regions, by default all of System RAM."""
    target = da.Target(regions=regions or [system_ram_span()])
    return da.Context('paddr', schemes=schemes, targets=[target])


def nr_nodes():
    return len([n for n in os.listdir('/sys/devices/system/node')
                if n.startswith('node') and n[4:].isdigit()])


# ==================== zram swap ====================

class ZramSwap:
    """A zram device as the only swap space, for the duration of a with."""

    def __init__(self, size='1G'):
        self.size = size
        self.dev = None

    def __enter__(self):
        if not os.path.exists('/sys/block/zram0'):
            raise da.Unsupported('no zram0')
        self.dev = '/dev/zram0'
        with open('/proc/swaps') as f:
            if any(line.startswith(self.dev) for line in f):
                return self	# left over from a run that did not finish
        try:
            write_file('/sys/block/zram0/reset', 1)
        except OSError:
            pass
        write_file('/sys/block/zram0/disksize', self.size)
        subprocess.run(['mkswap', self.dev], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(['swapon', self.dev], check=True)
        return self

    def __exit__(self, *exc):
        subprocess.run(['swapoff', self.dev], check=False)
        try:
            write_file('/sys/block/zram0/reset', 1)
        except OSError:
            pass


# ==================== memory cgroups ====================

class Memcg:
    """A cgroup v2 child of the root with the memory controller."""

    def __init__(self, name):
        self.name = name
        self.dir = os.path.join(CGROUP_ROOT, name)

    def __enter__(self):
        if not os.path.exists(os.path.join(CGROUP_ROOT, 'cgroup.procs')):
            subprocess.run(['mount', '-t', 'cgroup2', 'none', CGROUP_ROOT],
                           check=False)
        ctl = os.path.join(CGROUP_ROOT, 'cgroup.subtree_control')
        if 'memory' not in read_file(ctl).split():
            write_file(ctl, '+memory')
        os.makedirs(self.dir, exist_ok=True)
        return self

    def procs_file(self):
        return os.path.join(self.dir, 'cgroup.procs')

    def path(self):
        """The path DAMOS memcg filters take."""
        return '/' + self.name

    def __exit__(self, *exc):
        # the workloads are dead by now; their pages may take a moment to
        # be uncharged before rmdir works
        wait_for(self._rmdir, 10)

    def _rmdir(self):
        try:
            os.rmdir(self.dir)
            return True
        except FileNotFoundError:
            return True
        except OSError:
            return False


class DyingMemcg:
    """A memcg that was removed but lingers, offline, because a tmpfs file
    written from it keeps pages charged to it; a new memcg of the same name
    can then be made.  The file goes, and with it the memcg, on exit."""

    def __init__(self, name, tmpfs_dir='/dev/shm'):
        self.memcg = Memcg(name)
        self.file = os.path.join(tmpfs_dir, f'{name}.charged')

    def __enter__(self):
        with self.memcg:
            subprocess.run(['dd', 'if=/dev/zero', f'of={self.file}',
                            'bs=1M', 'count=1', 'status=none'], check=True,
                           preexec_fn=lambda: write_file(
                               self.memcg.procs_file(), os.getpid()))
        return self

    def dying(self):
        """Number of dying memcgs under the root, this one among them."""
        stat = read_file(os.path.join(CGROUP_ROOT, 'cgroup.stat'))
        for line in stat.splitlines():
            if line.startswith('nr_dying_descendants'):
                return int(line.split()[1])
        return 0

    def __exit__(self, *exc):
        try:
            os.unlink(self.file)
        except FileNotFoundError:
            pass


# ==================== transparent huge pages ====================

class Khugepaged:
    """Make khugepaged scan fast, restoring its settings afterwards."""

    FILES = {'scan_sleep_millisecs': 100, 'alloc_sleep_millisecs': 100,
             'pages_to_scan': 4096}

    def __enter__(self):
        d = os.path.join(THP, 'khugepaged')
        self.saved = {}
        for name, value in self.FILES.items():
            path = os.path.join(d, name)
            self.saved[path] = read_file(path)
            write_file(path, value)
        return self

    def __exit__(self, *exc):
        for path, value in self.saved.items():
            write_file(path, value)


# ==================== test plumbing ====================

def run_case(ktap, name, fn):
    """Run one test case: fn() returns (ok, diagnostics); Unsupported
    makes it a SKIP and any other exception a failure."""
    try:
        ok, diag = fn()
    except da.Unsupported as e:
        ktap.result(True, name, str(e))
        return
    except Exception as e:  # pylint: disable=broad-except
        ktap.diag(f'{name}: {type(e).__name__}: {e}')
        ktap.result(False, name)
        return
    if diag:
        ktap.diag(f'{name}: {diag}')
    ktap.result(ok, name)


def skip_all(ktap, names, reason):
    for name in names:
        ktap.result(True, name, reason)
    ktap.finish()


def polled(cond, timeout, interval=0.5):
    """wait_for with a slower poll, for conditions that read many files."""
    return wait_for(cond, timeout, interval)
