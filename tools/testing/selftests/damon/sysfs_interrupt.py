#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON sysfs interface: a command that waits for its kdamond freezes
nothing, and a signal ends it cleanly.

update_schemes_tried_regions on a scheme with a long apply interval waits
for the scheme's next pass.  Meanwhile every other file, of the same
kdamond and of another one, must stay readable and writable at once;
other commands on the same kdamond fail with EBUSY.  A signal to the
waiting writer (a handler without SA_RESTART) ends its write with EINTR
and leaves tried_regions as it was; the kdamond then takes commands
again.  A command whose directories are removed while it waits completes
without touching them.
"""

import ctypes
import errno
import os
import select
import signal
import time

import damon_e2e as d
import sysfs_admin as a

LONG_APPLY_US = 30 * 1000 * 1000
SHORT_APPLY_US = 3 * 1000 * 1000
# what "promptly" means, for one file access or the end of an
# interrupted wait, on a slow TCG guest
PROMPT_S = 2
# how long the waiting writer is given to enter its wait
SETTLE_S = 1
DEADLINE_S = 60

libc = ctypes.CDLL(None, use_errno=True)


def raw_write(fd, text):
    """write(2) once, without Python's retry on EINTR; 0 or the errno."""
    data = f'{text}\n'.encode()
    if libc.write(fd, data, len(data)) >= 0:
        return 0
    return ctypes.get_errno()


class Waiter:
    """A child process writing a command to kdamonds/<k>/state.

    SIGUSR1 interrupts its write (Python installs handlers without
    SA_RESTART).  The errno of the write comes back through a pipe.
    """

    def __init__(self, cmd, k=0):
        rfd, wfd = os.pipe()
        self.pid = os.fork()
        if not self.pid:
            os.close(rfd)
            signal.signal(signal.SIGUSR1, lambda *_: None)
            fd = os.open(a.path(f'{a.kdamond(k)}/state'), os.O_WRONLY)
            os.write(wfd, b'ready\n')
            err = raw_write(fd, cmd)
            os.write(wfd, f'{err}\n'.encode())
            os._exit(0)
        os.close(wfd)
        self.rfile = os.fdopen(rfd)
        if self.rfile.readline().strip() != 'ready':
            raise RuntimeError('the waiting writer did not start')
        time.sleep(SETTLE_S)

    def waiting(self):
        return os.waitpid(self.pid, os.WNOHANG) == (0, 0)

    def result(self, timeout):
        """The errno of the write, or None if it did not end in time."""
        ready, _, _ = select.select([self.rfile], [], [], timeout)
        if not ready:
            return None
        line = self.rfile.readline().strip()
        return int(line) if line else None

    def finish(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        self.rfile.close()


def timed(fails, what, fn):
    """Run fn; note a failure if it raises or takes longer than PROMPT_S."""
    start = time.monotonic()
    try:
        ret = fn()
    except OSError as e:
        fails.append(f'{what}: {e}')
        return None
    took = time.monotonic() - start
    if took > PROMPT_S:
        fails.append(f'{what} took {took:.1f} s')
    return ret


def tried_dir(k=0):
    return f'{a.scheme(0, k)}/tried_regions'


def tried_state(k=0):
    """total_bytes and the numbered directories of scheme 0's regions."""
    top = tried_dir(k)
    names = sorted(n for n in os.listdir(a.path(top)) if n.isdigit())
    return a.read(f'{top}/total_bytes'), names


def setup_long_wait():
    """Two running kdamonds; kdamond 0's scheme applies every 30 s."""
    a.setup(ops='paddr', schemes=[{'action': 'stat'}], nr_kdamonds=2)
    a.must_write(f'{a.scheme(0)}/apply_interval_us', LONG_APPLY_US)
    a.must_write(f'{a.kdamond(0)}/state', 'on')
    a.must_write(f'{a.kdamond(1)}/state', 'on')


def check_others_free(fails):
    """While kdamond 0 is busy: files answer at once, commands EBUSY."""
    intervals = f'{a.ctx(0)}/monitoring_attrs/intervals'
    sample = timed(fails, 'read own sample_us',
                   lambda: a.read(f'{intervals}/sample_us'))
    timed(fails, 'write own aggr_us',
          lambda: a.must_write(f'{intervals}/aggr_us', 100000))
    if sample:
        timed(fails, 'write own sample_us',
              lambda: a.must_write(f'{intervals}/sample_us', sample))
    timed(fails, 'read own state', lambda: a.state(0))
    timed(fails, 'read own pid', lambda: a.read(f'{a.kdamond(0)}/pid'))
    timed(fails, 'read own total_bytes',
          lambda: a.read(f'{tried_dir(0)}/total_bytes'))
    timed(fails, 'write other refresh_ms',
          lambda: a.must_write(f'{a.kdamond(1)}/refresh_ms', 0))
    timed(fails, 'read other aggr_us',
          lambda: a.read(f'{a.ctx(1)}/monitoring_attrs/intervals/aggr_us'))
    err = timed(fails, 'command on other kdamond',
                lambda: a.command('update_schemes_stats', 1))
    if err:
        fails.append(f'update_schemes_stats on kdamond 1: {err}')
    for cmd in ('update_schemes_stats', 'update_schemes_tried_regions',
                'commit', 'off'):
        err = timed(fails, f'second {cmd}', lambda: a.command(cmd, 0))
        if err != errno.EBUSY:
            fails.append(f'second {cmd} on the busy kdamond: {err}')
    err = timed(fails, 'nr_kdamonds', lambda: a.write('kdamonds/nr_kdamonds',
                                                      1))
    if err != errno.EBUSY:
        fails.append(f'nr_kdamonds 1 while busy: {err}')


def test_interrupt(ktap):
    t0 = time.monotonic()
    setup_long_wait()
    fails = []
    marks = [('setup', time.monotonic())]
    before = tried_state(0)
    w = Waiter('update_schemes_tried_regions')
    try:
        if not w.waiting():
            fails.append('the command did not wait for the scheme')
        check_others_free(fails)
        if not w.waiting():
            fails.append('the command ended before the signal')
        sent = time.monotonic()
        os.kill(w.pid, signal.SIGUSR1)
        err = w.result(PROMPT_S)
        took = time.monotonic() - sent
        if err != errno.EINTR:
            fails.append(f'interrupted write: {err}, expected EINTR '
                         f'({took:.1f} s after the signal)')
    finally:
        w.finish()
    marks.append(('interrupted', time.monotonic()))
    after = tried_state(0)
    if after != before:
        fails.append(f'tried_regions changed: {before} -> {after}')
    # the kdamond takes commands again; a short pass now
    if a.command('update_schemes_stats') != 0:
        fails.append('update_schemes_stats after the signal failed')
    # A scheme whose apply interval a commit changes is rescheduled by
    # its new interval, not after the rest of its 30 s one (60 to 85 s
    # of TCG), even when new timing in the same commit reschedules it
    # with the old interval first.
    a.must_write(f'{a.scheme(0)}/apply_interval_us', 0)
    a.must_write(f'{a.ctx(0)}/monitoring_attrs/intervals/sample_us', 4000)
    err = a.command('commit')
    if err:
        fails.append(f'commit after the signal: {err}')
    marks.append(('committed', time.monotonic()))
    err = a.command('update_schemes_tried_regions')
    if err or not tried_state(0)[1]:
        fails.append(f'update_schemes_tried_regions afterwards: {err}, '
                     f'{len(tried_state(0)[1])} regions')
    marks.append(('tried', time.monotonic()))
    a.reset()
    marks.append(('reset', time.monotonic()))
    ktap.diag('seconds at ' + ', '.join(f'{n} {t - t0:.1f}'
                                        for n, t in marks))
    for m in fails:
        ktap.diag(m)
    ktap.result(not fails, 'interrupt_waiting_command')


def test_removed_meanwhile(ktap):
    """The context directory goes away while tried_regions waits."""
    a.setup(ops='paddr', schemes=[{'action': 'stat'}])
    a.must_write(f'{a.scheme(0)}/apply_interval_us', SHORT_APPLY_US)
    a.must_write(f'{a.kdamond(0)}/state', 'on')
    fails = []
    w = Waiter('update_schemes_tried_regions')
    try:
        a.must_write(f'{a.kdamond(0)}/contexts/nr_contexts', 0)
        a.must_write(f'{a.kdamond(0)}/contexts/nr_contexts', 1)
        a.set_schemes([{'action': 'stat'}])
        err = w.result(DEADLINE_S)
        if err:
            fails.append(f'command: {err}, expected success')
    finally:
        w.finish()
    # the new directories were not filled by the old command
    if tried_state(0)[1]:
        fails.append('tried regions went into the new directories')
    if a.state() != 'on':
        fails.append('the kdamond stopped')
    if a.command('update_schemes_stats') != 0:
        fails.append('update_schemes_stats afterwards failed')
    a.reset()
    for m in fails:
        ktap.diag(m)
    ktap.result(not fails, 'directories_removed_while_waiting')


def main():
    tests = [test_interrupt, test_removed_meanwhile]
    a.run_tests(tests)


if __name__ == '__main__':
    main()
