#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMOS actions and ops filters of the operation sets, applied directly.

The damon_e2e driver's "apply" parameter hands one range of a process (or
of physical memory) to the operation set's apply_scheme() once, with a
scheme of the action written and the ops filters of "apply_filters".  Each
test checks that the action had its effect on a buffer of ops_buffer:
swap and RSS for pageout and willneed, AnonHugePages for collapse,
numa_maps for migrations, /proc/kpageflags for the LRU actions, and the
bytes the driver reports.  Swap is a zram device set up here.
"""

import errno
import os
import subprocess

import damon_e2e as d

KPF_ACTIVE = 6
HPAGE = 2 * d.MIB


class Buffer:
    """ops_buffer: an anonymous buffer, rewritten on request."""

    def __init__(self, mib):
        self.proc = subprocess.Popen(
            [os.path.join(d.HERE, 'ops_buffer'), str(mib)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        fields = self.proc.stdout.readline().split()
        if len(fields) != 2:
            self.stop()
            raise RuntimeError('ops_buffer did not start')
        self.start, self.end = (int(x, 16) for x in fields)
        self.size = self.end - self.start
        self.pid = self.proc.pid

    def touch(self, part='all'):
        self.proc.stdin.write(part + '\n')
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip() == 'done'

    def status(self, key):
        """A kB field of /proc/PID/status, in bytes."""
        with open(f'/proc/{self.pid}/status') as f:
            for line in f:
                if line.startswith(key + ':'):
                    return int(line.split()[1]) * 1024
        return 0

    def smaps(self, key):
        """A kB field of the buffer's VMA in /proc/PID/smaps, in bytes."""
        return sum(int(v.split()[0]) * 1024
                   for k, v in self.smaps_fields() if k == key)

    def vm_flags(self):
        return ' '.join(v for k, v in self.smaps_fields() if k == 'VmFlags')

    def smaps_fields(self):
        fields, inside = [], False
        with open(f'/proc/{self.pid}/smaps') as f:
            for line in f:
                head = line.split()[0]
                if '-' in head and not head.endswith(':'):
                    s, e = (int(x, 16) for x in head.split('-'))
                    inside = s < self.end and self.start < e
                elif inside:
                    k, v = line.split(':', 1)
                    fields.append((k, v.strip()))
        return fields

    def pfns(self):
        pfns = []
        with open(f'/proc/{self.pid}/pagemap', 'rb') as f:
            f.seek(self.start // d.PAGE_SIZE * 8)
            data = f.read(self.size // d.PAGE_SIZE * 8)
        for i in range(0, len(data), 8):
            entry = int.from_bytes(data[i:i + 8], 'little')
            if entry & (1 << 63):
                pfns.append(entry & ((1 << 55) - 1))
        return pfns

    def node_pages(self):
        """{node: pages} of the buffer, from numa_maps."""
        nodes = {}
        with open(f'/proc/{self.pid}/numa_maps') as f:
            for line in f:
                fields = line.split()
                addr = int(fields[0], 16)
                if not self.start <= addr < self.end:
                    continue
                for field in fields:
                    if field.startswith('N') and '=' in field:
                        n, v = field[1:].split('=')
                        nodes[int(n)] = nodes.get(int(n), 0) + int(v)
        return nodes

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def set_apply_params(ops='vaddr', pid=-1, filters='', dests='', nid=0,
                     unit=1):
    """The parameters of the next applies but their range."""
    d.write_param('ops', ops)
    d.write_param('target_pid', pid)
    d.write_param('addr_unit', unit)
    d.write_param('apply_filters', filters)
    d.write_param('apply_dests', dests)
    d.write_param('apply_target_nid', nid)


def apply_range(action, start, end):
    """Apply action to [start, end) with the parameters set before;
    return (applied bytes, filter-passed bytes)."""
    d.write_param('region_start', start)
    d.write_param('region_end', end)
    d.write_param('apply', action)
    return (int(d.read_param('applied_bytes')),
            int(d.read_param('filter_passed_bytes')))


def apply(action, start, end, ops='vaddr', pid=-1, filters='', dests='',
          nid=0, unit=1):
    """Apply action once; return (applied bytes, filter-passed bytes)."""
    set_apply_params(ops, pid, filters, dests, nid, unit)
    return apply_range(action, start, end)


def apply_buf(action, buf, **kw):
    return apply(action, buf.start, buf.end, pid=buf.pid, **kw)


def apply_phys(action, ranges, unit=1, **kw):
    """Apply a paddr action to physical ranges; sum the results.  A
    buffer's frames may lie in thousands of ranges: only the range is
    written per range."""
    applied = passed = 0
    set_apply_params(ops='paddr', unit=unit, **kw)
    for s, e in ranges:
        a, p = apply_range(action, s // unit, e // unit)
        applied += a
        passed += p
    return applied, passed


def sz_on_node(start, end, nid, ops='vaddr', pid=-1, unit=1):
    d.write_param('ops', ops)
    d.write_param('target_pid', pid)
    d.write_param('region_start', start)
    d.write_param('region_end', end)
    d.write_param('addr_unit', unit)
    d.write_param('sz_on_node', nid)
    return int(d.read_param('node_bytes'))


def meminfo(key):
    with open('/proc/meminfo') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1]) * 1024
    return 0


def active_ratio(pfns):
    active = 0
    with open('/proc/kpageflags', 'rb') as f:
        for pfn in pfns:
            f.seek(pfn * 8)
            if int.from_bytes(f.read(8), 'little') & (1 << KPF_ACTIVE):
                active += 1
    return active / len(pfns) if pfns else 0.0


def proc_state(pid):
    with open(f'/proc/{pid}/stat') as f:
        return f.read().rsplit(')', 1)[1].split()[0]


def online_nodes():
    with open('/sys/devices/system/node/online') as f:
        nodes = []
        for part in f.read().strip().split(','):
            lo, _, hi = part.partition('-')
            nodes += range(int(lo), int(hi or lo) + 1)
        return nodes


def node_spans():
    """{node: (start, end)} physical spans, from /proc/zoneinfo."""
    zones = []	# [node, start_pfn, spanned] of every zone
    with open('/proc/zoneinfo') as f:
        for line in f:
            fields = line.split()
            if line.startswith('Node'):
                zones.append([int(fields[1].rstrip(',')), None, 0])
            elif zones and fields[:1] == ['spanned']:
                zones[-1][2] = int(fields[1])
            elif zones and fields[:1] == ['start_pfn:']:
                zones[-1][1] = int(fields[1])
    spans = {}
    for node, start, spanned in zones:
        if start is None or not spanned:
            continue
        s, e = start * d.PAGE_SIZE, (start + spanned) * d.PAGE_SIZE
        lo, hi = spans.get(node, (s, e))
        spans[node] = (min(lo, s), max(hi, e))
    return spans


def setup_swap():
    """Swap on zram0, 1 GiB; return whether swap is there."""
    with open('/proc/swaps') as f:
        if len(f.readlines()) > 1:
            return True
    if not os.path.exists('/sys/block/zram0'):
        return False
    try:
        with open('/sys/block/zram0/disksize', 'w') as f:
            f.write('1G\n')
        subprocess.run(['mkswap', '/dev/zram0'], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(['swapon', '/dev/zram0'], check=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


class Tests:
    def __init__(self, ktap):
        self.ktap = ktap
        self.swap = setup_swap()
        self.nodes = online_nodes()

    def check(self, name, ok, msg):
        self.ktap.diag(f'{name}: {msg}')
        self.ktap.result(ok, name)

    def skip(self, name, why):
        self.ktap.result(True, name, why)

    def pageout_willneed_stat(self):
        names = ('vaddr_pageout', 'vaddr_willneed', 'vaddr_stat')
        if not self.swap:
            for name in names:
                self.skip(name, 'no swap')
            return
        b = Buffer(64)
        try:
            rss = b.status('RssAnon')
            applied, passed = apply_buf('pageout', b)
            swap, rss_after = b.status('VmSwap'), b.status('RssAnon')
            self.check(names[0], applied >= 0.9 * b.size and
                       swap >= 0.9 * b.size and
                       rss - rss_after >= 0.9 * b.size,
                       f'applied {applied >> 20} MiB, passed {passed >> 20}'
                       f' MiB, swap {swap >> 20} MiB, anon RSS '
                       f'{rss >> 20} -> {rss_after >> 20} MiB')

            cached = meminfo('SwapCached')
            applied, _ = apply_buf('willneed', b)
            cached_after = meminfo('SwapCached')
            self.check(names[1], applied == b.size and
                       cached_after - cached >= 0.9 * b.size,
                       f'applied {applied >> 20} MiB, swap cache '
                       f'{cached >> 20} -> {cached_after >> 20} MiB')

            b.touch()
            rss, swap = b.status('RssAnon'), b.status('VmSwap')
            applied, passed = apply_buf('stat', b)
            rss_after, swap_after = b.status('RssAnon'), b.status('VmSwap')
            self.check(names[2], applied == 0 and passed == b.size and
                       abs(rss_after - rss) < 0.01 * b.size and
                       swap_after == swap,
                       f'applied {applied}, passed {passed >> 20} MiB, '
                       f'anon RSS {rss >> 20} -> {rss_after >> 20} MiB')
        finally:
            b.stop()

    def anon_filter(self):
        name = 'vaddr_anon_filter'
        if not self.swap:
            self.skip(name, 'no swap')
            return
        b = Buffer(32)
        try:
            rej = apply_buf('pageout', b, filters='anon:Y:N')
            swap_rej = b.status('VmSwap')
            acc = apply_buf('pageout', b, filters='anon:Y:Y')
            swap_acc = b.status('VmSwap')
            self.check(name, rej == (0, 0) and swap_rej == 0 and
                       acc[1] == b.size and acc[0] >= 0.9 * b.size and
                       swap_acc >= 0.9 * b.size,
                       f'reject anon: {rej}, swap {swap_rej >> 20} MiB; '
                       f'allow anon: {acc}, swap {swap_acc >> 20} MiB')
        finally:
            b.stop()

    def locked_vma(self):
        name = 'vaddr_pageout_skips_only_locked_vma'
        if not self.swap:
            self.skip(name, 'no swap')
            return
        b = Buffer(32)
        try:
            b.touch('mlock')
            applied, _ = apply_buf('pageout', b)
            swap = b.status('VmSwap')
            want = b.size - b.size // 4
            self.check(name, applied == want and swap >= 0.9 * want,
                       f'first quarter locked: applied {applied >> 20} MiB,'
                       f' swap {swap >> 20} MiB')
        finally:
            b.stop()

    def young_filter(self):
        name = 'vaddr_young_filter'
        b = Buffer(32)
        try:
            _, all_young = apply_buf('stat', b, filters='young:Y:Y')
            _, none_young = apply_buf('stat', b, filters='young:Y:Y')
            b.touch('first')
            _, half_young = apply_buf('stat', b, filters='young:Y:Y')
            msg = (f'young: {all_young >> 20} MiB after writing all, '
                   f'{none_young >> 20} MiB right after, '
                   f'{half_young >> 20} MiB after writing half')
            ok = (all_young >= 0.9 * b.size and
                  none_young <= 0.1 * b.size and
                  0.45 * b.size <= half_young <= 0.55 * b.size)
            if self.swap:
                b.touch('first')
                applied, passed = apply_buf('pageout', b,
                                            filters='young:Y:N')
                swap = b.status('VmSwap')
                msg += (f'; pageout of old pages: applied '
                        f'{applied >> 20} MiB, passed {passed >> 20} MiB,'
                        f' swap {swap >> 20} MiB')
                ok = ok and 0.45 * b.size <= swap <= 0.55 * b.size
            self.check(name, ok, msg)
        finally:
            b.stop()

    def thp_actions(self):
        name = 'vaddr_hugepage_collapse'
        b = Buffer(8)
        try:
            refused, _ = apply_buf('collapse', b)
            thp_refused = b.smaps('AnonHugePages')
            hp, _ = apply_buf('hugepage', b)
            flags_hp = b.vm_flags()
            collapsed, _ = apply_buf('collapse', b)
            thp = b.smaps('AnonHugePages')
            _, huge = apply_buf('stat', b, filters=(
                f'hugepage_size:Y:Y:{HPAGE}:{HPAGE}'))
            nohp, _ = apply_buf('nohugepage', b)
            flags_nohp = b.vm_flags()
            self.check(name, refused == 0 and thp_refused == 0 and
                       hp == b.size and ' hg' in ' ' + flags_hp and
                       collapsed == b.size and thp == b.size and
                       huge == thp and nohp == b.size and
                       ' nh' in ' ' + flags_nohp,
                       f'collapse under nohugepage: {refused}, '
                       f'THP {thp_refused}; hugepage {hp >> 20} MiB '
                       f'[{flags_hp}]; collapse {collapsed >> 20} MiB, '
                       f'AnonHugePages {thp >> 20} MiB, in 2 MiB folios '
                       f'{huge >> 20} MiB; nohugepage {nohp >> 20} MiB '
                       f'[{flags_nohp}]')
        finally:
            b.stop()

    def migrate(self):
        names = ('vaddr_migrate_cold', 'vaddr_migrate_hot_weighted')
        if len(self.nodes) < 2:
            for name in names:
                self.skip(name, 'one NUMA node')
            return
        b = Buffer(32)
        pages = b.size // d.PAGE_SIZE
        try:
            before = b.node_pages()
            src = max(before, key=before.get)
            dst = [n for n in self.nodes if n != src][0]
            on_dst = sz_on_node(b.start, b.end, dst, pid=b.pid)
            applied, _ = apply_buf('migrate_cold', b, nid=dst)
            after = b.node_pages()
            on_dst_after = sz_on_node(b.start, b.end, dst, pid=b.pid)
            # the buffer's pages start where its process ran while it
            # faulted them in, which may have been on both nodes: what
            # was on dst already needs no migration
            self.check(names[0], applied >= 0.9 * (b.size - on_dst) and
                       after.get(dst, 0) >= 0.9 * pages and
                       on_dst_after >= 0.9 * b.size and
                       on_dst <= 0.5 * b.size,
                       f'nodes {before} -> {after}, applied '
                       f'{applied >> 20} MiB; sz_on_node({dst}) '
                       f'{on_dst >> 20} -> {on_dst_after >> 20} MiB')

            dests = ','.join(f'{n}:1' for n in (src, dst))
            applied, _ = apply_buf('migrate_hot', b, dests=dests)
            spread = b.node_pages()
            self.check(names[1], 0.4 * b.size <= applied <= 0.6 * b.size
                       and all(0.4 * pages <= spread.get(n, 0) <=
                               0.6 * pages for n in (src, dst)),
                       f'weights 1:1 over {src},{dst}: nodes {spread}, '
                       f'applied {applied >> 20} MiB')
        finally:
            b.stop()

    def lru_actions(self):
        name = 'paddr_lru_prio_vaddr_cold_paddr_lru_deprio'
        b = Buffer(16)
        try:
            pfns = b.pfns()
            ranges = d.pfn_ranges(pfns)
            initial = active_ratio(pfns)
            prio, _ = apply_phys('lru_prio', ranges)
            after_prio = active_ratio(pfns)
            cold, _ = apply_buf('cold', b)
            after_cold = active_ratio(pfns)
            apply_phys('lru_prio', ranges)
            again = active_ratio(pfns)
            # DAMON addresses in pages: results come in pages too
            deprio, _ = apply_phys('lru_deprio', ranges, unit=d.PAGE_SIZE)
            after_deprio = active_ratio(pfns)
            self.check(name, prio >= 0.9 * b.size and after_prio >= 0.9 and
                       cold == b.size and after_cold <= 0.1 and
                       again >= 0.9 and deprio >= 0.9 * len(pfns) and
                       after_deprio <= 0.1,
                       f'{len(pfns)} pages in {len(ranges)} ranges; active '
                       f'{initial:.2f}, lru_prio ({prio >> 20} MiB) '
                       f'{after_prio:.2f}, cold {after_cold:.2f}, '
                       f'lru_prio {again:.2f}, lru_deprio in pages '
                       f'({deprio}) {after_deprio:.2f}')
        finally:
            b.stop()

    def paddr_pageout(self):
        name = 'paddr_young_anon_filters_pageout'
        if not self.swap:
            self.skip(name, 'no swap')
            return
        b = Buffer(16)
        try:
            ranges = d.pfn_ranges(b.pfns())
            young = [apply_phys('stat', ranges, filters='young:Y:Y')[1]
                     for _ in range(2)]
            b.touch()
            young.append(apply_phys('stat', ranges, filters='young:Y:Y')[1])
            rej = apply_phys('pageout', ranges, filters='anon:Y:N')
            swap_rej = b.status('VmSwap')
            applied, passed = apply_phys('pageout', ranges)
            swap = b.status('VmSwap')
            self.check(name, rej == (0, 0) and swap_rej == 0 and
                       applied >= 0.9 * b.size and passed >= 0.9 * b.size and
                       swap >= 0.9 * b.size and young[0] >= 0.9 * b.size
                       and young[1] <= 0.1 * b.size and
                       young[2] >= 0.9 * b.size,
                       f'young: {[y >> 20 for y in young]} MiB (written, '
                       f'again, rewritten); '
                       f'reject anon: {rej}, swap {swap_rej}; no filter: '
                       f'applied {applied >> 20} MiB, passed '
                       f'{passed >> 20} MiB, swap {swap >> 20} MiB')
        finally:
            b.stop()

    def paddr_sz_on_node(self):
        name = 'paddr_sz_on_node'
        spans = node_spans()
        lo = min(s for s, _ in spans.values())
        hi = max(e for _, e in spans.values())
        ok, msg = True, []
        for n, (s, e) in sorted(spans.items()):
            want = min(e, hi) - max(s, lo)
            got = sz_on_node(lo, hi, n, ops='paddr')
            pages = sz_on_node(lo // d.PAGE_SIZE, hi // d.PAGE_SIZE, n,
                               ops='paddr', unit=d.PAGE_SIZE)
            ok = ok and got == want and pages == want // d.PAGE_SIZE
            msg.append(f'node {n}: {got >> 20} MiB ({pages} pages), span '
                       f'{want >> 20} MiB')
        self.check(name, ok and bool(spans), '; '.join(msg))

    def exited_and_unsupported(self):
        name = 'exited_target_and_unsupported_actions'
        b = Buffer(4)
        b.proc.kill()
        # a zombie: its pid is still there, its memory is not
        d.wait_for(lambda: proc_state(b.pid) == 'Z', 10)
        exited = apply_buf('pageout', b)
        b.stop()
        refused = []
        for ops, action in (('vaddr', 'lru_prio'), ('paddr', 'willneed'),
                            ('paddr', 'collapse')):
            try:
                apply(action, 0, 1 << 20, ops=ops, pid=os.getpid())
            except OSError as e:
                if e.errno == errno.EOPNOTSUPP:
                    refused.append(f'{ops}/{action}')
        self.check(name, exited == (0, 0) and len(refused) == 3,
                   f'exited target: {exited}; refused: {refused}')


def main():
    nr = 13
    ktap = d.Ktap(nr)
    if not os.path.exists(os.path.join(d.PARAMS, 'apply')):
        for i in range(nr):
            ktap.result(True, f'ops_action_{i}', 'no damon_e2e apply')
        ktap.finish()
    t = Tests(ktap)
    t.pageout_willneed_stat()
    t.anon_filter()
    t.locked_vma()
    t.young_filter()
    t.thp_actions()
    t.migrate()
    t.lru_actions()
    t.paddr_pageout()
    t.paddr_sz_on_node()
    t.exited_and_unsupported()
    ktap.finish()


if __name__ == '__main__':
    main()
