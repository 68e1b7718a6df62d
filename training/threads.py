"""CPU threads of a run: torch's intra-op threads and the data loader's workers, chosen together
to fit the cores this process may use. Intra-op threads that lose their core wait for each other at
every operation, so on a 2-core machine upstream's 4 workers beside them make each step slower.

Torch keeps its threads (default, OMP_NUM_THREADS or --torch_threads), at most one per core: their
number may change a step's rounding, and a seeded run should stay what it was. The loader gets
min(--num_threads, the cores left) unless --num_threads is given; workers do not change what is
learnt (data/sampling.py). Under torchrun the local processes share the cores.
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
