"""The paper's ablation (Figure 5): CrossNet's losses added one at a time, and CycleGAN beside them,
trained with one shared budget on one data set, then measured (FID, KID) and tabulated.

    python scripts/ablation.py --dataroot ./datasets/horse2zebra --load_size 72 --crop_size 64 \\
        --ngf 16 --ndf 16 --max_dataset_size 200 --n_epochs 2 --n_epochs_decay 1 --gpu_ids -1 --parallel 2

Each run is train.py then test.py (the whole test set) in its own subprocess, under
<checkpoints_dir>/ablation_<tag>/<run> and <results_dir>/ablation_<tag>/<run>/test_latest/; its log
is <results_dir>/ablation_<tag>/<run>.log. A run whose checkpoint and result page exist is skipped
and one stopped mid-training continues from its latest state (so a stopped ablation resumes where it
was), unless --force (which trains again from scratch, the old run moved aside: train.py --start_over). Then each run's translated testA
(fake_B) is measured against the real testB, and ablation.md (docs-ready, linking each result page)
and ablation.csv are written beside the runs. --max_dataset_size limits the training sets only.

--reference resized (default) measures against testB downscaled to the size of the translations, so
that a small-budget run is not scored on its resolution alone; --reference original is the field's
protocol (pytorch-fid on the test set as stored) and the right choice at 256 px.
"""
import argparse
import csv
import datetime
import glob
import io
import json
import os
import sys
from collections import namedtuple

import torch
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)  # run from anywhere
from metrics import ImageSource, compute_metrics  # noqa: E402
from metrics.image_source import list_images  # noqa: E402
from util.errors import UserError, run_cli  # noqa: E402
from util.image_grid import image_grid  # noqa: E402
from util.launcher import run_jobs  # noqa: E402
from util.loss_log import final_losses  # noqa: E402
from util.util import atomic_write_text  # noqa: E402

Experiment = namedtuple('Experiment', 'name row options')

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
    parser.add_argument('--grid_rows', type=int, default=4, help='test inputs shown in grid.png, one row each')
    parser.add_argument('--reference', choices=['resized', 'original'], default='resized',
                        help='real testB at the translations\' size, or as stored (see above)')
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


def reference(opt, size):
    """The real testB to measure against: as stored, or downscaled once to `size` (w, h) into the
    ablation folder (a folder, so its features are cached across runs and reruns)."""
    real = os.path.join(opt.dataroot, 'testB')
    if opt.reference == 'original':
        return real
    folder = os.path.join(opt.out, f'testB_{size[0]}x{size[1]}')
    paths = list_images(real)
    if not os.path.isdir(folder) or len(os.listdir(folder)) != len(paths):
        os.makedirs(folder, exist_ok=True)
        for path in paths:
            with Image.open(path) as img:
                name = os.path.splitext(os.path.basename(path))[0] + '.png'
                img.convert('RGB').resize(size, Image.BICUBIC).save(os.path.join(folder, name))
    return folder


def _load(path):
    with open(path) as f:
        return json.load(f)


def evaluate(opt, exp, fresh):
    """FID / KID of the run's fake_B against real testB, kept in <run>/metrics.json and reused
    while the run is unchanged; plus the final losses from its loss_log.txt."""
    saved = os.path.join(opt.out, exp.name, 'metrics.json')
    if fresh or not os.path.isfile(saved) or _load(saved).get('reference_mode') != opt.reference:
        fake = ImageSource.from_folder(os.path.join(page_dir(opt, exp), 'images'), 'fake_B')
        real = reference(opt, Image.fromarray(fake.load(0)).size)
        gpu = opt.gpu_ids.split(',')[0].strip()
        device = f'cuda:{gpu}' if torch.cuda.is_available() and gpu not in ('', '-1') else 'cpu'
        report = compute_metrics(['fid', 'kid'], fake, real, device=device, progress=False,
                                 cache_dir=os.path.join(opt.out, 'feature_cache'))
        scores = {**report.scores, 'n_fake': len(fake), 'n_real': len(ImageSource.of(real)), 'reference': real,
                  'reference_mode': opt.reference}
        atomic_write_text(saved, json.dumps(scores, indent=1))
    scores = _load(saved)
    log = os.path.join(opt.checkpoints, exp.name, 'loss_log.txt')
    return {**scores, 'losses': final_losses(log) if os.path.isfile(log) else {}}


def write_grid(opt, experiments):
    """grid.png: a few test inputs spread over testA (rows), then each run's translation (columns)."""
    images = [os.path.join(page_dir(opt, exp), 'images') for exp in experiments]
    keys = ImageSource.from_folder(images[0], 'fake_B').keys
    keys = keys[::max(1, len(keys) // opt.grid_rows)][:opt.grid_rows]
    columns = [('input (A)', os.path.join(images[0], '{}_real_A.png'))]
    columns += [(exp.name, os.path.join(folder, '{}_fake_B.png')) for exp, folder in zip(experiments, images)]
    return image_grid(columns, keys, os.path.join(opt.out, 'grid.png'))


def markdown(opt, rows, experiments):
    """A docs-ready table; links are relative to the ablation folder the file is written into."""
    first = rows[experiments[0].name]
    lines = [f'# Ablation ({opt.tag})', '',
             f'Budget for every run: `{" ".join(budget(opt, TRAIN_BUDGET))}`. ',
             f'FID / KID: {first["n_fake"]} translations of testA (fake_B) against {first["n_real"]} real '
             f'testB images ({opt.reference}: `{first["reference"]}`), standard Inception features. '
             f'Losses: each term\'s mean over the loss-log lines of the last epoch. '
             f'Written {datetime.date.today()}, torch {torch.__version__}.', '',
             '| run | Figure 5 row | FID | KID (mean ± std) | final losses | result page |',
             '|---|---|---:|---:|---|---|']
    for exp in experiments:
        row = rows[exp.name]
        losses = ', '.join(f'{k} {v:.3f}' for k, v in row['losses'].items())
        page = os.path.relpath(os.path.join(page_dir(opt, exp), 'index.html'), opt.out)
        lines.append(f'| {exp.name} | {exp.row} | {row["fid"]:.1f} | {row["kid"]:.4f} ± {row["kid_std"]:.4f} '
                     f'| {losses} | [{exp.name}]({page}) |')
    lines += ['', '![test inputs and each run\'s translation](grid.png)']
    return '\n'.join(lines) + '\n'


def csv_text(opt, rows, experiments):
    terms = list(dict.fromkeys(k for exp in experiments for k in rows[exp.name]['losses']))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(['run', 'row', 'fid', 'kid', 'kid_std', 'n_fake', 'n_real'] + [f'loss_{t}' for t in terms]
                    + ['page'])
    for exp in experiments:
        row = rows[exp.name]
        writer.writerow([exp.name, exp.row, row['fid'], row['kid'], row['kid_std'], row['n_fake'], row['n_real']]
                        + [row['losses'].get(t, '') for t in terms]
                        + [os.path.join(page_dir(opt, exp), 'index.html')])
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
    rows = {exp.name: evaluate(opt, exp, exp in todo) for exp in experiments}
    write_grid(opt, experiments)
    atomic_write_text(os.path.join(opt.out, 'ablation.md'), markdown(opt, rows, experiments))
    atomic_write_text(os.path.join(opt.out, 'ablation.csv'), csv_text(opt, rows, experiments))
    print(markdown(opt, rows, experiments))
    print(f'wrote {os.path.join(opt.out, "ablation.md")}, ablation.csv and grid.png')
    return rows


if __name__ == '__main__':
    run_cli(main)
