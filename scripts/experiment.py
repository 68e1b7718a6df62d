"""Experiments as data, in the shape of CUT's experiments/ launchers: an experiment is a list of named
runs, each a model and a few train.py options, plus the budget every run shares and the folders its
files go to. ablation.py and implicit_pairs_experiment.py are each such a list and their own measuring.

Each run is train.py then test.py (the whole test set), each in a process of its own so that no state,
RNG or thread setting leaks from one run into the next, with --parallel runs at once and the CPU
threads split between them (on a shared CPU, one thread per run is far faster than processes fighting
over OpenMP spin-waits). Once a run is tested, the experiment's `measure` gives its record, a JSON
file. A run whose checkpoint, result page and record exist is skipped and one stopped midway continues
from its latest state (train.py --continue_train auto), so a stopped experiment resumes where it was;
--force trains every run again from scratch (train.py --start_over moves the old one aside).
"""
import contextlib
import glob
import json
import os
import subprocess
import sys
import threading
import time
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor

from util.errors import UserError
from util.util import atomic_write_text

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WHOLE_TEST_SET = str(10 ** 9)  # test.py --num_test: every test image (FID wants them all)

# info: what the tables say about the run besides its name and model; train.py never sees it.
Run = namedtuple('Run', 'name model options info', defaults=((), {}))
# runs: [Run]; train / test: the options every train.py / test.py gets; checkpoints, results, logs:
# folders; record(name): the path of a run's JSON record; measure(run): that record's content.
Experiment = namedtuple('Experiment', 'runs train test checkpoints results logs record measure')


def add_arguments(parser):
    """The options of every experiment: which runs, how many at once, and whether to redo them."""
    parser.add_argument('--only', help='comma-separated run names, in the order to run them (default: all)')
    parser.add_argument('--parallel', type=int, default=1, help='runs at once, each in processes of its own')
    parser.add_argument('--threads', type=int, help='torch threads per run (default: the CPU cores split between '
                        'the --parallel runs)')
    parser.add_argument('--force', action='store_true',
                        help='train from scratch (train.py --start_over), test and measure again even where a run is done')


def budget(opt, names):
    """--name value for each of `names` that `opt` sets (None: left to the toolkit's default)."""
    return [arg for name in names if getattr(opt, name) is not None for arg in ('--' + name, str(getattr(opt, name)))]


def select(runs, only):
    """The runs --only names, in its order (the order they run in); all of them without it."""
    if not only:
        return list(runs)
    by_name = {run.name: run for run in runs}
    names = list(dict.fromkeys(name.strip() for name in only.split(',') if name.strip()))
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise UserError(f'--only: unknown run {", ".join(unknown)}; choose from {", ".join(by_name)}')
    return [by_name[name] for name in names]


def done(experiment, run):
    """Trained (a latest checkpoint), tested (its result page) and measured (its record)."""
    return (bool(glob.glob(os.path.join(glob.escape(experiment.checkpoints), run.name, 'latest_net_*.pth')))
            and os.path.isfile(os.path.join(experiment.results, run.name, 'test_latest', 'index.html'))
            and os.path.isfile(experiment.record(run.name)))


def commands(experiment, run, force):
    """train.py (continuing a stopped run, or from scratch with `force`), then test.py."""
    where = ['--name', run.name, '--model', run.model, '--checkpoints_dir', experiment.checkpoints]
    train = ([sys.executable, os.path.join(ROOT, 'train.py')] + where + list(run.options) + experiment.train
             + ['--display_id', '0'] + (['--start_over'] if force else ['--continue_train', 'auto']))
    test = ([sys.executable, os.path.join(ROOT, 'test.py')] + where + experiment.test
            + ['--results_dir', experiment.results, '--num_test', WHOLE_TEST_SET])
    return [train, test]


def run_commands(commands, log_path, env):
    """Run `commands` in order, their output appended to one log, until one fails; its exit code."""
    os.makedirs(os.path.dirname(os.path.abspath(log_path)), exist_ok=True)
    with open(log_path, 'a') as log:
        for command in commands:
            log.write(f'$ {subprocess.list2cmdline(command)}\n')
            log.flush()
            code = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, env=env).returncode
            if code:
                return code
    return 0


def threads(opt):
    """The torch threads each run gets: --threads, or the CPU cores split between the --parallel runs."""
    if opt.parallel < 1 or (opt.threads is not None and opt.threads < 1):
        raise UserError(f'--parallel and --threads must be at least 1, got {opt.parallel} and {opt.threads}')
    return opt.threads or max(1, (os.cpu_count() or 1) // opt.parallel)


def launch(experiment, opt):
    """Train, test and measure every run of `experiment` that is not done (all of them with
    opt.force), opt.parallel at a time; a UserError names the runs that failed."""
    per_run = threads(opt)
    todo = [run for run in experiment.runs if opt.force or not done(experiment, run)]
    for skipped in (run for run in experiment.runs if run not in todo):
        print(f'skip {skipped.name}: trained, tested and measured (--force to redo)')
    # unbuffered, so that a run's log can be followed while it runs
    env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS=str(per_run), MKL_NUM_THREADS=str(per_run))
    measuring = threading.Lock()  # one at a time in this process, beside the runs still training

    def one(run):
        record, log = experiment.record(run.name), os.path.join(experiment.logs, run.name + '.log')
        with contextlib.suppress(FileNotFoundError):
            os.remove(record)  # it would describe the run this one replaces or continues
        print(f'[{time.strftime("%H:%M:%S")}] start {run.name} ({per_run} threads), log {log}', flush=True)
        start = time.time()
        code = run_commands(commands(experiment, run, opt.force), log, env)
        if not code:
            with measuring:
                os.makedirs(os.path.dirname(os.path.abspath(record)), exist_ok=True)
                atomic_write_text(record, json.dumps(experiment.measure(run), indent=1) + '\n')
        status = f'FAILED (exit {code}, see {log})' if code else 'done'
        print(f'[{time.strftime("%H:%M:%S")}] {status} {run.name} in {(time.time() - start) / 60:.1f} min', flush=True)
        return code

    with ThreadPoolExecutor(max_workers=opt.parallel) as pool:
        codes = list(pool.map(one, todo))
    failed = [run.name for run, code in zip(todo, codes) if code]
    if failed:
        raise UserError(f'run(s) {", ".join(failed)} failed; see {experiment.logs}/<run>.log')
