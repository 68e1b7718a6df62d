"""The paper's ablation (Figure 5): CrossNet's losses added one at a time, and CycleGAN beside them,
trained with one shared budget on one data set, then measured (FID, KID) and tabulated.

    python scripts/ablation.py --dataroot ./datasets/horse2zebra --load_size 72 --crop_size 64 \\
        --ngf 16 --ndf 16 --max_dataset_size 200 --n_epochs 2 --n_epochs_decay 1 --gpu_ids -1 --parallel 2

The runs are an experiment of scripts/experiment.py under <checkpoints_dir>/ablation_<tag>/<run> and
<results_dir>/ablation_<tag>/<run>/ (logged to <run>.log beside them, the commit that trained each in
its checkpoint's provenance.json). Every run then translates the whole test set in both directions
through scripts/compare.py (pages compare_AtoB/ and compare_BtoA/ beside the runs; see `evaluate`), and
ablation.md (docs-ready), ablation.csv (one row per run and direction) and grid.png are written beside
them. --max_dataset_size limits the training sets only.
"""
import argparse
import csv
import datetime
import glob
import io
import json
import os
import subprocess

import torch

from metrics import ImageSource
from scripts import compare, experiment
from scripts.experiment import ROOT, Run, budget
from scripts.image_grid import image_grid
from util.errors import UserError, run_cli
from util.run_record import final_losses, path_of
from util.util import atomic_write_text

DIRECTIONS = ('AtoB', 'BtoA')

# Figure 5, one named option set per row; the shared budget is added to every one.
RUNS = [
    Run('gan_id', 'crossnet', ['--crossnet_mode', 'gan_id'], {'row': 'GAN+Id'}),
    Run('ctc', 'crossnet', ['--crossnet_mode', 'ctc'], {'row': '+CTC'}),
    Run('zid', 'crossnet', ['--crossnet_mode', 'zid'], {'row': '+ZId'}),
    Run('zcyc', 'crossnet', ['--crossnet_mode', 'zcyc'], {'row': '+ZCyc'}),
    Run('full', 'crossnet', ['--crossnet_mode', 'full'], {'row': 'all three (CrossNet)'}),
    Run('cycle_gan', 'cycle_gan', [], {'row': 'CycleGAN'}),
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
    experiment.add_arguments(parser)  # --only, --parallel, --threads, --force
    parser.add_argument('--tag', help='names the ablation folders (default: the data set folder name)')
    parser.add_argument('--checkpoints_dir', default='./checkpoints')
    parser.add_argument('--results_dir', default='./results')
    parser.add_argument('--grid_rows', type=int, default=4, help='test inputs of each direction shown in grid.png')
    opt = parser.parse_args(argv)
    if not os.path.isdir(os.path.join(opt.dataroot, 'testB')):
        raise UserError(f'--dataroot {opt.dataroot}: no testB folder to measure against')
    opt.tag = opt.tag or os.path.basename(os.path.normpath(opt.dataroot))
    opt.out = os.path.join(opt.results_dir, f'ablation_{opt.tag}')
    opt.checkpoints = os.path.join(opt.checkpoints_dir, f'ablation_{opt.tag}')
    return opt


def ablation(opt):
    """The runs --only picks, with the budget and the folders, each recording the commit it is trained at."""
    def commit(run):
        found = subprocess.run(['git', '-C', ROOT, 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True)
        return {'commit': found.stdout.strip() or 'unknown'}
    return experiment.Experiment(
        runs=experiment.select(RUNS, opt.only), train=budget(opt, TRAIN_BUDGET), test=budget(opt, TEST_BUDGET),
        checkpoints=opt.checkpoints, results=opt.out, logs=opt.out,
        record=lambda name: os.path.join(opt.checkpoints, name, 'provenance.json'), measure=commit)


def training_facts(opt, run):
    """(iterations, wall seconds of training, commit) of a finished run, from its files: the training
    state's counter, the time from train_opt.txt (written at the start) to the last checkpoint."""
    folder = os.path.join(opt.checkpoints, run.name)
    state = torch.load(os.path.join(folder, 'latest_train_state.pth'), map_location='cpu', weights_only=True)
    last = max(glob.glob(os.path.join(glob.escape(folder), 'latest_net_*.pth')), key=os.path.getmtime)
    wall = os.path.getmtime(last) - os.path.getmtime(os.path.join(folder, 'train_opt.txt'))
    return state['total_iters'], wall, _load(os.path.join(folder, 'provenance.json'))['commit']


def _load(path):
    with open(path) as f:
        return json.load(f)


def evaluate(opt, runs):
    """Every run's translations of the whole test set, both directions, through compare.py: FID /
    KID against the real targets as stored and at the translations' size, and the domain score,
    with the untranslated inputs as a baseline row. Returns {(run, direction): scores}."""
    names = ','.join(f'{run.name}:{run.model}' for run in runs)
    scores = {}
    for direction in DIRECTIONS:
        compare.main(['--names', names, '--dataroot', opt.dataroot, '--checkpoints_dir', opt.checkpoints,
                      '--results_dir', opt.out, '--tag', direction, '--direction', direction,
                      '--num_test', experiment.WHOLE_TEST_SET, '--include_real_baseline', '--at_size',
                      '--metrics', 'fid,kid,domain', '--gpu_ids', opt.gpu_ids, '--no_progress',
                      '--cache_dir', os.path.join(opt.out, 'feature_cache')])
        for row in _load(os.path.join(opt.out, f'compare_{direction}', 'metrics.json')):
            scores[row['name'], direction] = {**row['scores'], 'n_fake': row['n_fake'], 'n_real': row['n_real']}
    return scores


def write_grid(opt, runs):
    """grid.png: --grid_rows test inputs of each direction, spread over the test set (rows), then
    each run's translation (columns), at twice the translations' size, from the compare pages."""
    keys = []
    for direction in DIRECTIONS:
        folder = os.path.join(f'compare_{direction}', 'images')
        stems = ImageSource.from_folder(os.path.join(opt.out, folder), 'input').keys
        keys += [os.path.join(folder, stem) for stem in stems[::max(1, len(stems) // opt.grid_rows)][:opt.grid_rows]]
    columns = [('input', os.path.join(opt.out, '{}_input.png'))]
    columns += [(run.name, os.path.join(opt.out, '{}_m%d.png' % k)) for k, run in enumerate(runs, 1)]
    return image_grid(columns, keys, os.path.join(opt.out, 'grid.png'), size_from=1)


def table_rows(opt, runs, scores):
    """One row per run and direction: what was trained, for how long, and how it measures."""
    rows = []
    for run in runs:
        iterations, wall, commit = training_facts(opt, run)
        losses = final_losses(path_of(os.path.join(opt.checkpoints, run.name)))
        for direction in DIRECTIONS:
            s, baseline = scores[run.name, direction], scores[compare.BASELINE, direction]
            rows.append({'run': run.name, 'row': run.info['row'], 'model': run.model,
                         'preset': run.name, 'seed': opt.seed if opt.seed is not None else '',
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
    planned = ablation(opt)
    experiment.launch(planned, opt)
    runs = [run for run in RUNS if run in planned.runs]  # tabulated in Figure 5's order
    rows = table_rows(opt, runs, evaluate(opt, runs))
    write_grid(opt, runs)
    atomic_write_text(os.path.join(opt.out, 'ablation.md'), markdown(opt, rows))
    atomic_write_text(os.path.join(opt.out, 'ablation.csv'), csv_text(rows))
    print(markdown(opt, rows))
    print(f'wrote {os.path.join(opt.out, "ablation.md")}, ablation.csv and grid.png')
    return rows


if __name__ == '__main__':
    run_cli(main)
