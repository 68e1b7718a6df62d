"""The paper's ablation (Figure 5): CrossNet's losses added one at a time, and CycleGAN beside them,
trained with one shared budget on one data set, then measured (FID, KID) and tabulated.

    python scripts/ablation.py --dataroot ./datasets/horse2zebra --load_size 72 --crop_size 64 \\
        --ngf 16 --ndf 16 --max_dataset_size 200 --n_epochs 2 --n_epochs_decay 1 --gpu_ids -1 --parallel 2

Each run is train.py then test.py (the whole test set) in its own subprocess, under
<checkpoints_dir>/ablation_<tag>/<run> and <results_dir>/ablation_<tag>/<run>/test_latest/; its log
is <results_dir>/ablation_<tag>/<run>.log. A run whose checkpoint and result page exist is skipped
and one stopped mid-training continues from its latest state (so a stopped ablation resumes where it
was), unless --force (which trains again from scratch, the old run moved aside: train.py --start_over).
Then every run translates the whole test set in both directions (scripts/compare.py, pages
compare_AtoB/ and compare_BtoA/ beside the runs): FID / KID against the real target test set as
stored (the field's protocol) and downscaled to the translations' size (so a small-budget run is not
scored on its resolution alone), and the domain score (metrics/domain.py), each beside the
untranslated inputs' numbers. ablation.md (docs-ready) and ablation.csv (one row per run and
direction) are written beside the runs. --max_dataset_size limits the training sets only.
"""
import argparse
import csv
import datetime
import glob
import io
import json
import os
import subprocess
import sys
from collections import namedtuple

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)  # run from anywhere
from metrics import ImageSource  # noqa: E402
from scripts import compare  # noqa: E402
from util.errors import UserError, run_cli  # noqa: E402
from util.image_grid import image_grid  # noqa: E402
from util.launcher import run_jobs  # noqa: E402
from util.run_record import final_losses, path_of  # noqa: E402
from util.util import atomic_write_text  # noqa: E402

Experiment = namedtuple('Experiment', 'name row options')
DIRECTIONS = ('AtoB', 'BtoA')

# Figure 5, one named option set per row; the shared budget is added to every one.
EXPERIMENTS = [
    Experiment('gan_id', 'GAN+Id', ['--model', 'crossnet', '--crossnet_mode', 'gan_id']),
    Experiment('ctc', '+CTC', ['--model', 'crossnet', '--crossnet_mode', 'ctc']),
    Experiment('zid', '+ZId', ['--model', 'crossnet', '--crossnet_mode', 'zid']),
    Experiment('zcyc', '+ZCyc', ['--model', 'crossnet', '--crossnet_mode', 'zcyc']),
    Experiment('full', 'all three (CrossNet)', ['--model', 'crossnet', '--crossnet_mode', 'full']),
    Experiment('cycle_gan', 'CycleGAN', ['--model', 'cycle_gan']),
]
# The budget: passed to train.py as given (absent: the toolkit's default); test.py gets the ones it has.
TRAIN_BUDGET = ('dataroot', 'load_size', 'crop_size', 'ngf', 'ndf', 'n_epochs', 'n_epochs_decay',
                'max_dataset_size', 'seed', 'gpu_ids', 'num_threads', 'print_freq', 'precision')
TEST_BUDGET = ('dataroot', 'load_size', 'crop_size', 'ngf', 'ndf', 'seed', 'gpu_ids')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--dataroot', required=True, help='unaligned data set: trainA, trainB, testA, testB')
    for name in ('load_size', 'crop_size', 'ngf', 'ndf', 'n_epochs', 'n_epochs_decay', 'max_dataset_size',
                 'seed', 'num_threads'):
        parser.add_argument('--' + name, type=int, help=f'train.py --{name} for every run')
    parser.add_argument('--precision', choices=['fp32', 'bf16'], help='train.py --precision for every run')
    parser.add_argument('--gpu_ids', default='0', help='train.py --gpu_ids for every run; also where FID runs')
    parser.add_argument('--print_freq', type=int, default=20,
                        help='loss log interval; the final losses average the last epoch\'s lines')
    parser.add_argument('--only', help='comma-separated run names to run and tabulate: '
                        + ','.join(e.name for e in EXPERIMENTS))
    parser.add_argument('--parallel', type=int, default=1, help='runs at once, CPU threads split between them')
    parser.add_argument('--force', action='store_true', help='train (from scratch: train.py --start_over) and test again even where results exist')
    parser.add_argument('--tag', help='names the ablation folders (default: the data set folder name)')
    parser.add_argument('--checkpoints_dir', default='./checkpoints')
    parser.add_argument('--results_dir', default='./results')
    parser.add_argument('--grid_rows', type=int, default=4, help='test inputs of each direction shown in grid.png')
    opt = parser.parse_args(argv)
    if opt.parallel < 1:
        parser.error('--parallel must be at least 1')
    if not os.path.isdir(os.path.join(opt.dataroot, 'testB')):
        raise UserError(f'--dataroot {opt.dataroot}: no testB folder to measure against')
    opt.tag = opt.tag or os.path.basename(os.path.normpath(opt.dataroot))
    opt.out = os.path.join(opt.results_dir, f'ablation_{opt.tag}')
    opt.checkpoints = os.path.join(opt.checkpoints_dir, f'ablation_{opt.tag}')
    return opt


def selected(only):
    """The experiments named in --only (all by default), in the table's order."""
    if not only:
        return EXPERIMENTS
    names = {n.strip() for n in only.split(',') if n.strip()}
    unknown = names - {e.name for e in EXPERIMENTS}
    if unknown:
        raise UserError(f'--only: unknown run {", ".join(sorted(unknown))}; '
                        f'choose from {", ".join(e.name for e in EXPERIMENTS)}')
    return [e for e in EXPERIMENTS if e.name in names]


def budget(opt, names):
    return [arg for name in names if getattr(opt, name) is not None for arg in ('--' + name, str(getattr(opt, name)))]


def page_dir(opt, exp):
    return os.path.join(opt.out, exp.name, 'test_latest')


def commands(opt, exp):
    """train.py then test.py over the whole test set (FID wants every testA image)."""
    model = exp.options[exp.options.index('--model') + 1]
    where = ['--name', exp.name, '--checkpoints_dir', opt.checkpoints]
    train = ([sys.executable, os.path.join(ROOT, 'train.py')] + where + exp.options
             + budget(opt, TRAIN_BUDGET) + ['--display_id', '0']
             + (['--start_over'] if opt.force else ['--continue_train', 'auto']))
    test = ([sys.executable, os.path.join(ROOT, 'test.py')] + where + ['--model', model]
            + budget(opt, TEST_BUDGET) + ['--results_dir', opt.out, '--num_test', str(10 ** 9)])
    return [train, test]


def is_done(opt, exp):
    return (bool(glob.glob(os.path.join(opt.checkpoints, exp.name, 'latest_net_*.pth')))
            and os.path.isfile(os.path.join(page_dir(opt, exp), 'index.html')))


def write_provenance(opt, exp):
    """<checkpoint>/provenance.json: the commit that trains the run, kept for the results table."""
    folder = os.path.join(opt.checkpoints, exp.name)
    os.makedirs(folder, exist_ok=True)
    commit = subprocess.run(['git', '-C', ROOT, 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True)
    atomic_write_text(os.path.join(folder, 'provenance.json'),
                      json.dumps({'commit': commit.stdout.strip() or 'unknown'}) + '\n')


def training_facts(opt, exp):
    """(iterations, wall seconds of training, commit) of a finished run, from its files: the training
    state's counter, the time from train_opt.txt (written at the start) to the last checkpoint."""
    folder = os.path.join(opt.checkpoints, exp.name)
    state = torch.load(os.path.join(folder, 'latest_train_state.pth'), map_location='cpu', weights_only=True)
    last = max(glob.glob(os.path.join(folder, 'latest_net_*.pth')), key=os.path.getmtime)
    wall = os.path.getmtime(last) - os.path.getmtime(os.path.join(folder, 'train_opt.txt'))
    provenance = os.path.join(folder, 'provenance.json')
    commit = _load(provenance)['commit'] if os.path.isfile(provenance) else 'unknown'
    return state['total_iters'], wall, commit


def _load(path):
    with open(path) as f:
        return json.load(f)


def evaluate(opt, experiments):
    """Every run's translations of the whole test set, both directions, through compare.py: FID /
    KID against the real targets as stored and at the translations' size, and the domain score,
    with the untranslated inputs as a baseline row. Returns {(run, direction): scores}."""
    names = ','.join(f'{exp.name}:{exp.options[exp.options.index("--model") + 1]}' for exp in experiments)
    scores = {}
    for direction in DIRECTIONS:
        compare.main(['--names', names, '--dataroot', opt.dataroot, '--checkpoints_dir', opt.checkpoints,
                      '--results_dir', opt.out, '--tag', direction, '--direction', direction,
                      '--num_test', str(10 ** 9), '--include_real_baseline', '--at_size',
                      '--metrics', 'fid,kid,domain', '--gpu_ids', opt.gpu_ids, '--no_progress',
                      '--cache_dir', os.path.join(opt.out, 'feature_cache')])
        for row in _load(os.path.join(opt.out, f'compare_{direction}', 'metrics.json')):
            scores[row['name'], direction] = {**row['scores'], 'n_fake': row['n_fake'], 'n_real': row['n_real']}
    return scores


def write_grid(opt, experiments):
    """grid.png: --grid_rows test inputs of each direction, spread over the test set (rows), then
    each run's translation (columns), at twice the translations' size, from the compare pages."""
    keys = []
    for direction in DIRECTIONS:
        folder = os.path.join(f'compare_{direction}', 'images')
        stems = ImageSource.from_folder(os.path.join(opt.out, folder), 'input').keys
        keys += [os.path.join(folder, stem) for stem in stems[::max(1, len(stems) // opt.grid_rows)][:opt.grid_rows]]
    columns = [('input', os.path.join(opt.out, '{}_input.png'))]
    columns += [(exp.name, os.path.join(opt.out, '{}_m%d.png' % k)) for k, exp in enumerate(experiments, 1)]
    return image_grid(columns, keys, os.path.join(opt.out, 'grid.png'), size_from=1)


def table_rows(opt, experiments, scores):
    """One row per run and direction: what was trained, for how long, and how it measures."""
    rows = []
    for exp in experiments:
        iterations, wall, commit = training_facts(opt, exp)
        losses = final_losses(path_of(os.path.join(opt.checkpoints, exp.name)))
        for direction in DIRECTIONS:
            s, baseline = scores[exp.name, direction], scores[compare.BASELINE, direction]
            rows.append({'run': exp.name, 'row': exp.row, 'model': exp.options[exp.options.index('--model') + 1],
                         'preset': exp.name, 'seed': opt.seed if opt.seed is not None else '',
                         'direction': direction, 'iterations': iterations, 'wall_s': round(wall),
                         'fid': s['fid'], 'kid': s['kid'], 'fid_at_size': s['fid_at_size'],
                         'kid_at_size': s['kid_at_size'], 'domain_score': s['domain'],
                         'domain_input': baseline['domain'], 'domain_real': s['domain_real'],
                         'fid_input': baseline['fid'], 'fid_input_at_size': baseline['fid_at_size'],
                         'n_fake': s['n_fake'], 'n_real': s['n_real'], 'commit': commit,
                         **{f'loss_{k}': v for k, v in losses.items()}})
    return rows


def markdown(opt, rows):
    """A docs-ready table; the pages it names are compare_AtoB/ and compare_BtoA/ beside it."""
    lines = [f'# Ablation ({opt.tag})', '',
             f'Budget for every run: `{" ".join(budget(opt, TRAIN_BUDGET))}`. ',
             'FID / KID: every test input of the direction translated, against the whole real target test set, '
             'as stored and downscaled to the translations\' size; domain: share of translations a linear probe on '
             'the two training sets assigns to the target domain (untranslated inputs / real targets in brackets). '
             f'Written {datetime.date.today()}, torch {torch.__version__}.', '',
             '| run | Figure 5 row | direction | iterations | wall | FID | KID | FID at size | KID at size '
             '| domain (inputs / real) | commit |',
             '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|']
    for r in rows:
        lines.append(f'| {r["run"]} | {r["row"]} | {r["direction"]} | {r["iterations"]} | {r["wall_s"] / 60:.0f} min '
                     f'| {r["fid"]:.1f} | {r["kid"]:.4f} | {r["fid_at_size"]:.1f} | {r["kid_at_size"]:.4f} '
                     f'| {r["domain_score"]:.2f} ({r["domain_input"]:.2f} / {r["domain_real"]:.2f}) | {r["commit"]} |')
    lines += ['', '![test inputs and each run\'s translation](grid.png)']
    return '\n'.join(lines) + '\n'


def csv_text(rows):
    columns = list(dict.fromkeys(k for row in rows for k in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator='\n')
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def main(argv=None):
    opt = parse_args(argv)
    experiments = selected(opt.only)
    todo = [exp for exp in experiments if opt.force or not is_done(opt, exp)]
    for exp in experiments:
        if exp not in todo:
            print(f'skip {exp.name}: checkpoint and result page exist (--force to redo)')
    codes = run_jobs([(exp.name, commands(opt, exp), os.path.join(opt.out, exp.name + '.log')) for exp in todo],
                     parallel=opt.parallel)
    failed = sorted(name for name, code in codes.items() if code)
    if failed:
        raise UserError(f'run(s) {", ".join(failed)} failed; see {opt.out}/<run>.log')
    for exp in todo:
        write_provenance(opt, exp)
    rows = table_rows(opt, experiments, evaluate(opt, experiments))
    write_grid(opt, experiments)
    atomic_write_text(os.path.join(opt.out, 'ablation.md'), markdown(opt, rows))
    atomic_write_text(os.path.join(opt.out, 'ablation.csv'), csv_text(rows))
    print(markdown(opt, rows))
    print(f'wrote {os.path.join(opt.out, "ablation.md")}, ablation.csv and grid.png')
    return rows


if __name__ == '__main__':
    run_cli(main)
