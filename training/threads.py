"""CPU threads of a run: torch's intra-op threads and the data loader's worker processes, chosen
together so that they fit the cores this process may use. On a small machine four loader workers
beside one intra-op thread per core oversubscribe it, and intra-op threads that lose their core
wait for each other at every operation.

Defaults: torch threads as they are (torch's default of one per physical core, OMP_NUM_THREADS,
or what the caller set), at most the cores, since their number may change the rounding of a step
and a seeded run should stay what it was; loader workers
min(--num_threads, the cores those threads leave), so upstream's 4 wherever the cores allow and
none on a 2-core machine (the main process then loads, between steps). An explicit --num_threads
is used as given; --torch_threads N sets the intra-op threads, and the workers fit the cores left. Loader workers do not change what is learnt (data/sampling.py). Under torchrun
the cores are shared among the processes of a machine. When other processes already load the
machine, threads that wait for each other make each step several times slower: a note says so.
"""
import os

import torch


def cores():
    """CPU cores this process may use: its affinity, shared by torchrun's local processes."""
    available = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count() or 1
    return max(1, available // int(os.environ.get('LOCAL_WORLD_SIZE', 1)))


def plan(workers, workers_given, torch_threads, available, current):
    """(loader workers, torch threads) for `workers` asked for (`workers_given`: on the command
    line) and `torch_threads` (0: the `current` ones, at most one per core) on `available` cores."""
    threads = torch_threads or max(1, min(current, available))
    if not workers_given:
        workers = min(workers, max(available - threads, 0))
    return workers, threads


def apply(opt):
    """Set torch's intra-op threads for this run and return the loader workers; say both once."""
    available = cores()
    workers, threads = plan(opt.num_threads, 'num_threads' in getattr(opt, 'explicit', ()),
                            getattr(opt, 'torch_threads', 0), available, torch.get_num_threads())
    torch.set_num_threads(threads)
    note = '' if workers == opt.num_threads else f' (--num_threads {opt.num_threads} fitted to the machine)'
    print(f'threads: {threads} torch intra-op, {workers} data loader workers{note}, on {available} cores; '
          f'--torch_threads and --num_threads choose')
    load = os.getloadavg()[0] if hasattr(os, 'getloadavg') else 0.0
    if threads > 1 and load > available:
        print(f'threads: the load average ({load:.1f}) is above the {available} cores: other processes compete, '
              f'and --torch_threads 1 is likely faster than {threads} threads that wait for each other')
    return workers
