"""Run named jobs as subprocesses, a few at a time, each with its share of the CPU threads.

A job is a list of commands run one after the other with their output in one log file, so
runs of an experiment list (CUT's experiments/ launchers) are independent processes: no state,
RNG or thread setting leaks from one run into the next.
"""
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor


def thread_env(threads):
    """The environment with torch / OpenMP / MKL limited to `threads` intra-op threads, and
    unbuffered output so that a run's log can be followed while it runs."""
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    for var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        env[var] = str(threads)
    return env


def run_job(commands, log_path, env):
    """Run `commands` in order until one fails; returns (exit code, seconds)."""
    os.makedirs(os.path.dirname(os.path.abspath(log_path)), exist_ok=True)
    start = time.time()
    with open(log_path, 'a') as log:
        for command in commands:
            log.write(f'$ {subprocess.list2cmdline(command)}\n')
            log.flush()
            code = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, env=env).returncode
            if code:
                return code, time.time() - start
    return 0, time.time() - start


def run_jobs(jobs, parallel=1, threads=None):
    """Run `jobs` [(name, commands, log_path)], at most `parallel` at once; returns {name: exit code}.

    Each job gets `threads` intra-op threads (default: the machine's cores split evenly), so
    parallel runs do not oversubscribe the CPU.
    """
    threads = threads or max(1, (os.cpu_count() or 1) // parallel)
    env = thread_env(threads)

    def one(job):
        name, commands, log_path = job
        print(f'[{time.strftime("%H:%M:%S")}] start {name} ({threads} threads), log {log_path}', flush=True)
        code, seconds = run_job(commands, log_path, env)
        status = 'done' if code == 0 else f'FAILED (exit {code}, see {log_path})'
        print(f'[{time.strftime("%H:%M:%S")}] {status} {name} in {seconds / 60:.1f} min', flush=True)
        return name, code

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        return dict(pool.map(one, jobs))
