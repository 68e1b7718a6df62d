"""Stopping on SIGTERM (a cluster's notice before a kill) or SIGINT (Ctrl-C) with a resumable state.

The signal only raises a flag, which the loop reads with `requested()` after every step (all ranks
together, so none is left waiting in a collective); it then saves as at --save_latest_freq and
`leave` exits with 128 + the signal's number. A second signal stops at once. Loader workers ignore
both: the main process ends them, at the latest when it exits (`_end_workers`)."""
import atexit
import contextlib
import multiprocessing
import multiprocessing.util  # registers its exit function now, so the one below runs before it
import os
import signal
import sys

from util import distributed

SIGNALS = (signal.SIGTERM, signal.SIGINT)
_received = []


def _note(signum, frame):
    name, again = signal.Signals(signum).name, bool(_received)
    if distributed.is_main():  # os.write: a print here could land inside another print
        os.write(2, (f'{name} again: stopping at once; a save in progress is completed or dropped at the next '
                     f'start, so the last complete checkpoint stays\n' if again else
                     f'{name}: stopping after this step with a resumable state (send it again to stop at once)\n')
                 .encode())
    if again:  # the default action, now
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
    _received.append(signum)


@contextlib.contextmanager
def on_signals():
    """Within the block SIGTERM and SIGINT set the flag; the previous handlers come back after it."""
    _received.clear()
    previous = {sig: signal.signal(sig, _note) for sig in SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def requested():
    """The number of the signal a rank received (0: none), the same on every rank."""
    return int(distributed.maximum(_received[0] if _received else 0))


def leave(signum, path):
    """After the save: one line saying where, then leave with 128 + signum (on every rank)."""
    if distributed.is_main():
        print(f'stopped by {signal.Signals(signum).name}: the training state is saved in {path}; run the same '
              f'command with --continue_train (or --continue_train auto) to go on', file=sys.stderr)
    distributed.cleanup()
    sys.exit(128 + signum)


def ignore_in_worker(worker_id):
    """DataLoader worker_init_fn: a signal to the whole process group leaves the workers running."""
    for sig in SIGNALS:
        signal.signal(sig, signal.SIG_IGN)


def end_children(daemonic_only=True):
    """Kill this process's (daemonic) multiprocessing children and return them. torch's SIGCHLD
    check, which would report each as a crash, is switched off first: this is for the very end."""
    if hasattr(signal, 'SIGCHLD'):
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    ended = [child for child in multiprocessing.active_children() if child.daemon or not daemonic_only]
    for child in ended:
        child.kill()
        child.join(5)
    return ended


@atexit.register
def _end_workers():
    """At exit, multiprocessing terminates (SIGTERM) and then waits for its daemonic children, the
    loader's workers among them. Ours ignore SIGTERM, so a process that leaves while a loader is
    still alive (an error raised in the middle of an epoch keeps its iterator) would wait forever:
    end them first, with SIGTERM's intent and SIGKILL's force."""
    end_children()
